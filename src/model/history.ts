import type { Rating, RatingColumns, RatingList } from './types.ts';

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

/** Whether a rating list is held as columns. */
export function isColumns(ratings: RatingList): ratings is RatingColumns {
  return !Array.isArray(ratings);
}

/** Row i of rating columns as a fresh object. */
export function ratingAt(columns: RatingColumns, i: number): Rating {
  return { userId: columns.userIds[i]!, titleId: columns.titleIds[i]!, value: columns.values[i]!, ratedAt: columns.ratedAt[i]! };
}

/** Every rating of a list as an object (fresh ones for columns: hold only the few you keep). */
export function* eachRating(ratings: RatingList): Generator<Rating> {
  if (!isColumns(ratings)) {
    yield* ratings;
    return;
  }
  for (let i = 0; i < ratings.length; i++) yield ratingAt(ratings, i);
}

/**
 * Each user's ratings, users in ascending id order, each user's in input order (as {@link ratingsByUser}). From
 * columns only one user's objects exist at a time: grouping 32M ratings as objects would cost ~4 GB of heap.
 */
export function* userHistories(ratings: RatingList): Generator<Rating[]> {
  if (!isColumns(ratings)) {
    yield* ratingsByUser(ratings).values();
    return;
  }
  const counts = new Map<number, number>();
  for (const user of ratings.userIds) counts.set(user, (counts.get(user) ?? 0) + 1);
  const users = [...counts.keys()].sort((a, b) => a - b);
  // A counting sort of the row indices by user, stable, so each user's rows stay in input order.
  const next = new Map<number, number>();
  const starts = new Int32Array(users.length + 1);
  users.forEach((user, u) => {
    next.set(user, starts[u]!);
    starts[u + 1] = starts[u]! + counts.get(user)!;
  });
  const order = new Int32Array(ratings.length);
  for (let i = 0; i < ratings.length; i++) {
    const user = ratings.userIds[i]!;
    const at = next.get(user)!;
    order[at] = i;
    next.set(user, at + 1);
  }
  for (let u = 0; u < users.length; u++) {
    const history: Rating[] = [];
    for (let at = starts[u]!; at < starts[u + 1]!; at++) history.push(ratingAt(ratings, order[at]!));
    yield history;
  }
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
