import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readMoviesCsv, readRatingsCsv } from '../../../src/eval/movielens.ts';
import { evaluate } from '../../../src/eval/protocol.ts';
import { stratifiedSplit } from '../../../src/eval/split.ts';
import { genreVectors } from '../../../src/eval/title-features.ts';
import { trainModel } from '../../../src/model/train.ts';

/** The real ml-latest-small (100,836 ratings), read from ../shared beside the checkout. */
const movielens = inject('movielensDir');

// The quality floor: a change that makes the default model worse on real data fails CI. Deterministic (seeded
// split, seeded training, exact scoring; no timing). Seed 9 is neither a tuning nor a reported seed of the benches.
describe('quality floor of the default model on ml-latest-small', () => {
  it('reaches nDCG@10 >= 0.39 on a stratified 75/25 split and beats item-kNN by at least 10 %', { timeout: 600_000 }, async () => {
    const ratings = await readRatingsCsv(join(movielens, 'ratings.csv'));
    const movies = await readMoviesCsv(join(movielens, 'movies.csv'));
    const split = stratifiedSplit(ratings, { seed: 9 });
    const report = await evaluate({
      train: split.train,
      test: split.test,
      titleIds: movies.map((m) => m.movieId).sort((a, b) => a - b),
      titleText: genreVectors(movies),
      k: 10,
      trainOptions: { seed: 9 },
      trainer: trainModel,
    });
    const ndcg = (prefix: string) => report.results.find((r) => r.name.startsWith(prefix))!.metrics.ndcg;
    expect(report.results[0]!.metrics.users).toBe(610);
    expect(ndcg('neural')).toBeGreaterThanOrEqual(0.39);
    expect(ndcg('neural')).toBeGreaterThanOrEqual(1.1 * ndcg('item-kNN'));
  });
});
