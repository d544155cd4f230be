import { describe, expect, it } from 'vitest';
import { canonicalWords, expandSeriesAbbreviation, numberOf, splitLettersFromDigits } from '../../../src/catalog/canonical.ts';

const canonical = (text: string) => canonicalWords(text.split(' ')).join(' ');

describe('numberOf', () => {
  it('reads number words and ordinals as digits', () => {
    expect(numberOf('four', 'rocky', true)).toBe('4');
    expect(numberOf('eleven', 'oceans', true)).toBe('11');
    expect(numberOf('thirty', undefined, false)).toBe('30');
    expect(numberOf('fifth', 'the', false)).toBe('5th');
    expect(numberOf('thirteenth', 'the', true)).toBe('13th');
    expect(numberOf('twelfth', undefined, false)).toBe('12th');
  });

  it('reads Roman numerals of two or more letters anywhere', () => {
    expect(numberOf('ii', 'superman', true)).toBe('2');
    expect(numberOf('iv', 'episode', false)).toBe('4');
    expect(numberOf('ix', undefined, false)).toBe('9');
    expect(numberOf('xiii', undefined, false)).toBe('13');
    expect(numberOf('xxxix', undefined, false)).toBe('39');
  });

  it('reads a lone i, v or x only at the end of a name of two words or more, or after a sequel word', () => {
    expect(numberOf('v', 'rocky', true)).toBe('5');
    expect(numberOf('x', 'malcolm', true)).toBe('10');
    expect(numberOf('i', 'part', false)).toBe('1');
    expect(numberOf('i', 'episode', false)).toBe('1');
    expect(numberOf('i', undefined, false)).toBeNull(); // "I, Robot"
    expect(numberOf('v', undefined, false)).toBeNull(); // "V for Vendetta"
    expect(numberOf('x', undefined, false)).toBeNull(); // "X-Men"
    expect(numberOf('x', undefined, true)).toBeNull(); // the query "x"
  });

  it('leaves words that only look like numerals alone', () => {
    expect(numberOf('mix', undefined, true)).toBeNull();
    expect(numberOf('civil', undefined, true)).toBeNull();
    expect(numberOf('iiii', undefined, true)).toBeNull();
    expect(numberOf('matrix', 'the', true)).toBeNull();
  });
});

describe('splitLettersFromDigits', () => {
  it('splits letters from digits inside a word', () => {
    expect(splitLettersFromDigits('ep4')).toEqual(['ep', '4']);
    expect(splitLettersFromDigits('u571')).toEqual(['u', '571']);
    expect(splitLettersFromDigits('jungle2jungle')).toEqual(['jungle', '2', 'jungle']);
  });

  it('keeps ordinals, plain words and plain numbers whole', () => {
    expect(splitLettersFromDigits('13th')).toEqual(['13th']);
    expect(splitLettersFromDigits('2nd')).toEqual(['2nd']);
    expect(splitLettersFromDigits('rocky')).toEqual(['rocky']);
    expect(splitLettersFromDigits('1999')).toEqual(['1999']);
  });
});

describe('canonicalWords', () => {
  it('folds short word forms to one spelling', () => {
    expect(canonical('star wars ep 4')).toBe('star wars episode 4');
    expect(canonical('kill bill vol 1')).toBe('kill bill volume 1');
    expect(canonical('back to the future pt 2')).toBe('back to the future part 2');
    expect(canonical('john wick ch 2')).toBe('john wick chapter 2');
    expect(canonical('dr strangelove')).toBe('doctor strangelove');
    expect(canonical('scott pilgrim versus the world')).toBe(canonical('scott pilgrim vs the world'));
  });

  it('gives the same form for every way of writing a sequel number', () => {
    const forms = ['rocky 4', 'rocky iv', 'rocky four'].map(canonical);
    expect(new Set(forms)).toEqual(new Set(['rocky 4']));
    expect(canonical('ep4')).toBe('episode 4');
    expect(canonical('star wars episode i')).toBe('star wars episode 1');
  });
});

describe('expandSeriesAbbreviation', () => {
  it('spells out a series abbreviation at the start of a query', () => {
    expect(expandSeriesAbbreviation(['lotr', 'two', 'towers'])).toEqual(['lord', 'of', 'the', 'rings', 'two', 'towers']);
    expect(expandSeriesAbbreviation(['hp', 'goblet'])).toEqual(['harry', 'potter', 'goblet']);
    expect(expandSeriesAbbreviation(['bttf'])).toEqual(['back', 'to', 'the', 'future']);
  });

  it('spells out an abbreviation with a number stuck to it', () => {
    expect(expandSeriesAbbreviation(['mi2'])).toEqual(['mission', 'impossible', '2']);
    expect(expandSeriesAbbreviation(['ff7', 'advent'])).toEqual(['final', 'fantasy', '7', 'advent']);
    expect(expandSeriesAbbreviation(['t2'])).toEqual(['terminator', '2']);
  });

  it('leaves other words, and abbreviations later in the query, alone', () => {
    expect(expandSeriesAbbreviation(['godfather'])).toBeNull();
    expect(expandSeriesAbbreviation(['todo', 'sobre', 'mi', 'madre'])).toBeNull();
    expect(expandSeriesAbbreviation([])).toBeNull();
  });
});
