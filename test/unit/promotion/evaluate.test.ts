import { describe, expect, it } from 'vitest';
import type { Rating } from '../../../src/model/types.ts';
import { promotionDecision, validationNdcg } from '../../../src/promotion/evaluate.ts';

/** Titles 1-4 are "genre A" (vector [1, 0]), 5-8 "genre B" ([0, 1]); a user's vector is the sum of what they rated. */
function genreModel(confused = false) {
  const titleIds = [1, 2, 3, 4, 5, 6, 7, 8];
  const titleVectors = Float32Array.from(titleIds.flatMap((id) => (id <= 4 ? [1, 0] : [0, 1])));
  return {
    titleIds,
    titleVectors,
    dimension: 2,
    userVector(history: readonly Pick<Rating, 'titleId'>[]) {
      const v = new Float32Array(2);
      for (const r of history) {
        const row = titleIds.indexOf(r.titleId);
        v[0]! += titleVectors[row * 2]!;
        v[1]! += titleVectors[row * 2 + 1]!;
      }
      // A confused model folds a user into the other genre's direction.
      return confused ? Float32Array.from([v[1]!, v[0]!]) : v;
    },
  };
}

const rating = (userId: number, titleId: number): Rating => ({ userId, titleId, value: 5, ratedAt: 0 });

describe('validationNdcg', () => {
  const train = [rating(1, 1), rating(1, 2), rating(2, 5), rating(2, 6)];
  const heldOut = [rating(1, 3), rating(2, 7), rating(3, 4)];

  it('scores a model that ranks held-out titles first higher than one that ranks them last', async () => {
    const good = await validationNdcg(genreModel(), train, heldOut, { k: 2 });
    const bad = await validationNdcg(genreModel(true), train, heldOut, { k: 2 });
    // User 3 has no training ratings and is skipped.
    expect(good.users).toBe(2);
    // Each user's held-out title ties with one other of their genre: it is first or second (tie by row order).
    expect(good.ndcg).toBeGreaterThan(0.6);
    expect(bad.ndcg).toBe(0);
  });

  it('counts held-out titles the model does not know as misses', async () => {
    const result = await validationNdcg(genreModel(), [rating(1, 1)], [rating(1, 99)], { k: 3 });
    expect(result).toEqual({ ndcg: 0, users: 1, k: 3 });
  });

  it('drops ignored titles from the ranking instead of counting them as misses', async () => {
    // User 1 rated 1; 2 and 3 are held out, but only 3 is in this comparison: 2 must not take the first place.
    const without = await validationNdcg(genreModel(), [rating(1, 1)], [rating(1, 3)], { k: 1 });
    const ignoring = await validationNdcg(genreModel(), [rating(1, 1)], [rating(1, 3)], { k: 1, ignore: [rating(1, 2)] });
    expect(without.ndcg).toBe(0);
    expect(ignoring.ndcg).toBe(1);
  });

  it('never recommends titles the user rated in training', async () => {
    // Only title 2 is left in genre A for user 1; with k=1 it must come first, not title 1.
    const result = await validationNdcg(genreModel(), [rating(1, 1), rating(1, 3), rating(1, 4)], [rating(1, 2)], { k: 1 });
    expect(result.ndcg).toBe(1);
  });
});

describe('promotionDecision', () => {
  it('promotes when nothing is active, or when the candidate is at least as good', () => {
    expect(promotionDecision(0.1, undefined).promote).toBe(true);
    expect(promotionDecision(0.2, 0.2).promote).toBe(true);
    expect(promotionDecision(0.25, 0.2)).toEqual({ promote: true, reason: "validation nDCG@10 0.2500 is not worse than the active version's 0.2000" });
  });

  it('rejects a worse candidate with the numbers in the reason', () => {
    expect(promotionDecision(0.15, 0.2)).toEqual({ promote: false, reason: "validation nDCG@10 0.1500 is worse than the active version's 0.2000" });
    expect(promotionDecision(0.19, 0.2, 0.02).promote).toBe(true);
  });
});
