import { describe, expect, it } from 'vitest';
import { moveTrailingArticle, normaliseSearchText, parseGenres, parseMovieLensTitle, readableName, searchNameOf } from '../../../src/catalog/names.ts';

describe('parseMovieLensTitle', () => {
  it.each([
    ['Toy Story (1995)', 'Toy Story', 1995],
    ['Godfather, The (1972)', 'The Godfather', 1972],
    ['Godfather: Part II, The (1974)', 'The Godfather: Part II', 1974],
    ['Andalusian Dog, An (Chien andalou, Un) (1929)', 'An Andalusian Dog (Un Chien andalou)', 1929],
    ["Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "Amelie (Le Fabuleux destin d'Amélie Poulain)", 2001],
    ['Misérables, Les (1995)', 'Les Misérables', 1995],
    ["Avventura, L' (1960)", "L'Avventura", 1960],
    ['Boot, Das (Boat, The) (1981)', 'Das Boot (The Boat)', 1981],
    ['Tin Drum, The (Blechtrommel, Die) (1979)', 'The Tin Drum (Die Blechtrommel)', 1979],
    ['From Dusk Till Dawn 2: Texas Blood Money (1999) ', 'From Dusk Till Dawn 2: Texas Blood Money', 1999],
    ['Death Note: Desu nôto (2006–2007)', 'Death Note: Desu nôto', 2006],
  ])('%s -> %s (%s)', (raw, name, year) => {
    expect(parseMovieLensTitle(raw)).toEqual({ name, year });
  });

  it('leaves a title without a year alone', () => {
    expect(parseMovieLensTitle('Babylon 5')).toEqual({ name: 'Babylon 5', year: null });
  });

  it('does not treat a comma inside a name as an article', () => {
    expect(parseMovieLensTitle('Three Billboards Outside Ebbing, Missouri (2017)').name).toBe('Three Billboards Outside Ebbing, Missouri');
    expect(parseMovieLensTitle('Good, the Bad and the Ugly, The (1966)').name).toBe('The Good, the Bad and the Ugly');
  });

  it('keeps a year in the middle of a name', () => {
    expect(parseMovieLensTitle('2001: A Space Odyssey (1968)')).toEqual({ name: '2001: A Space Odyssey', year: 1968 });
    expect(parseMovieLensTitle('Blade Runner 2049 (2017)')).toEqual({ name: 'Blade Runner 2049', year: 2017 });
  });
});

describe('moveTrailingArticle / readableName', () => {
  it('moves only a trailing article', () => {
    expect(moveTrailingArticle('Matrix, The')).toBe('The Matrix');
    expect(moveTrailingArticle('Special Day, A')).toBe('A Special Day');
    expect(moveTrailingArticle('The Matrix')).toBe('The Matrix');
    expect(moveTrailingArticle('Theory')).toBe('Theory');
  });

  it('fixes every parenthesised alternative name', () => {
    expect(readableName('Children Are Watching Us, The (Bambini ci guardano, I)')).toBe('The Children Are Watching Us (I Bambini ci guardano)');
  });
});

describe('normaliseSearchText', () => {
  it('lower-cases, strips accents and collapses punctuation', () => {
    expect(normaliseSearchText('  Amélie  ')).toBe('amelie');
    expect(normaliseSearchText('Star Wars: Episode IV - A New Hope')).toBe('star wars episode iv a new hope');
    expect(normaliseSearchText('Léon: The Professional')).toBe('leon the professional');
    expect(normaliseSearchText('Grønne slagtere')).toBe('gronne slagtere');
  });

  it('drops apostrophes so possessives match typed without them', () => {
    expect(normaliseSearchText("Schindler's List")).toBe('schindlers list');
    expect(normaliseSearchText('Schindlers List')).toBe('schindlers list');
  });

  it('reads & as and', () => {
    expect(normaliseSearchText('Harold & Kumar')).toBe('harold and kumar');
  });

  it('turns SQL and LIKE metacharacters into spaces', () => {
    expect(normaliseSearchText("x'; DROP TABLE titles; -- %_\\")).toBe('x drop table titles');
    expect(normaliseSearchText("'; -- % _ \\")).toBe('');
  });

  it('keeps letters of other scripts', () => {
    expect(normaliseSearchText('Тот самый Мюнхгаузен')).toBe('тот самыи мюнхгаузен');
  });
});

describe('searchNameOf', () => {
  it('agrees for both ways of writing an article', () => {
    expect(searchNameOf('Godfather, The')).toBe('the godfather');
    expect(searchNameOf('the godfather')).toBe('the godfather');
  });
});

describe('parseGenres', () => {
  it('splits on | and reads "(no genres listed)" as none', () => {
    expect(parseGenres('Adventure|Animation|Children')).toEqual(['Adventure', 'Animation', 'Children']);
    expect(parseGenres('(no genres listed)')).toEqual([]);
    expect(parseGenres('')).toEqual([]);
    expect(parseGenres('Drama|Drama')).toEqual(['Drama']);
  });
});
