import { describe, expect, it } from 'vitest';
import { hashHoldoutSplit, inHashHoldout, stratifiedSplit, temporalSplit } from '../../../src/eval/split.ts';
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
    const b = stratifiedSplit([...ratings].reverse(), { seed: 42 })
      .test.map(key)
      .sort();
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

describe('hashHoldoutSplit', () => {
  const ratings = ratingsFor(200, (u) => 5 + (u % 40));
  const rule = { fraction: 0.1, seed: 42 };

  it('holds out about the fraction asked, loses nothing, and spreads over users', () => {
    const { train, test } = hashHoldoutSplit(ratings, rule);
    expect(train.length + test.length).toBe(ratings.length);
    expect(new Set([...train, ...test].map(key)).size).toBe(ratings.length);
    expect(test.length / ratings.length).toBeGreaterThan(0.08);
    expect(test.length / ratings.length).toBeLessThan(0.12);
    expect(new Set(test.map((r) => r.userId)).size).toBeGreaterThan(100);
  });

  it('keeps every pair where it was when other ratings come and go (unlike the stratified split)', () => {
    const before = new Set(hashHoldoutSplit(ratings, rule).test.map(key));
    const user = ratings.filter((r) => r.userId === 7);
    const changed = [...ratings.filter((r) => r.userId !== 7 || r.titleId !== user[0]!.titleId), { userId: 7, titleId: 5000, value: 4, ratedAt: 1 }].reverse();
    const after = new Set(hashHoldoutSplit(changed, rule).test.map(key));
    for (const r of changed) if (r.titleId !== 5000) expect(after.has(key(r))).toBe(before.has(key(r)));
    // The stratified split of the same change moves some of user 7's other ratings between train and test.
    const strat = (list: Rating[]) =>
      new Set(
        stratifiedSplit(list, { testFraction: 0.1, seed: 42 })
          .test.filter((r) => r.userId === 7)
          .map(key),
      );
    const moved = user.slice(1).filter((r) => strat(ratings).has(key(r)) !== strat(changed).has(key(r)));
    expect(moved.length).toBeGreaterThan(0);
  });

  it('depends on the seed, and a larger fraction holds out a superset', () => {
    const small = hashHoldoutSplit(ratings, rule).test.map(key);
    const large = new Set(hashHoldoutSplit(ratings, { fraction: 0.2, seed: 42 }).test.map(key));
    expect(small.every((k) => large.has(k))).toBe(true);
    const other = new Set(hashHoldoutSplit(ratings, { fraction: 0.1, seed: 43 }).test.map(key));
    expect(small.filter((k) => other.has(k)).length).toBeLessThan(small.length / 3);
    expect(inHashHoldout(1, 2, { fraction: 0, seed: 1 })).toBe(false);
    expect(inHashHoldout(1, 2, { fraction: 1, seed: 1 })).toBe(true);
  });
});
