import { describe, expect, it } from 'vitest';
import {
  alternateNames,
  canonicalSearchText,
  moveTrailingArticle,
  normaliseSearchText,
  parseGenres,
  parseMovieLensTitle,
  readableName,
  searchNameOf,
  titleSearchNames,
} from '../../../src/catalog/names.ts';

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

  it('reads & as and, + as plus', () => {
    expect(normaliseSearchText('Harold & Kumar')).toBe('harold and kumar');
    expect(normaliseSearchText('Romeo + Juliet')).toBe('romeo plus juliet');
  });

  it('drops periods, so initials and abbreviations read as typed without them', () => {
    expect(normaliseSearchText('E.T. the Extra-Terrestrial')).toBe('et the extra terrestrial');
    expect(normaliseSearchText('L.A. Confidential')).toBe('la confidential');
    expect(normaliseSearchText('Mr. & Mrs. Smith')).toBe('mr and mrs smith');
    expect(normaliseSearchText('When Harry Met Sally...')).toBe('when harry met sally');
  });

  it('keeps a period between digits as a separator', () => {
    expect(normaliseSearchText('Tron 2.0')).toBe('tron 2 0');
  });

  it('turns symbols inside names into spaces (compact forms then drop the spaces)', () => {
    expect(normaliseSearchText('M*A*S*H')).toBe('m a s h');
    expect(normaliseSearchText('WALL·E')).toBe('wall e');
    expect(normaliseSearchText('X-Men')).toBe('x men');
    expect(normaliseSearchText('Face/Off')).toBe('face off');
    expect(normaliseSearchText('¡Three Amigos!')).toBe('three amigos');
  });

  it('decomposes compatibility characters: superscripts, full-width letters, ligatures', () => {
    expect(normaliseSearchText('Alien³')).toBe('alien3');
    expect(normaliseSearchText('ＭＡＴＲＩＸ')).toBe('matrix');
    expect(normaliseSearchText('ﬁnding nemo')).toBe('finding nemo');
  });

  it('reads vulgar fractions the way they are typed', () => {
    expect(normaliseSearchText('8½')).toBe(normaliseSearchText('8 1/2'));
    expect(normaliseSearchText('8½')).toBe('8 1 2');
  });

  it('drops emoji like any other symbol', () => {
    expect(normaliseSearchText('🎬 matrix 🍿')).toBe('matrix');
    expect(normaliseSearchText('🎬🍿')).toBe('');
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

  it('is the main name only, without a.k.a. or bracketed names', () => {
    expect(searchNameOf("Amelie (Le Fabuleux destin d'Amélie Poulain)")).toBe('amelie');
  });
});

describe('alternateNames', () => {
  it('takes bracketed original-language names as alternates, articles in front', () => {
    expect(alternateNames('Seven Samurai (Shichinin no samurai)')).toEqual({ main: 'Seven Samurai', alternates: ['Shichinin no samurai'] });
    expect(alternateNames('City of Lost Children, The (Cité des enfants perdus, La)')).toEqual({
      main: 'City of Lost Children, The',
      alternates: ['La Cité des enfants perdus'],
    });
  });

  it('strips "a.k.a.", "a.k.a" and "aka" and keeps every alternate in order', () => {
    expect(alternateNames('Léon: The Professional (a.k.a. The Professional) (Léon)').alternates).toEqual(['The Professional', 'Léon']);
    expect(alternateNames('Asterix in America (a.k.a Asterix Conquers America)').alternates).toEqual(['Asterix Conquers America']);
    expect(alternateNames("European Vacation (aka National Lampoon's European Vacation)").alternates).toEqual(["National Lampoon's European Vacation"]);
  });

  it('leaves a name that starts with brackets, or has none, alone', () => {
    expect(alternateNames('(500) Days of Summer')).toEqual({ main: '(500) Days of Summer', alternates: [] });
    expect(alternateNames('Heat')).toEqual({ main: 'Heat', alternates: [] });
  });
});

describe('canonicalSearchText', () => {
  it('writes sequel numbers as digits, part by part', () => {
    expect(canonicalSearchText('Star Wars: Episode IV - A New Hope')).toBe('star wars episode 4 a new hope');
    expect(canonicalSearchText('Star Trek V: The Final Frontier')).toBe('star trek 5 the final frontier');
    expect(canonicalSearchText("Ocean's Eleven")).toBe('oceans 11');
    expect(canonicalSearchText('Kill Bill: Vol. 2')).toBe('kill bill volume 2');
  });

  it('leaves a lone I, V or X that is a letter alone', () => {
    expect(canonicalSearchText('I, Robot')).toBe('i robot');
    expect(canonicalSearchText('V for Vendetta')).toBe('v for vendetta');
    expect(canonicalSearchText('X-Men: First Class')).toBe('x men 1st class');
  });
});

describe('titleSearchNames', () => {
  it('lists the main name first, then its canonical form and every alternate, without duplicates', () => {
    expect(titleSearchNames('Rocky IV')).toEqual(['rocky iv', 'rocky 4']);
    expect(titleSearchNames('Heat')).toEqual(['heat']);
    expect(titleSearchNames('Léon: The Professional (a.k.a. The Professional) (Léon)')).toEqual(['leon the professional', 'the professional', 'leon']);
    expect(titleSearchNames('M*A*S*H (a.k.a. MASH)')).toEqual(['m a s h', 'mash']);
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
