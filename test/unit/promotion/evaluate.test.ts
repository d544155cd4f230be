import { describe, expect, it } from 'vitest';
import { groupByUser, modelRecommender } from '../../../src/eval/protocol.ts';
import { ndcgAt } from '../../../src/eval/metrics.ts';
import { hashHoldoutSplit } from '../../../src/eval/split.ts';
import { seededRandom } from '../../../src/lib/random.ts';
import { EmbeddingModel } from '../../../src/model/embedding-model.ts';
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

/** A model with random weights over `titles` titles and random ratings of `users` users (each 5 to 40 titles). */
function randomCase(seed: number, users: number, titles: number) {
  const random = seededRandom(seed);
  const hidden = 12;
  const titleIds = Array.from({ length: titles }, (_, i) => 100 + i * 3);
  const values = (length: number) => Float32Array.from({ length }, () => random() * 2 - 1);
  const model = new EmbeddingModel({
    backend: 'test-random',
    hidden,
    titleIds,
    titleVectors: values(titles * (hidden + 1)),
    encoderRows: values(titles * hidden),
    encoderBias: values(hidden),
    weighting: { weighting: 'binary' },
    encoding: 'linear',
    training: {},
  });
  const ratings: Rating[] = [];
  for (let u = 1; u <= users; u++) {
    const picked = new Set<number>();
    const count = 5 + Math.floor(random() * 36);
    while (picked.size < count) picked.add(titleIds[Math.floor(random() * titles)]!);
    // A few ratings of a title the model does not know: never ranked, a miss when held out.
    if (u % 7 === 0) picked.add(5);
    for (const titleId of picked) ratings.push({ userId: u * 11, titleId, value: 4, ratedAt: u });
  }
  return { model, ...hashHoldoutSplit(ratings, { fraction: 0.3, seed }) };
}

/** What validationNdcg computed before the batched path: one user at a time, every title scored in float64, the first users by id. */
function perUserNdcg(model: EmbeddingModel, train: readonly Rating[], heldOut: readonly Rating[], k: number, ignore: readonly Rating[] = []): { ndcg: number; users: number } {
  const recommender = modelRecommender(model);
  const trainByUser = groupByUser(train);
  const testByUser = groupByUser(heldOut);
  const ignoreByUser = groupByUser(ignore);
  const users = [...testByUser.keys()].filter((u) => trainByUser.has(u));
  let total = 0;
  for (const userId of users) {
    const ignored = new Set((ignoreByUser.get(userId) ?? []).map((r) => r.titleId));
    const ranked = recommender
      .recommend(trainByUser.get(userId)!, k + ignored.size)
      .filter((t) => !ignored.has(t))
      .slice(0, k);
    total += ndcgAt(ranked, new Set(testByUser.get(userId)!.map((r) => r.titleId)), k);
  }
  return { ndcg: total / users.length, users: users.length };
}

describe('validationNdcg in batches', () => {
  it('gives the figure of the per-user path, for any batch size and with ignored titles', async () => {
    for (const seed of [1, 2, 3]) {
      const { model, train, test } = randomCase(seed, 150, 400);
      const ignore = test.filter((_, i) => i % 4 === 0);
      const compared = test.filter((_, i) => i % 4 !== 0);
      const reference = perUserNdcg(model, train, test, 10);
      const referenceIgnoring = perUserNdcg(model, train, compared, 10, ignore);
      expect(reference.ndcg).toBeGreaterThan(0);
      for (const batchUsers of [1, 7, 64, 1000]) {
        expect(await validationNdcg(model, train, test, { k: 10, batchUsers })).toEqual({ ndcg: reference.ndcg, users: reference.users, k: 10 });
        expect(await validationNdcg(model, train, compared, { k: 10, batchUsers, ignore })).toEqual({ ndcg: referenceIgnoring.ndcg, users: referenceIgnoring.users, k: 10 });
      }
    }
  });

  it('samples users by a seeded hash of their id when capped, not the lowest ids', async () => {
    const { model, train, test } = randomCase(4, 300, 200);
    const all = perUserNdcg(model, train, test, 10);
    const capped = await validationNdcg(model, train, test, { k: 10, maxUsers: 50 });
    const again = await validationNdcg(model, train, test, { k: 10, maxUsers: 50, batchUsers: 9 });
    const otherSeed = await validationNdcg(model, train, test, { k: 10, maxUsers: 50, sampleSeed: 7 });
    expect(capped.users).toBe(50);
    expect(again).toEqual(capped);
    expect(otherSeed.ndcg).not.toBe(capped.ndcg);
    // The 50 lowest ids (users 11 .. 550) would give the per-user path's figure on them.
    const lowest = new Set([...new Set(test.map((r) => r.userId))].sort((a, b) => a - b).slice(0, 50));
    const firstIds = perUserNdcg(
      model,
      train.filter((r) => lowest.has(r.userId)),
      test.filter((r) => lowest.has(r.userId)),
      10,
    );
    expect(capped.ndcg).not.toBe(firstIds.ndcg);
    expect(all.users).toBeGreaterThan(50);
  });

  it('yields to the event loop between batches', async () => {
    const { model, train, test } = randomCase(5, 40, 50);
    let done = false;
    const running = validationNdcg(model, train, test, { batchUsers: 4 }).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    await running;
    expect(done).toBe(true);
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
