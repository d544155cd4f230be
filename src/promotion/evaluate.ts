import * as tf from '@tensorflow/tfjs';
import { ndcgAt, topK } from '../eval/metrics.ts';
import { groupByUser } from '../eval/protocol.ts';
import { hashUnit } from '../eval/split.ts';
import { isColumns } from '../model/history.ts';
import type { Rating, RatingList, TrainedModel } from '../model/types.ts';

/** nDCG@k of one model on a held-out split, and how many users it was measured on. */
export interface ValidationResult {
  ndcg: number;
  users: number;
  k: number;
}

export interface ValidationOptions {
  k?: number;
  /**
   * Score at most this many users, to bound the cost on big catalogues (default 5,000): a sample seeded by
   * `sampleSeed`, the same for every model given the same ratings, so candidate and active are scored on the same users.
   */
  maxUsers?: number;
  /** Seed of the user sample when there are more than `maxUsers` users (default 42). */
  sampleSeed?: number;
  /**
   * Users scored by one dense product, between yields to the event loop so job locks keep being renewed
   * (default 64; the product's result is this many users x titles floats).
   */
  batchUsers?: number;
  /**
   * Ratings that are neither input nor target (held out, but not part of this comparison): their titles are
   * dropped from the ranking, so a model that saw them in training is not marked down for ranking them.
   */
  ignore?: readonly Rating[];
}

type ScoredModel = Pick<TrainedModel, 'titleIds' | 'titleVectors' | 'dimension' | 'userVector'>;

/**
 * Validation nDCG@k of `model`: for each user with held-out ratings, fold in their training ratings with
 * `model.userVector`, score every title the model knows by inner product, drop titles rated in training,
 * and compare the top k with the held-out titles (binary relevance). Held-out titles the model does not
 * know count as misses, so a model that predates new titles is not flattered. Users with no training
 * rating are skipped (no model can rank for them). Exact scoring, no index: the comparison between
 * versions must not depend on HNSW recall. Users are scored `batchUsers` at a time by one matMul on the active
 * TensorFlow.js backend (float32 sums, where a per-user loop summed in float64: scores agree to about 1e-6) and a
 * partial top-k selection, so the cost is users x titles x dimension in the backend's kernel rather than in
 * JavaScript, and only the sampled users' ratings are grouped.
 */
export async function validationNdcg(model: ScoredModel, train: RatingList, heldOut: readonly Rating[], options: ValidationOptions = {}): Promise<ValidationResult> {
  const k = options.k ?? 10;
  const batchUsers = Math.max(1, options.batchUsers ?? 64);
  const testByUser = groupByUser(heldOut);
  const users = sampledUsers(testByUser, train, options.maxUsers ?? 5_000, options.sampleSeed ?? 42);
  const chosen = new Set(users);
  const trainByUser = groupByUser(train, chosen);
  const ignoreByUser = groupByUser(options.ignore ?? [], chosen);
  const rowOf = new Map(model.titleIds.map((id, row) => [id, row]));
  const scorer = batchScorer(model);
  let total = 0;
  try {
    for (let start = 0; start < users.length; start += batchUsers) {
      const batch = users.slice(start, start + batchUsers);
      const scores = scorer(batch.map((userId) => model.userVector(trainByUser.get(userId)!)));
      const n = model.titleIds.length;
      batch.forEach((userId, b) => {
        // The user's own titles and the ignored ones never take a place in the list.
        const excluded = rowsOf([...trainByUser.get(userId)!, ...(ignoreByUser.get(userId) ?? [])], rowOf);
        const ranked = topK(scores.subarray(b * n, (b + 1) * n), k, excluded).map((row) => model.titleIds[row]!);
        total += ndcgAt(ranked, new Set(testByUser.get(userId)!.map((r) => r.titleId)), k);
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    scorer.dispose();
  }
  return { ndcg: users.length === 0 ? 0 : total / users.length, users: users.length, k };
}

/**
 * The users to score, in id order: every held-out user with a training rating, or, when there are more than
 * `maxUsers`, the `maxUsers` of them first by a seeded hash of their id. A hash sample rather than the lowest
 * ids because ids follow account creation: the lowest ones are the oldest dataset users, and a server's own
 * members (created after the dataset import) would never be scored.
 */
function sampledUsers(testByUser: ReadonlyMap<number, Rating[]>, train: RatingList, maxUsers: number, seed: number): number[] {
  const withTraining = new Set<number>();
  const trainUsers = isColumns(train) ? train.userIds : train.map((r) => r.userId);
  for (const user of trainUsers) if (testByUser.has(user)) withTraining.add(user);
  let users = [...withTraining];
  if (users.length > maxUsers) {
    users = users
      .map((id) => ({ id, key: hashUnit(id, seed) }))
      .sort((a, b) => a.key - b.key || a.id - b.id)
      .slice(0, Math.max(0, maxUsers))
      .map((u) => u.id);
  }
  return users.sort((a, b) => a - b);
}

/** The model rows of the given ratings' titles (titles the model does not know have none). */
function rowsOf(ratings: readonly Pick<Rating, 'titleId'>[], rowOf: ReadonlyMap<number, number>): Set<number> {
  const rows = new Set<number>();
  for (const r of ratings) {
    const row = rowOf.get(r.titleId);
    if (row !== undefined) rows.add(row);
  }
  return rows;
}

/**
 * Scores batches of user vectors against every title: users x dimension times the transposed title matrix
 * (transposed once, so each batch is a plain matMul, the fast path on wasm), returned users x titles, row-major.
 */
function batchScorer(model: Pick<TrainedModel, 'titleIds' | 'titleVectors' | 'dimension'>): ((vectors: Float32Array[]) => Float32Array) & { dispose(): void } {
  const n = model.titleIds.length;
  const d = model.dimension;
  const titlesByDimension = tf.tidy(() => tf.transpose(tf.tensor2d(model.titleVectors.subarray(0, n * d), [n, d])));
  const score = (vectors: Float32Array[]): Float32Array => {
    const users = new Float32Array(vectors.length * d);
    vectors.forEach((v, b) => users.set(v.subarray(0, d), b * d));
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(users, [vectors.length, d]), titlesByDimension));
    try {
      return product.dataSync() as Float32Array;
    } finally {
      product.dispose();
    }
  };
  return Object.assign(score, { dispose: () => titlesByDimension.dispose() });
}

/**
 * The promotion rule: a candidate goes live only if it is not worse than the active version. Without an
 * active figure it goes live, and `noComparison` says why there was none.
 */
export function promotionDecision(candidateNdcg: number, activeNdcg: number | undefined, tolerance = 0, noComparison = 'no active version to compare with'): { promote: boolean; reason: string } {
  if (activeNdcg === undefined) return { promote: true, reason: noComparison };
  const fmt = (x: number) => x.toFixed(4);
  if (candidateNdcg + tolerance >= activeNdcg) {
    return { promote: true, reason: `validation nDCG@10 ${fmt(candidateNdcg)} is not worse than the active version's ${fmt(activeNdcg)}` };
  }
  return { promote: false, reason: `validation nDCG@10 ${fmt(candidateNdcg)} is worse than the active version's ${fmt(activeNdcg)}` };
}
