import { describe, expect, it } from 'vitest';
import { sessionRows, windowRows, type SessionOptions } from '../../../src/model/sessions.ts';
import type { Rating } from '../../../src/model/types.ts';

const MIN = 60_000;
const rowOf = new Map([10, 20, 30, 40, 50].map((id, row) => [id, row]));
const options: SessionOptions = { weighting: 'binary', sessionGapMinutes: 15, sessionWeight: 4, windowLength: 0, windowWeight: 0 };
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

describe('windowRows', () => {
  const windows = { ...options, windowLength: 4, windowWeight: 9 };
  const titles = [10, 20, 30, 40, 50];

  it('cuts each timeline into windows of windowLength ratings every half length, the last ending at the latest rating, weighted by sqrt(weight)', () => {
    // Rated in the order 50, 40, 30, 20, 10 (rows 4..0), one minute apart: windows [4,3,2,1] and [2,1,0].
    const rows = windowRows(
      titles.map((id, i) => rate(1, id, 10 - i)),
      rowOf,
      windows,
    );
    expect(plain(rows)).toEqual([
      { rows: [1, 2, 3, 4], weights: [3, 3, 3, 3] },
      { rows: [0, 1, 2], weights: [3, 3, 3] },
    ]);
  });

  it('ignores session gaps, keeps users apart in id order, and gives a short history one window', () => {
    const ratings = [rate(2, 10, 0), rate(1, 20, 0), rate(1, 30, 10_000), rate(2, 40, 1)];
    expect(plain(windowRows(ratings, rowOf, windows)).map((r) => r.rows)).toEqual([
      [1, 2],
      [0, 3],
    ]);
    expect(plain(windowRows([...ratings].reverse(), rowOf, windows))).toEqual(plain(windowRows(ratings, rowOf, windows)));
  });

  it('returns no rows when windows are off', () => {
    const ratings = titles.map((id, i) => rate(1, id, i));
    expect(windowRows(ratings, rowOf, { ...windows, windowWeight: 0 })).toEqual([]);
    expect(windowRows(ratings, rowOf, { ...windows, windowLength: 0 })).toEqual([]);
  });
});
