import { describe, expect, it } from 'vitest';
import { checkHeader, parseLinkRow, parseMovieRow, parseRatingRow, parseTagRow } from '../../../src/import/rows.ts';

describe('checkHeader', () => {
  it('accepts the MovieLens header and names what it expected otherwise', () => {
    expect(checkHeader(['movieId', 'title', 'genres'], 'movies')).toBeNull();
    expect(checkHeader(['userId', 'movieId', 'rating'], 'ratings')).toMatch(/expected the header "userId,movieId,rating,timestamp"/);
  });
});

describe('parseMovieRow', () => {
  it('reads name, year, genres and search name', () => {
    expect(parseMovieRow(['858', 'Godfather, The (1972)', 'Crime|Drama'])).toEqual({
      ok: true,
      row: { movielensId: 858, name: 'The Godfather', year: 1972, genres: ['Crime', 'Drama'], searchName: 'the godfather' },
    });
  });

  it.each([
    [['x1', 'A (1999)', 'Drama'], /movieId "x1" is not a positive whole number/],
    [['0', 'A (1999)', 'Drama'], /movieId "0"/],
    [['99999999999', 'A (1999)', 'Drama'], /movieId/],
    [['1', 'A (1999)'], /expected 3 columns .* found 2/],
    [['1', 'A (1999)', 'Drama', 'extra'], /found 4/],
    [['1', '  ', 'Drama'], /title is empty/],
    [['1', '!!! (1999)', 'Drama'], /no letters or digits/],
  ])('rejects %j', (fields, reason) => {
    const result = parseMovieRow(fields);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('parseLinkRow', () => {
  it('writes IMDb ids the IMDb way and allows missing ids', () => {
    expect(parseLinkRow(['1', '0114709', '862'])).toEqual({ ok: true, row: { movielensId: 1, imdbId: 'tt0114709', tmdbId: 862 } });
    expect(parseLinkRow(['2', '', ''])).toEqual({ ok: true, row: { movielensId: 2, imdbId: null, tmdbId: null } });
  });

  it('rejects non-numeric ids', () => {
    expect(parseLinkRow(['1', 'abc', '862'])).toMatchObject({ ok: false, reason: expect.stringMatching(/imdbId/) });
    expect(parseLinkRow(['1', '0114709', '8.5'])).toMatchObject({ ok: false, reason: expect.stringMatching(/tmdbId/) });
  });
});

describe('parseTagRow', () => {
  it('trims and collapses the tag', () => {
    expect(parseTagRow(['2', '60756', '  Highly   quotable ', '1445714996'])).toEqual({ ok: true, row: { userId: 2, movielensId: 60756, tag: 'Highly quotable' } });
  });

  it('rejects an empty tag or a bad user', () => {
    expect(parseTagRow(['2', '60756', '   ', '1'])).toMatchObject({ ok: false, reason: 'tag is empty' });
    expect(parseTagRow(['-2', '60756', 'funny', '1'])).toMatchObject({ ok: false, reason: expect.stringMatching(/userId/) });
  });
});

describe('parseRatingRow', () => {
  it('reads a half-step rating and its time', () => {
    expect(parseRatingRow(['1', '31', '2.5', '1260759144'])).toEqual({ ok: true, row: { userId: 1, movielensId: 31, value: 2.5, timestamp: 1260759144 } });
    expect(parseRatingRow(['1', '31', '5', '0'])).toMatchObject({ ok: true, row: { value: 5 } });
  });

  it.each([
    ['0', /between 0.5 and 5/],
    ['5.5', /between 0.5 and 5/],
    ['3.3', /half steps/],
    ['-1', /not a number/],
    ['four', /not a number/],
    ['', /not a number/],
  ])('rejects rating %j', (rating, reason) => {
    expect(parseRatingRow(['1', '31', rating, '1260759144'])).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('rejects a bad timestamp or column count', () => {
    expect(parseRatingRow(['1', '31', '4', 'yesterday'])).toMatchObject({ ok: false, reason: expect.stringMatching(/timestamp/) });
    expect(parseRatingRow(['1', '31', '4'])).toMatchObject({ ok: false, reason: expect.stringMatching(/expected 4 columns/) });
  });
});
