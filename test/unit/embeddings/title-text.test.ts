import { describe, expect, it } from 'vitest';
import { textHash, titleText } from '../../../src/embeddings/title-text.ts';

describe('titleText', () => {
  it('joins name, year, genres, tags and overview', () => {
    const text = titleText({
      name: 'Toy Story',
      year: 1995,
      genres: ['Animation', 'Children'],
      tags: ['pixar', 'fun'],
      overview: 'A cowboy doll is  threatened\nby a new spaceman toy.',
    });
    expect(text).toBe('Toy Story (1995). Genres: Animation, Children. Tags: pixar, fun. A cowboy doll is threatened by a new spaceman toy.');
  });

  it('leaves out missing parts and MovieLens "(no genres listed)"', () => {
    expect(titleText({ name: 'Untitled', year: null, genres: ['(no genres listed)'], tags: [], overview: null })).toBe('Untitled.');
    expect(titleText({ name: 'Heat' })).toBe('Heat.');
  });

  it('keeps only the first distinct tags, case-insensitively', () => {
    const tags = ['Pixar', 'pixar', 'fun', ' funny ', 'toys', 'cgi'];
    expect(titleText({ name: 'X', tags }, { maxTags: 3 })).toBe('X. Tags: Pixar, fun, funny.');
    expect(titleText({ name: 'X', tags }, { maxTags: 0 })).toBe('X.');
  });

  it('moves a trailing article to the front and does not repeat a year already in the name', () => {
    expect(titleText({ name: 'Godfather, The', year: 1972 })).toBe('The Godfather (1972).');
    expect(titleText({ name: 'Heat (1995)', year: 1995 })).toBe('Heat (1995).');
  });

  it('rejects a negative tag count with a clear message', () => {
    expect(() => titleText({ name: 'X' }, { maxTags: -1 })).toThrow(/maxTags must be a whole number of 0 or more; got -1/);
  });
});

describe('textHash', () => {
  it('is the sha256 hex of the UTF-8 text', () => {
    expect(textHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(textHash('Amélie (2001).')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when the text changes', () => {
    expect(textHash('Heat (1995).')).not.toBe(textHash('Heat (1995). Tags: heist.'));
  });
});
