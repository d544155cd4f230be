import { describe, expect, it } from 'vitest';
import { RatingLines } from '../../../src/ratings/training-ratings.ts';

describe('RatingLines (the retrain reading ratings from COPY)', () => {
  it('reads every line into columns whatever the chunk boundaries, numbers exactly as Number() reads them', () => {
    const rows = [
      [1, 10, '4.5', '1733600000123'],
      [22, 3, '0.5', '1733600000123.5'],
      [333, 44, '5', '-12.25'],
      [4, 5, '3.7', '1.5e+15'],
    ] as const;
    const text = Buffer.from(rows.map((r) => r.join('\t') + '\n').join(''));
    for (const size of [1, 2, 7, text.length]) {
      const parser = new RatingLines(2);
      for (let at = 0; at < text.length; at += size) parser.push(text.subarray(at, at + size));
      const columns = parser.end();
      expect(columns.length).toBe(rows.length);
      expect([...columns.userIds]).toEqual(rows.map((r) => r[0]));
      expect([...columns.titleIds]).toEqual(rows.map((r) => r[1]));
      expect([...columns.values]).toEqual(rows.map((r) => Number(r[2])));
      expect([...columns.ratedAt]).toEqual(rows.map((r) => Number(r[3])));
    }
  });

  it('refuses a line that is not four numbers', () => {
    const parser = new RatingLines();
    expect(() => parser.push(Buffer.from('1\t2\t3\n'))).toThrow(/Unexpected rating row/);
  });
});
