import { describe, expect, it } from 'vitest';
import { queryForms } from '../../../src/catalog/query.ts';
import { MAX_QUERY_LENGTH, parseSearchQuery, SearchQueryError } from '../../../src/catalog/search.ts';

const now = new Date('2025-06-01T00:00:00Z');

describe('parseSearchQuery', () => {
  it('normalises like stored names', () => {
    expect(parseSearchQuery('  Godfather, The ', now)).toEqual({ text: 'the godfather', textWithoutYear: null, year: null });
    expect(parseSearchQuery('AMÉLIE', now).text).toBe('amelie');
  });

  it('splits off a trailing year, with or without parentheses', () => {
    expect(parseSearchQuery('matrix 1999', now)).toEqual({ text: 'matrix 1999', textWithoutYear: 'matrix', year: 1999 });
    expect(parseSearchQuery('The Matrix (1999)', now)).toEqual({ text: 'the matrix 1999', textWithoutYear: 'the matrix', year: 1999 });
  });

  it('does not read a lone number or an implausible year as a year', () => {
    expect(parseSearchQuery('2001', now).year).toBeNull();
    expect(parseSearchQuery('blade runner 2049', now).year).toBeNull();
    expect(parseSearchQuery('fahrenheit 1000', now).year).toBeNull();
  });

  it('rejects empty, whitespace-only and punctuation-only queries with a SearchQueryError', () => {
    expect(() => parseSearchQuery('', now)).toThrow(SearchQueryError);
    expect(() => parseSearchQuery(' \t\n ', now)).toThrow(/empty/);
    expect(() => parseSearchQuery("'; -- % _ \\", now)).toThrow(/no letters or digits/);
  });

  it('rejects a query over the maximum length, naming the limit', () => {
    expect(() => parseSearchQuery('a'.repeat(MAX_QUERY_LENGTH + 1), now)).toThrow(new RegExp(`most allowed is ${MAX_QUERY_LENGTH}`));
    expect(parseSearchQuery('a'.repeat(MAX_QUERY_LENGTH), now).text).toHaveLength(MAX_QUERY_LENGTH);
  });
});

describe('queryForms', () => {
  const texts = (query: string) => queryForms(query, now).map((f) => f.text);

  it('reads a query as written and in canonical form', () => {
    expect(texts('Rocky IV')).toEqual(['rocky iv', 'rocky 4']);
    expect(texts('godfather')).toEqual(['godfather']);
  });

  it('adds the spelled-out series abbreviation, marked as naming a series', () => {
    const forms = queryForms('lotr two towers', now);
    expect(forms.map((f) => [f.text, f.series])).toEqual([
      ['lotr two towers', false],
      ['lotr 2 towers', false],
      ['lord of the rings 2 towers', true],
    ]);
  });

  it('reads the rest of a query with a trailing year once more, for titles of that year only', () => {
    expect(queryForms('the thing 1982', now).map((f) => [f.text, f.year])).toEqual([
      ['the thing 1982', null],
      ['the thing', 1982],
    ]);
  });

  it('sizes forms by their letters and digits without a leading article', () => {
    expect(queryForms('up', now)[0]!.size).toBe('short');
    expect(queryForms('the up', now)[0]!.size).toBe('short');
    expect(queryForms('jaws', now)[0]!.size).toBe('brief');
    expect(queryForms('x men', now)[0]!.size).toBe('brief');
    expect(queryForms('godfather', now)[0]!.size).toBe('full');
  });

  it('probes the trigram index without a leading article and with at most 30 characters, cut at a word', () => {
    expect(queryForms('the dark knight', now)[0]!.probe).toBe('dark knight');
    const long = queryForms('indiana jones and the raiders of the lost ark', now)[0]!;
    expect(long.probe).toBe('indiana jones and the raiders');
    expect(long.text).toBe('indiana jones and the raiders of the lost ark');
  });

  it('quotes every word for to_tsquery and lets the last one of three letters or more match as a prefix', () => {
    expect(queryForms('dark knight ris', now)[0]!.words).toBe("'dark' & 'knight' & 'ris':*");
    expect(queryForms('star wars 5', now)[0]!.words).toBe("'star' & 'wars' & '5'");
  });

  it('keeps the numbers of a query of several words apart, so a sequel number counts despite a typo', () => {
    expect(queryForms('termnator 2', now)[0]!.numbers).toBe("'2'");
    expect(queryForms('300', now)[0]!.numbers).toBeNull();
    expect(queryForms('godfather', now)[0]!.numbers).toBeNull();
  });

  it('compares at most 80 characters of a long query', () => {
    const forms = queryForms('godfather '.repeat(19).trim(), now);
    expect(forms[0]!.text.length).toBeLessThanOrEqual(80);
    expect(forms[0]!.text.endsWith('godfather')).toBe(true);
  });

  it('throws like parseSearchQuery', () => {
    expect(() => queryForms('🎬🍿', now)).toThrow(/no letters or digits/);
    expect(() => queryForms('x'.repeat(1000), now)).toThrow(/1000 characters long/);
  });
});
