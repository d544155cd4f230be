import type { Rating } from './types.ts';

/** How a user's ratings become the encoder's input weights. */
export interface HistoryWeighting {
  /** `binary`: every rated title counts 1 (implicit feedback); `rating`: weight = stars / 5. */
  weighting: 'binary' | 'rating';
  /** Halve a rating's weight per this many days before the user's newest rating; undefined = no decay. */
  recencyHalfLifeDays?: number | undefined;
}

const DAY_MS = 86_400_000;

/** Ratings grouped by user id, users in ascending id order, each user's ratings in input order. */
export function ratingsByUser<R extends Pick<Rating, 'userId'>>(ratings: readonly R[]): Map<number, R[]> {
  const byUser = new Map<number, R[]>();
  for (const r of ratings) {
    let list = byUser.get(r.userId);
    if (!list) byUser.set(r.userId, (list = []));
    list.push(r);
  }
  return new Map([...byUser].sort(([a], [b]) => a - b));
}

/**
 * The rating of each title row that counts in one user's history: the latest when a title was rated twice.
 * Titles the model does not know are skipped.
 */
export function latestByRow<R extends Pick<Rating, 'titleId' | 'ratedAt'>>(history: readonly R[], rowOf: ReadonlyMap<number, number>): Map<number, R> {
  const latest = new Map<number, R>();
  for (const rating of history) {
    const row = rowOf.get(rating.titleId);
    if (row === undefined) continue;
    const previous = latest.get(row);
    if (!previous || rating.ratedAt >= previous.ratedAt) latest.set(row, rating);
  }
  return latest;
}

/**
 * The input weights of one user's history, keyed by title row. Titles the model does not know are
 * skipped (a title added after training gets into user vectors on the next retrain). A title rated twice
 * keeps its latest rating. Recency is measured from the user's newest rating, not the wall clock, so the
 * same history always gives the same vector.
 */
export function historyWeights(history: readonly Pick<Rating, 'titleId' | 'value' | 'ratedAt'>[], rowOf: ReadonlyMap<number, number>, options: HistoryWeighting): Map<number, number> {
  const latest = latestByRow(history, rowOf);
  let newest = -Infinity;
  for (const rating of latest.values()) if (rating.ratedAt > newest) newest = rating.ratedAt;
  const weights = new Map<number, number>();
  const halfLife = options.recencyHalfLifeDays;
  for (const [row, rating] of latest) {
    let weight = options.weighting === 'rating' ? rating.value / 5 : 1;
    if (halfLife !== undefined && halfLife > 0) weight *= 0.5 ** ((newest - rating.ratedAt) / (halfLife * DAY_MS));
    if (weight > 0) weights.set(row, weight);
  }
  return weights;
}

/** Scales weights to unit L2 norm in place (the Mult-DAE input normalisation); empty stays empty. */
export function normaliseWeights(weights: Map<number, number>): Map<number, number> {
  let sum = 0;
  for (const w of weights.values()) sum += w * w;
  if (sum === 0) return weights;
  const scale = 1 / Math.sqrt(sum);
  for (const [row, w] of weights) weights.set(row, w * scale);
  return weights;
}
