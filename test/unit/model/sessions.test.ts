import { describe, expect, it } from 'vitest';
import { sessionRows, type SessionOptions } from '../../../src/model/sessions.ts';
import type { Rating } from '../../../src/model/types.ts';

const MIN = 60_000;
const rowOf = new Map([10, 20, 30, 40, 50].map((id, row) => [id, row]));
const options: SessionOptions = { weighting: 'binary', sessionGapMinutes: 15, sessionWeight: 4 };
const rate = (userId: number, titleId: number, minute: number, value = 4): Rating => ({ userId, titleId, value, ratedAt: minute * MIN });
const plain = (rows: ReturnType<typeof sessionRows>) => rows.map((r) => ({ rows: [...r.rows], weights: [...r.weights] }));

describe('sessionRows', () => {
  it('cuts a history where the pause between neighbouring ratings exceeds the gap, weighting rows by sqrt(weight)', () => {
    // 0, 10, 25 min: each pause is at most 15 min, one session; 41 min starts another (16 min pause).
    const rows = sessionRows([rate(1, 30, 25), rate(1, 10, 0), rate(1, 20, 10), rate(1, 40, 41)], rowOf, options);
    expect(plain(rows)).toEqual([
      { rows: [0, 1, 2], weights: [2, 2, 2] },
      { rows: [3], weights: [2] },
    ]);
  });

  it('keeps users apart, in id order, whatever the input order', () => {
    const ratings = [rate(2, 10, 0), rate(1, 20, 0), rate(2, 30, 1), rate(1, 40, 100)];
    const forward = plain(sessionRows(ratings, rowOf, options));
    expect(forward.map((r) => r.rows)).toEqual([[1], [3], [0, 2]]);
    expect(plain(sessionRows([...ratings].reverse(), rowOf, options))).toEqual(forward);
  });

  it('puts a title rated twice in the session of its latest rating, skips unknown titles, and follows the history weighting', () => {
    const ratings = [rate(1, 10, 0, 5), rate(1, 20, 5, 2.5), rate(1, 10, 60, 5), rate(1, 999, 61)];
    const rows = sessionRows(ratings, rowOf, { ...options, weighting: 'rating', sessionWeight: 1 });
    expect(plain(rows)).toEqual([
      { rows: [1], weights: [0.5] },
      { rows: [0], weights: [1] },
    ]);
  });

  it('returns no rows when sessions are off', () => {
    expect(sessionRows([rate(1, 10, 0), rate(1, 20, 1)], rowOf, { ...options, sessionWeight: 0 })).toEqual([]);
  });
});
