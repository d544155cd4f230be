import { itemKnnRecommender, popularityRecommender, type Recommender } from './baselines.ts';
import { intraListDiversity, summarise, topK, type MetricSummary } from './metrics.ts';
import type { MovieRecord } from './movielens.ts';
import { catalogueTitles, servedRecommender } from './served.ts';
import { genreVectors } from './title-features.ts';
import type { TrainHooks } from '../model/trainer.ts';
import type { TrainOptions } from '../model/options.ts';
import { isColumns, ratingAt } from '../model/history.ts';
import type { Rating, RatingList, RatingsDataset, TrainedModel } from '../model/types.ts';

/** What {@link evaluate} needs; no files, no database. */
export interface EvaluationInput {
  train: readonly Rating[];
  test: readonly Rating[];
  /** The catalogue: every title that may be recommended. Defaults to the titles rated in `train`. */
  titleIds?: readonly number[];
  titleText?: Map<number, Float32Array>;
  k: number;
  /** item-kNN neighbourhood size. */
  neighbours?: number;
  trainOptions?: Partial<TrainOptions>;
  hooks?: TrainHooks;
  /**
   * The catalogue's movies: when given, the served list (what `/recommend` returns, see {@link servedRecommender})
   * is scored beside the raw ranking, and every list's intra-list diversity is measured on genre vectors.
   */
  movies?: readonly MovieRecord[];
  /** Lists computed elsewhere (e.g. the numpy EASE reference of bench/ease.py), scored the same way. */
  references?: readonly { name: string; lists: ReadonlyMap<number, readonly number[]>; seconds: number }[];
  /** Injected so tests and benches can swap it; production passes `trainModel`. */
  trainer: (dataset: RatingsDataset, options: Partial<TrainOptions>, hooks?: TrainHooks) => Promise<TrainedModel>;
}

export interface ModelResult {
  name: string;
  metrics: MetricSummary;
  /** Intra-list diversity on genre vectors (1 - mean pairwise cosine), when the movies are known. */
  diversity?: number;
  seconds: number;
}

export interface EvaluationReport {
  k: number;
  trainRatings: number;
  testRatings: number;
  catalogueSize: number;
  /** Test users with no training ratings: skipped (nothing to base a recommendation on). */
  skippedTestUsers: number;
  /** Test ratings of titles outside the catalogue: dropped (no model can recommend them). */
  unknownTestTitles: number;
  results: ModelResult[];
  /** The neural model's top k per training user, best first. */
  neuralLists: Map<number, number[]>;
  training: Record<string, unknown>;
}

/**
 * Ratings grouped by user id, in their original order; with `only`, just those users' ratings (from columns,
 * only theirs become objects).
 */
export function groupByUser(ratings: RatingList, only?: ReadonlySet<number>): Map<number, Rating[]> {
  const out = new Map<number, Rating[]>();
  const add = (r: Rating) => {
    let list = out.get(r.userId);
    if (!list) out.set(r.userId, (list = []));
    list.push(r);
  };
  if (isColumns(ratings)) {
    for (let i = 0; i < ratings.length; i++) if (!only || only.has(ratings.userIds[i]!)) add(ratingAt(ratings, i));
  } else {
    for (const r of ratings) if (!only || only.has(r.userId)) add(r);
  }
  return out;
}

/** Ranks the whole catalogue for a user by dot(userVector, titleVector), the user's own titles removed. */
export function modelRecommender(model: Pick<TrainedModel, 'titleIds' | 'titleVectors' | 'dimension' | 'userVector'> & Partial<Pick<TrainedModel, 'architecture'>>): Recommender {
  const rowOf = new Map(model.titleIds.map((id, row) => [id, row]));
  const d = model.dimension;
  const n = model.titleIds.length;
  const vectors = model.titleVectors;
  return {
    name: `neural (${model.architecture ?? 'model'}, d=${d})`,
    recommend(history, k) {
      const user = model.userVector(history);
      const scores = new Float32Array(n);
      for (let row = 0; row < n; row++) {
        let s = 0;
        const base = row * d;
        for (let i = 0; i < d; i++) s += user[i]! * vectors[base + i]!;
        scores[row] = s;
      }
      const seen = new Set<number>();
      for (const r of history) {
        const row = rowOf.get(r.titleId);
        if (row !== undefined) seen.add(row);
      }
      return topK(scores, k, seen).map((row) => model.titleIds[row]!);
    },
  };
}

/**
 * The offline protocol: trains the production model and the baselines on `train` only, recommends the
 * top k for every training user with their training titles removed, and scores the lists against
 * `test` (every test title relevant). Test users absent from train are skipped and counted; test titles
 * outside the catalogue are dropped and counted.
 */
export async function evaluate(input: EvaluationInput): Promise<EvaluationReport> {
  const trainByUser = groupByUser(input.train);
  const titleIds = input.titleIds ? [...input.titleIds] : [...new Set(input.train.map((r) => r.titleId))].sort((a, b) => a - b);
  const catalogue = new Set(titleIds);
  let skippedTestUsers = 0;
  let unknownTestTitles = 0;
  const relevant = new Map<number, Set<number>>();
  for (const [userId, list] of groupByUser(input.test)) {
    if (!trainByUser.has(userId)) {
      skippedTestUsers += 1;
      continue;
    }
    const set = new Set<number>();
    for (const r of list) {
      if (catalogue.has(r.titleId)) set.add(r.titleId);
      else unknownTestTitles += 1;
    }
    relevant.set(userId, set);
  }

  const results: ModelResult[] = [];
  const genres = input.movies ? genreVectors(input.movies) : undefined;
  const score = (name: string, lists: ReadonlyMap<number, readonly number[]>, seconds: number) =>
    results.push({
      name,
      metrics: summarise(lists, relevant, input.k, titleIds.length),
      ...(genres ? { diversity: intraListDiversity(lists.values(), (id) => genres.get(id), input.k) } : {}),
      seconds,
    });
  const run = (recommender: Recommender, seconds: number): Map<number, number[]> => {
    const started = performance.now();
    const lists = new Map<number, number[]>();
    for (const [userId, history] of trainByUser) lists.set(userId, recommender.recommend(history, input.k));
    score(recommender.name, lists, seconds + (performance.now() - started) / 1000);
    return lists;
  };

  let started = performance.now();
  const dataset: RatingsDataset = { ratings: [...input.train], titleIds, ...(input.titleText ? { titleText: input.titleText } : {}) };
  const model = await input.trainer(dataset, input.trainOptions ?? {}, input.hooks);
  const trainSeconds = (performance.now() - started) / 1000;
  const neuralLists = run(modelRecommender(model), trainSeconds);
  if (input.movies) {
    started = performance.now();
    const served = servedRecommender(model, catalogueTitles(input.movies, input.train));
    run(served, trainSeconds + (performance.now() - started) / 1000);
  }
  for (const reference of input.references ?? []) score(reference.name, reference.lists, reference.seconds);

  started = performance.now();
  const popularity = popularityRecommender(input.train, titleIds);
  run(popularity, (performance.now() - started) / 1000);
  started = performance.now();
  const knn = itemKnnRecommender(input.train, titleIds, { neighbours: input.neighbours ?? 100 });
  run(knn, (performance.now() - started) / 1000);

  const weights = (model as TrainedModel & { weights?: { training?: Record<string, unknown> } }).weights;
  return {
    k: input.k,
    trainRatings: input.train.length,
    testRatings: input.test.length,
    catalogueSize: titleIds.length,
    skippedTestUsers,
    unknownTestTitles,
    results,
    neuralLists,
    training: { backend: model.backend, dimension: model.dimension, ...(weights?.training ?? {}) },
  };
}

/** The metrics table printed by `tastebud eval`: one row per model. */
export function formatReport(report: EvaluationReport): string {
  const k = report.k;
  const withDiversity = report.results.some((r) => r.diversity !== undefined);
  const header = ['model', `nDCG@${k}`, `P@${k}`, `R@${k}`, `MAP@${k}`, 'MRR', `HR@${k}`, 'coverage', ...(withDiversity ? ['ILD'] : []), 'seconds'];
  const rows = report.results.map((r) => [
    r.name,
    r.metrics.ndcg.toFixed(4),
    r.metrics.precision.toFixed(4),
    r.metrics.recall.toFixed(4),
    r.metrics.map.toFixed(4),
    r.metrics.mrr.toFixed(4),
    r.metrics.hitRate.toFixed(4),
    r.metrics.coverage.toFixed(4),
    ...(withDiversity ? [r.diversity?.toFixed(4) ?? '-'] : []),
    r.seconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const users = report.results[0]?.metrics.users ?? 0;
  const notes = [
    `train ${report.trainRatings} ratings, test ${report.testRatings} ratings, ${users} users scored, catalogue ${report.catalogueSize} titles`,
    `recall divides by min(k, |relevant|); all test titles relevant; training titles removed from lists`,
  ];
  if (withDiversity) {
    notes.push("served (/recommend) = the bot's Recommender over an HNSW index: recency mix, rated/hidden filter, variety rerank; ILD = 1 - mean pairwise cosine of genre vectors in each top k");
  }
  if (report.skippedTestUsers > 0) notes.push(`${report.skippedTestUsers} test user(s) skipped: not in the training file`);
  if (report.unknownTestTitles > 0) notes.push(`${report.unknownTestTitles} test rating(s) dropped: title not in the catalogue`);
  return [fmt(header), ...rows.map(fmt), '', ...notes].join('\n') + '\n';
}
