import { describe, expect, it } from 'vitest';
import { escapeLucene, imageUrlOrNull, textOrNull, yearOf } from '../../../src/providers/types.ts';

describe('provider field helpers', () => {
  it('keeps only http(s) image URLs of a sane length', () => {
    expect(imageUrlOrNull('https://image.tmdb.org/t/p/w500/x.jpg')).toBe('https://image.tmdb.org/t/p/w500/x.jpg');
    expect(imageUrlOrNull('javascript:alert(1)')).toBeNull();
    expect(imageUrlOrNull('/relative/poster.jpg')).toBeNull();
    expect(imageUrlOrNull(`https://x.org/${'a'.repeat(2100)}`)).toBeNull();
    expect(imageUrlOrNull(null)).toBeNull();
  });

  it('escapes Lucene syntax in free text', () => {
    expect(escapeLucene('Dune: Messiah')).toBe('Dune\\: Messiah');
    expect(escapeLucene('AC/DC (live)')).toBe('AC\\/DC \\(live\\)');
    expect(escapeLucene('ok computer')).toBe('ok computer');
  });

  it('reads years from dates and blanks as unknown', () => {
    expect([yearOf('1999-03-30'), yearOf('1999'), yearOf(''), yearOf(null)]).toEqual([1999, 1999, null, null]);
    expect([textOrNull('  '), textOrNull(' plot ')]).toEqual([null, 'plot']);
  });
});
