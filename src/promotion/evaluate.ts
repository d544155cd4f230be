import { ndcgAt } from '../eval/metrics.ts';
import { groupByUser, modelRecommender } from '../eval/protocol.ts';
import type { Rating, TrainedModel } from '../model/types.ts';

/** nDCG@k of one model on a held-out split, and how many users it was measured on. */
export interface ValidationResult {
  ndcg: number;
  users: number;
  k: number;
}

export interface ValidationOptions {
  k?: number;
  /** Score at most this many users (the first ones by id), to bound the cost on big catalogues (default 5,000). */
  maxUsers?: number;
  /** Users scored between yields to the event loop, so job locks keep being renewed (default 32). */
  yieldEvery?: number;
  /**
   * Ratings that are neither input nor target (held out, but not part of this comparison): their titles are
   * dropped from the ranking, so a model that saw them in training is not marked down for ranking them.
   */
  ignore?: readonly Rating[];
}

/**
 * Validation nDCG@k of `model`: for each user with held-out ratings, fold in their training ratings with
 * `model.userVector`, score every title the model knows by inner product, drop titles rated in training,
 * and compare the top k with the held-out titles (binary relevance). Held-out titles the model does not
 * know count as misses, so a model that predates new titles is not flattered. Users with no training
 * rating are skipped (no model can rank for them). Exact scoring, no index: the comparison between
 * versions must not depend on HNSW recall.
 */
export async function validationNdcg(
  model: Pick<TrainedModel, 'titleIds' | 'titleVectors' | 'dimension' | 'userVector'>,
  train: readonly Rating[],
  heldOut: readonly Rating[],
  options: ValidationOptions = {},
): Promise<ValidationResult> {
  const k = options.k ?? 10;
  const maxUsers = options.maxUsers ?? 5_000;
  const yieldEvery = options.yieldEvery ?? 32;
  const recommender = modelRecommender(model);
  const trainByUser = groupByUser(train);
  const testByUser = groupByUser(heldOut);
  const ignoreByUser = groupByUser(options.ignore ?? []);
  const users = [...testByUser.keys()]
    .filter((u) => trainByUser.has(u))
    .sort((a, b) => a - b)
    .slice(0, maxUsers);
  let total = 0;
  for (let u = 0; u < users.length; u++) {
    const userId = users[u]!;
    const ignored = new Set((ignoreByUser.get(userId) ?? []).map((r) => r.titleId));
    const ranked = recommender
      .recommend(trainByUser.get(userId)!, k + ignored.size)
      .filter((t) => !ignored.has(t))
      .slice(0, k);
    total += ndcgAt(ranked, new Set(testByUser.get(userId)!.map((r) => r.titleId)), k);
    if ((u + 1) % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return { ndcg: users.length === 0 ? 0 : total / users.length, users: users.length, k };
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
