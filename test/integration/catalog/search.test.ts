import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { searchTitles, SearchQueryError, titleSearchSql, type TitleSearchResult } from '../../../src/catalog/search.ts';
import { importMovieLens } from '../../../src/import/movielens.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/** The real ml-latest-small catalogue (9,742 titles), where the global setup found it. */
const movielens = inject('movielensDir');

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await importMovieLens(client, { dir: movielens, files: ['movies'] });
  } finally {
    await client.end();
  }
});

afterAll(async () => {
  await database?.drop();
});

const label = (r: TitleSearchResult) => `${r.name} (${r.year})`;
const search = (query: string, limit = 10) => searchTitles(database.prisma, query, { limit });

describe('searchTitles on the ml-latest-small catalogue', () => {
  it.each([
    ['toy story', 'Toy Story (1995)'],
    ['Toy Story', 'Toy Story (1995)'],
    ['godfater', 'The Godfather (1972)'],
    ['the godfather', 'The Godfather (1972)'],
    ['Godfather, The', 'The Godfather (1972)'],
    ['amelie', "Amelie (Le Fabuleux destin d'Amélie Poulain) (2001)"],
    ['Amélie', "Amelie (Le Fabuleux destin d'Amélie Poulain) (2001)"],
    ['matrix 1999', 'The Matrix (1999)'],
    ['The Matrix (1999)', 'The Matrix (1999)'],
    ['matrix reloaded', 'The Matrix Reloaded (2003)'],
    ['shawshank', 'The Shawshank Redemption (1994)'],
    ['pulp fict', 'Pulp Fiction (1994)'],
    ['schindlers list', "Schindler's List (1993)"],
    ['blade runner 2049', 'Blade Runner 2049 (2017)'],
    ['LEON THE PROFESSIONAL', 'Léon: The Professional (a.k.a. The Professional) (Léon) (1994)'],
  ])('%j finds %s first', async (query, expected) => {
    const [first] = await search(query);
    expect(first && label(first)).toBe(expected);
  });

  it('puts Star Wars films first for "star wars"', async () => {
    const results = await search('star wars', 8);
    expect(results).toHaveLength(8);
    // Without ratings (this catalogue has none imported) popularity cannot order the films among themselves.
    for (const r of results) expect(r.name).toMatch(/Star Wars/);
    expect(results.map((r) => r.name)).not.toContain("Empire of Dreams: The Story of the 'Star Wars' Trilogy");
    expect(results.map(label)).toContain('Star Wars: Episode IV - A New Hope (1977)');
  });

  it('boosts titles of a trailing year without dropping the others', async () => {
    const results = await search('godfather 1990');
    expect(label(results[0]!)).toBe('The Godfather: Part III (1990)');
    expect(results.map(label)).toContain('The Godfather (1972)');
  });

  it('returns full rows with a descending score', async () => {
    const results = await search('toy story');
    expect(results[0]).toMatchObject({ name: 'Toy Story', year: 1995, kind: 'movie', genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'], ratingCount: 0, ratingMean: null });
    expect(typeof results[0]!.id).toBe('number');
    const scores = results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('answers one- and two-character queries by word prefix', async () => {
    // Every name starting with the word "et" ties; without ratings (relevance.test.ts has them) nothing orders them.
    const results = await search('e.t');
    expect(results.slice(0, 3).map(label)).toContain('E.T. the Extra-Terrestrial (1982)');
    for (const r of results.slice(0, 3)) expect(r.name).toMatch(/(^|\()(E\.T\.|et) /i);
    expect(await search('q', 25)).toHaveLength(25);
  });

  it('honours limit and kind', async () => {
    expect(await searchTitles(database.prisma, 'love', { limit: 25 })).toHaveLength(25);
    expect(await searchTitles(database.prisma, 'love', { kind: 'movie', limit: 3 })).toHaveLength(3);
    expect(await searchTitles(database.prisma, 'love', { kind: 'book' })).toEqual([]);
  });

  it('returns an empty list when nothing is alike', async () => {
    expect(await search('zzqxv')).toEqual([]);
  });
});

describe('searchTitles on bad input', () => {
  it('throws a SearchQueryError for an empty or whitespace query', async () => {
    await expect(search('')).rejects.toThrow(SearchQueryError);
    await expect(search('   \t')).rejects.toThrow(/empty/);
  });

  it('throws a SearchQueryError naming the maximum for a 1,000-character query', async () => {
    await expect(search('godfather '.repeat(100))).rejects.toThrow(/1000 characters long; the most allowed is 200/);
  });

  it('rejects a bad limit or kind', async () => {
    await expect(search('toy', 0)).rejects.toThrow(/limit must be a whole number from 1 to 100/);
    await expect(search('toy', 101)).rejects.toThrow(SearchQueryError);
    await expect(searchTitles(database.prisma, 'toy', { kind: "movie'; --" as never })).rejects.toThrow(/Unknown title kind/);
  });

  it.each(["'", ';', '--', '%', '_', '\\', "'; --", "%' --"])('treats %j as text, never as SQL', async (query) => {
    await expect(search(query)).rejects.toThrow(/no letters or digits/);
  });

  it.each(["' OR 1=1 --", "godfather'; DROP TABLE titles; --", 'toy%story', 'toy_story', 'toy\\story', "o'brien"])('searches %j as plain words', async (query) => {
    const results = await search(query);
    expect(Array.isArray(results)).toBe(true);
  });

  it('still has every title after the injection attempts', async () => {
    expect(await database.prisma.title.count()).toBe(9742);
    const [first] = await search("godfather'; DROP TABLE titles; --");
    expect(first?.name).toBe('The Godfather');
    const [story] = await search('toy%story');
    expect(story && label(story)).toBe('Toy Story (1995)');
  });
});

describe('searchTitles on input that is not a title', () => {
  const answer = (query: string) =>
    search(query).then(
      (rows) => rows.map(label),
      (error: unknown) => {
        if (error instanceof SearchQueryError) return error.message;
        throw error;
      },
    );

  it.each(['!!!', '?', '***', '🎬🍿', '¿¡', '…'])('answers %j, which has nothing to search for, with a SearchQueryError', async (query) => {
    await expect(search(query)).rejects.toThrow(/has no letters or digits to search for/);
  });

  it('searches digits-only queries as names', async () => {
    expect((await search('300'))[0]?.name).toBe('300');
    expect((await search('1984'))[0]?.name).toBe('1984 (Nineteen Eighty-Four)');
    expect(await search('123456789')).toEqual([]);
  });

  it('ignores emoji around a title', async () => {
    expect((await answer('🎬 matrix'))[0]).toBe('The Matrix (1999)');
    expect((await answer('matrix 🎬🍿 1999'))[0]).toBe('The Matrix (1999)');
  });

  it('searches mixed scripts without an error', async () => {
    for (const query of ['Тот самый Münchhausen ゴジラ', 'amélie 東京 物語', 'Ωmega ✓ 42']) expect(Array.isArray(await answer(query))).toBe(true);
    expect((await answer('amélie 東京 物語'))[0]).toBe("Amelie (Le Fabuleux destin d'Amélie Poulain) (2001)");
  });

  it('answers a pasted paragraph within the length limit', async () => {
    expect((await answer('godfather '.repeat(19).trim()))[0]).toBe('The Godfather (1972)');
    expect(Array.isArray(await answer('x'.repeat(200)))).toBe(true);
  });

  // No timings in tests: the plan shows that each query is answered from indexes, never by reading every name.
  it.each([
    '42',
    'a',
    'm',
    'the',
    'x'.repeat(200),
    'godfather '.repeat(19).trim(),
    'Тот самый Münchhausen ゴジラ',
    '🎬 matrix',
    "' OR 1=1 --",
    "godfather'; DROP TABLE titles; --",
    'SELECT * FROM titles',
    'the thing 1982',
    'rocky 4',
    'lotr',
    'revenge of the sith',
    'indiana jones and the raiders of the lost ark',
  ])('plans %j with indexes only, no sequential scan', async (query) => {
    const plan = (await database.prisma.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN ${titleSearchSql(query, { limit: 25 })}`).map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(/title_names_compact_idx|title_names_compact_trgm_idx/);
  });
});
