import { describe, expect, it } from 'vitest';
import { stratifiedSplit, temporalSplit } from '../../../src/eval/split.ts';
import type { Rating } from '../../../src/model/types.ts';

function ratingsFor(users: number, perUser: (u: number) => number): Rating[] {
  const out: Rating[] = [];
  for (let u = 1; u <= users; u++) {
    for (let t = 0; t < perUser(u); t++) out.push({ userId: u, titleId: 100 + ((t * 7 + u) % 97), value: 1 + (t % 5) * 0.5 + 0.5, ratedAt: (u * 1000 + t) * 1000 });
  }
  // Titles may repeat for a user in this generator; keep one rating per (user, title).
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(`${r.userId}:${r.titleId}`) && seen.add(`${r.userId}:${r.titleId}`) !== undefined);
}

const key = (r: Rating) => `${r.userId}:${r.titleId}`;

describe('stratifiedSplit', () => {
  const ratings = ratingsFor(30, (u) => (u === 1 ? 3 : 8 + u));

  it('holds out round(25%) of each user, keeps users under minRatings in train, and loses nothing', () => {
    const { train, test } = stratifiedSplit(ratings, { seed: 1 });
    expect(train.length + test.length).toBe(ratings.length);
    expect(new Set([...train, ...test].map(key)).size).toBe(ratings.length);
    expect(test.filter((r) => r.userId === 1)).toHaveLength(0);
    for (let u = 2; u <= 30; u++) {
      const total = ratings.filter((r) => r.userId === u).length;
      expect(test.filter((r) => r.userId === u)).toHaveLength(Math.round(total * 0.25));
    }
  });

  it('has no leakage: no (user, title) pair is in both parts', () => {
    const { train, test } = stratifiedSplit(ratings, { seed: 3 });
    const trainKeys = new Set(train.map(key));
    expect(test.some((r) => trainKeys.has(key(r)))).toBe(false);
  });

  it('is deterministic for a seed, independent of input order, and differs between seeds', () => {
    const a = stratifiedSplit(ratings, { seed: 42 }).test.map(key).sort();
    const b = stratifiedSplit([...ratings].reverse(), { seed: 42 }).test.map(key).sort();
    const c = stratifiedSplit(ratings, { seed: 43 }).test.map(key).sort();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('temporalSplit', () => {
  it("puts each user's latest 25% in test", () => {
    const ratings = ratingsFor(10, () => 12);
    const { train, test } = temporalSplit(ratings);
    for (let u = 1; u <= 10; u++) {
      const latestTrain = Math.max(...train.filter((r) => r.userId === u).map((r) => r.ratedAt));
      const userTest = test.filter((r) => r.userId === u);
      expect(userTest).toHaveLength(3);
      expect(Math.min(...userTest.map((r) => r.ratedAt))).toBeGreaterThan(latestTrain);
    }
  });
});
