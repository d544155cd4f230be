import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/lib/random.ts';
import { batchesOf, replay, replayCaveat, type LoggedImpression } from '../../../src/online/replay.ts';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const slot = (userId: number, titleId: number, position: number, minutes: number, accepted = false): LoggedImpression => ({
  userId,
  titleId,
  position,
  shownAt: new Date(T0 + minutes * 60_000),
  accepted,
});

describe('batchesOf', () => {
  it('a batch per member per position 0, in time order', () => {
    const batches = batchesOf([slot(1, 12, 1, 0.01), slot(2, 20, 0, 5), slot(1, 11, 0, 0), slot(1, 13, 0, 60), slot(1, 14, 1, 60.01), slot(2, 21, 1, 5.02)]);
    expect(batches.map((b) => [b.userId, b.slots.map((s) => s.titleId)])).toEqual([
      [1, [11, 12]],
      [1, [13, 14]],
      [2, [20, 21]],
    ]);
  });
});

describe('replay', () => {
  it('counts matches at the same position, the replay acceptance over them, and ranked hits of the accepted', () => {
    const log = [slot(1, 11, 0, 0, true), slot(1, 12, 1, 0, false), slot(1, 13, 2, 0, true), slot(2, 21, 0, 10, false), slot(2, 22, 1, 10, true)];
    const asked: [number, number, number][] = [];
    const lists: Record<number, number[]> = { 1: [11, 13, 99], 2: [22, 21] };
    const result = replay(batchesOf(log), (userId, at, count) => {
      asked.push([userId, at.getTime(), count]);
      return lists[userId]!;
    });
    // The policy is asked once per batch, as of its time, for the batch's length.
    expect(asked).toEqual([
      [1, T0, 3],
      [2, T0 + 600_000, 2],
    ]);
    expect(result).toMatchObject({ batches: 2, slots: 5, matched: 1, positives: 3, positivesRanked: 3, uniformLogging: false });
    expect(result.matchRate).toBeCloseTo(1 / 5);
    expect(result.replayAcceptance).toBe(1);
    expect(result.loggedAcceptance).toBeCloseTo(3 / 5);
    expect(result.rankedHitRate).toBe(1);
  });

  it("is unbiased on uniform-random logs: the estimate recovers the evaluated policy's true acceptance", () => {
    // Five candidates with known acceptance; the logger shows one uniformly at random per event.
    const accept = [0.1, 0.2, 0.3, 0.6, 0.05];
    const random = seededRandom(5);
    const log: LoggedImpression[] = [];
    for (let i = 0; i < 40_000; i++) {
      const titleId = Math.floor(random() * accept.length);
      log.push(slot(i, titleId, 0, i, random() < accept[titleId]!));
    }
    const always3 = replay(batchesOf(log), () => [3], { uniformLogging: true });
    expect(always3.matchRate!).toBeCloseTo(1 / 5, 1);
    expect(Math.abs(always3.replayAcceptance! - 0.6)).toBeLessThan(0.02);
    // The logged acceptance is the logger's own (the mean), not the policy's.
    expect(Math.abs(always3.loggedAcceptance! - 0.25)).toBeLessThan(0.01);
    // A policy that depends on the member (odd users get title 1, even ones title 4): 0.5 * 0.2 + 0.5 * 0.05.
    const mixed = replay(batchesOf(log), (userId) => [userId % 2 ? 1 : 4], { uniformLogging: true });
    expect(Math.abs(mixed.replayAcceptance! - 0.125)).toBeLessThan(0.02);
    expect(replayCaveat(mixed)).toMatch(/unbiased estimate/);
  });

  it('on deterministic logs the estimate is only the agreement slice, and the caveat says so', () => {
    // The logger always showed title 0 (acceptance 0.1); a policy that always picks 3 never matches.
    const log = Array.from({ length: 100 }, (_, i) => slot(i, 0, 0, i, i % 10 === 0));
    const result = replay(batchesOf(log), () => [3]);
    expect(result).toMatchObject({ matched: 0, matchRate: 0, replayAcceptance: null, positives: 10, positivesRanked: 0, rankedHitRate: 0 });
    expect(replayCaveat(result)).toMatch(/NOT an unbiased estimate/);
    expect(replayCaveat(result)).toMatch(/never shown/);
  });

  it('nothing logged: nulls, not NaN', () => {
    expect(replay([], () => [])).toMatchObject({ batches: 0, slots: 0, matchRate: null, replayAcceptance: null, loggedAcceptance: null, rankedHitRate: null });
  });
});
