import { describe, expect, it } from 'vitest';
import { DAY_MS, measure, onlineReport, percentile, ratingInWindow, reportFrom, selfInformation, type ShownSuggestion } from '../../../src/online/measures.ts';

const T0 = new Date('2026-11-01T10:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY_MS);

function shown(over: Partial<ShownSuggestion> = {}): ShownSuggestion {
  return { userId: 1, titleId: 1, position: 0, modelVersion: 7, shownAt: T0, latencyMs: null, reacted: false, rating: null, hiddenAt: null, titleRatingCount: 10, ...over };
}
const rated = (value: number, days: number, createdDays = days) => ({ value, createdAt: at(createdDays), updatedAt: at(days) });
const data = (rows: ShownSuggestion[]) => ({ shown: rows, catalogueTitles: 100, ratingUsers: 80 });

describe('ratingInWindow', () => {
  it('counts a rating made or changed within 7 days after the suggestion was shown, not before or later', () => {
    expect(ratingInWindow(shown({ rating: rated(4.5, 0.1) }))).toBe(4.5);
    expect(ratingInWindow(shown({ rating: rated(3, 7) }))).toBe(3);
    expect(ratingInWindow(shown({ rating: rated(5, 7.01) }))).toBeUndefined();
    expect(ratingInWindow(shown({ rating: rated(5, -1) }))).toBeUndefined();
    // First rated on day 2, changed on day 20: it was rated within the window (its value now is what is kept).
    expect(ratingInWindow(shown({ rating: rated(2, 20, 2) }))).toBe(2);
    expect(ratingInWindow(shown())).toBeUndefined();
  });
});

describe('measure', () => {
  it('acceptance, mean rating, hide, reaction, coverage, novelty and latency of constructed rows', () => {
    const rows = [
      shown({ titleId: 1, position: 0, latencyMs: 40, reacted: true, rating: rated(5, 1) }),
      shown({ titleId: 2, position: 1, latencyMs: 40, reacted: true, rating: rated(2, 1) }),
      shown({ titleId: 3, position: 2, latencyMs: 40, hiddenAt: at(3), titleRatingCount: 80 }),
      shown({ titleId: 1, position: 0, latencyMs: 10, userId: 2, rating: rated(4, 9) }),
      shown({ titleId: 4, position: 0, latencyMs: 200, userId: 3, reacted: true, rating: rated(4, 6), titleRatingCount: 0 }),
    ];
    const row = measure(rows, { catalogueTitles: 100, ratingUsers: 80 }, 7);
    expect(row).toMatchObject({ modelVersion: 7, shown: 5, rated: 3, accepted: 2 });
    expect(row.acceptance).toBeCloseTo(2 / 5);
    expect(row.meanRating).toBeCloseTo((5 + 2 + 4) / 3);
    expect(row.hideRate).toBeCloseTo(1 / 5);
    expect(row.reactionRate).toBeCloseTo(3 / 5);
    expect(row.coverage).toBeCloseTo(4 / 100);
    const bits = (3 * Math.log2(80 / 10) + 0 + Math.log2(80)) / 5;
    expect(row.novelty).toBeCloseTo(bits);
    // One latency per batch (its first suggestion): 10, 40, 200.
    expect(row.latencyP50Ms).toBe(40);
    expect(row.latencyP95Ms).toBe(200);
  });

  it('nulls, not zeros or NaN, when there is nothing to divide by', () => {
    const row = measure([], { catalogueTitles: 0, ratingUsers: 0 }, null);
    expect(row).toEqual({
      modelVersion: null,
      shown: 0,
      rated: 0,
      accepted: 0,
      acceptance: null,
      meanRating: null,
      hideRate: null,
      reactionRate: null,
      coverage: null,
      novelty: null,
      latencyP50Ms: null,
      latencyP95Ms: null,
    });
  });
});

describe('percentile and selfInformation', () => {
  it('nearest rank', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });
  it('bits of the share of users who rated the title, clipped to [1 user, all users]', () => {
    expect(selfInformation(50, 100)).toBeCloseTo(1);
    expect(selfInformation(100, 100)).toBe(0);
    expect(selfInformation(0, 8)).toBeCloseTo(3);
    expect(selfInformation(200, 100)).toBe(0);
  });
});

describe('onlineReport', () => {
  it('one row per version and per (UTC day, version), in order, only inside [since, until)', () => {
    const rows = [
      shown({ modelVersion: 2, shownAt: at(0), rating: rated(5, 1) }),
      shown({ modelVersion: 1, shownAt: at(0) }),
      shown({ modelVersion: 2, shownAt: at(1) }),
      shown({ modelVersion: null, shownAt: at(1), rating: rated(4, 2) }),
      shown({ modelVersion: 2, shownAt: at(5) }),
    ];
    const report = onlineReport(data(rows), { since: at(-0.1), until: at(2) }, at(3));
    expect(report.byVersion.map((r) => [r.modelVersion, r.shown, r.accepted])).toEqual([
      [null, 1, 1],
      [1, 1, 0],
      [2, 2, 1],
    ]);
    expect(report.byDay.map((r) => [r.day, r.modelVersion, r.shown])).toEqual([
      ['2026-11-01', 1, 1],
      ['2026-11-01', 2, 1],
      ['2026-11-02', null, 1],
      ['2026-11-02', 2, 1],
    ]);
    expect(report).toMatchObject({ since: at(-0.1).toISOString(), until: at(2).toISOString(), generatedAt: at(3).toISOString() });
  });

  it('refuses a range that ends before it starts', async () => {
    await expect(reportFrom(async () => data([]), { since: at(2), until: at(1) })).rejects.toThrow(/since .* must be before until/);
  });
});
