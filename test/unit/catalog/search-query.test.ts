import { describe, expect, it } from 'vitest';
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
