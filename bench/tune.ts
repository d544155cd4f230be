// Chooses the default model's hyperparameters, EASE's lambda and item-kNN's neighbourhood on validation carves of
// the TRAINING part of the tuning seeds' splits (bench/reference.ts), never on a test split, and prints each
// choice with its validation nDCG. The defaults in src/model/options.ts are what it printed.
//
//   npx tsx bench/tune.ts [--dir DIR (default: where the tests find MovieLens)] [--skip-ease]
//
// Search, scored by the mean validation nDCG@10 over the tuning seeds: l2 x d on a full coarse grid (one
// decomposition serves them all), then window weight, window length, session weight and session gap by one pass
// of coordinate search from the current defaults (each step keeps the best so far). The cold-title factor is not a choice: it is a least-squares fit on the training data itself.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { itemKnnRecommender } from '../src/eval/baselines.ts';
import { summarise } from '../src/eval/metrics.ts';
import { readMoviesCsv, readRatingsCsv } from '../src/eval/movielens.ts';
import { groupByUser, modelRecommender } from '../src/eval/protocol.ts';
import type { Split } from '../src/eval/split.ts';
import { genreVectors } from '../src/eval/title-features.ts';
import { withContentTerm } from '../src/model/content-term.ts';
import { EmbeddingModel } from '../src/model/embedding-model.ts';
import { defaultTrainOptions, type TrainOptions } from '../src/model/options.ts';
import { trainSpectralModels } from '../src/model/spectral.ts';
import type { Rating, RatingsDataset } from '../src/model/types.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';
import { easeLists, TUNING_SEEDS, validationCarve } from './reference.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    'skip-ease': { type: 'boolean', default: false },
    // Only l2 x d x content weight at the current session and window defaults (one decomposition per seed).
    'content-only': { type: 'boolean', default: false },
  },
});
const K = 10;
const started = performance.now();
values.dir ??= await movieLensOrStop();
const ratings = await readRatingsCsv(join(values.dir, 'ratings.csv'));
const movies = await readMoviesCsv(join(values.dir, 'movies.csv'));
const titleIds = movies.map((m) => m.movieId).sort((a, b) => a - b);
const titleText = genreVectors(movies);
const rowOf = new Map(titleIds.map((id, row) => [id, row]));
const carves = new Map(TUNING_SEEDS.map((seed) => [seed, validationCarve(ratings, seed)]));

function relevantOf(split: Split): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const [user, list] of groupByUser(split.test)) out.set(user, new Set(list.map((r) => r.titleId)));
  return out;
}
const score = (lists: ReadonlyMap<number, readonly number[]>, split: Split) => summarise(lists, relevantOf(split), K, titleIds.length).ndcg;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function listsOf(recommend: (history: readonly Rating[]) => number[], train: readonly Rating[]): Map<number, number[]> {
  const lists = new Map<number, number[]>();
  for (const [user, history] of groupByUser(train)) lists.set(user, recommend(history));
  return lists;
}

/** l2 and d are searched on a full grid: one decomposition at the largest d serves every pair (trainSpectralModels). */
const L2 = [0.08, 0.12, 0.16];
const DIMENSIONS = [384, 512];
/** The content term's weight is searched with l2 and d: it is added to each decomposition's models afterwards. */
const CONTENT_WEIGHTS = [0, 0.2, 0.35, 0.5];
/** Session and window settings are searched one at a time from the current defaults (each needs its own decomposition). */
const SESSION_GRID: { [P in keyof Sessions]: number[] } = {
  windowWeight: [0, 1, 2],
  windowLength: [5, 10, 20],
  sessionWeight: [1, 2, 4],
  sessionGapMinutes: [5, 15],
};
type Sessions = Pick<TrainOptions, 'windowWeight' | 'windowLength' | 'sessionWeight' | 'sessionGapMinutes'>;
type Variant = { l2: number; dimension: number; contentWeight: number };
const cache = new Map<string, { best: Variant; ndcg: number }>();

/** Validation nDCG of every (l2, d) under one session setting, mean over the tuning seeds; the best pair. */
async function validate(sessions: Sessions): Promise<{ best: Variant; ndcg: number }> {
  const key = JSON.stringify(sessions);
  const known = cache.get(key);
  if (known) return known;
  const t = performance.now();
  const pairs = L2.flatMap((l2) => DIMENSIONS.map((dimension) => ({ l2, dimension })));
  const variants = pairs.flatMap((pair) => CONTENT_WEIGHTS.map((contentWeight) => ({ ...pair, contentWeight })));
  const perVariant = variants.map(() => [] as number[]);
  for (const [seed, carve] of carves) {
    const dataset = { ratings: carve.train, titleIds, titleText };
    const models = await trainSpectralModels(dataset, { ...sessions, seed, contentWeight: 0 }, pairs);
    const warm = [...new Set(carve.train.map((r) => rowOf.get(r.titleId)!))].sort((a, b) => a - b);
    variants.forEach((variant, i) => {
      const recommender = modelRecommender(withContent(models[pairs.findIndex((p) => p.l2 === variant.l2 && p.dimension === variant.dimension)]!, dataset, warm, variant.contentWeight));
      perVariant[i]!.push(
        score(
          listsOf((h) => recommender.recommend(h, K), carve.train),
          carve,
        ),
      );
    });
  }
  let result = { best: variants[0]!, ndcg: -1 };
  variants.forEach((variant, i) => {
    const ndcg = mean(perVariant[i]!);
    console.log(`  ${key} ${JSON.stringify(variant)}: validation nDCG@${K} ${ndcg.toFixed(4)} [${perVariant[i]!.map((v) => v.toFixed(4)).join(' ')}]`);
    if (ndcg > result.ndcg) result = { best: variant, ndcg };
  });
  console.log(`  ${key}: best ${JSON.stringify(result.best)} ${result.ndcg.toFixed(4)} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  cache.set(key, result);
  return result;
}

/** A trained model with the content term added at `contentWeight` (src/model/content-term.ts). */
function withContent(model: EmbeddingModel, dataset: RatingsDataset, warm: readonly number[], contentWeight: number): EmbeddingModel {
  const { weights } = model;
  const parts = withContentTerm({ titleVectors: weights.titleVectors, encoderRows: weights.encoderRows, d: weights.hidden }, dataset, warm, contentWeight);
  return new EmbeddingModel({ ...weights, ...parts, encoderBias: new Float32Array(parts.hidden) });
}

async function tuneModel(): Promise<{ chosen: Partial<TrainOptions>; ndcg: number }> {
  const { windowWeight, windowLength, sessionWeight, sessionGapMinutes } = defaultTrainOptions;
  const sessions: Sessions = { windowWeight, windowLength, sessionWeight, sessionGapMinutes };
  let best = await validate(sessions);
  if (values['content-only']) return { chosen: { ...sessions, ...best.best }, ndcg: best.ndcg };
  for (const [name, candidates] of Object.entries(SESSION_GRID) as [keyof Sessions, number[]][]) {
    for (const value of candidates) {
      const trial = { ...sessions, [name]: value };
      const result = await validate(trial);
      if (result.ndcg > best.ndcg) {
        best = result;
        sessions[name] = value;
      }
    }
    console.log(`model ${name} = ${sessions[name]} (validation nDCG@${K} ${best.ndcg.toFixed(4)})`);
  }
  return { chosen: { ...sessions, ...best.best }, ndcg: best.ndcg };
}

async function tuneEase(): Promise<{ lambda: number; ndcg: number }> {
  const lambdas = [100, 200, 400, 800];
  const perLambda = new Map(lambdas.map((l) => [l, [] as number[]]));
  for (const carve of carves.values()) {
    const lists = await easeLists(carve.train, lambdas, K);
    for (const l of lambdas) perLambda.get(l)!.push(score(lists.get(l)!.lists, carve));
  }
  let best = { lambda: lambdas[0]!, ndcg: -1 };
  for (const [lambda, xs] of perLambda) {
    console.log(`  EASE lambda ${lambda}: validation nDCG@${K} ${mean(xs).toFixed(4)} [${xs.map((v) => v.toFixed(4)).join(' ')}]`);
    if (mean(xs) > best.ndcg) best = { lambda, ndcg: mean(xs) };
  }
  return best;
}

function tuneKnn(): { neighbours: number; ndcg: number } {
  let best = { neighbours: 0, ndcg: -1 };
  for (const neighbours of [50, 100, 200, 400]) {
    const xs = [...carves.values()].map((carve) => {
      const knn = itemKnnRecommender(carve.train, titleIds, { neighbours });
      return score(
        listsOf((h) => knn.recommend(h, K), carve.train),
        carve,
      );
    });
    console.log(`  item-kNN neighbours ${neighbours}: validation nDCG@${K} ${mean(xs).toFixed(4)}`);
    if (mean(xs) > best.ndcg) best = { neighbours, ndcg: mean(xs) };
  }
  return best;
}

console.log(`tuning seeds ${TUNING_SEEDS.join(',')}: validation carve = 20% of each user's training ratings (of the seed's stratified 75/25 split)`);
// EASE runs in numpy in its own process, so it overlaps the model search on a second core.
const ease = values['skip-ease'] ? undefined : tuneEase();
const model = await tuneModel();
const knn = tuneKnn();
const easeChoice = await ease;
console.log('\nchosen on validation carves only:');
console.log(`  default model: ${JSON.stringify(model.chosen)}  validation nDCG@${K} ${model.ndcg.toFixed(4)}`);
if (easeChoice) console.log(`  EASE lambda: ${easeChoice.lambda}  validation nDCG@${K} ${easeChoice.ndcg.toFixed(4)}`);
console.log(`  item-kNN neighbours: ${knn.neighbours}  validation nDCG@${K} ${knn.ndcg.toFixed(4)}`);
console.log(`  ${cache.size} session settings x ${L2.length * DIMENSIONS.length} (l2, d) pairs x ${TUNING_SEEDS.length} seeds in ${((performance.now() - started) / 60000).toFixed(1)} min`);
