import { seededRandom, shuffleInPlace } from '../lib/random.ts';
import type { Rating, RatingColumns } from '../model/types.ts';

export interface Split {
  train: Rating[];
  test: Rating[];
}

export interface SplitOptions {
  /** Share of each user's ratings held out (rounded, at least 1). */
  testFraction: number;
  /** Users with fewer ratings than this stay in train only (too little history to hold any out). */
  minRatings: number;
  seed: number;
}

export const defaultSplitOptions: SplitOptions = { testFraction: 0.25, minRatings: 5, seed: 42 };

function groupByUser(ratings: readonly Rating[]): Map<number, Rating[]> {
  const byUser = new Map<number, Rating[]>();
  for (const r of ratings) {
    let list = byUser.get(r.userId);
    if (!list) byUser.set(r.userId, (list = []));
    list.push(r);
  }
  return byUser;
}

function heldOutCount(count: number, options: SplitOptions): number {
  if (count < options.minRatings) return 0;
  return Math.min(count - 1, Math.max(1, Math.round(count * options.testFraction)));
}

/**
 * Per-user stratified random split: each user's ratings (put in title order first, so the result does
 * not depend on input order) are shuffled with a PRNG seeded by `seed` and the user id, and
 * round(count x testFraction) of them (at least 1) go to test. Users with fewer than `minRatings`
 * ratings stay wholly in train.
 */
export function stratifiedSplit(ratings: readonly Rating[], options: Partial<SplitOptions> = {}): Split {
  const opts = { ...defaultSplitOptions, ...options };
  const split: Split = { train: [], test: [] };
  const users = [...groupByUser(ratings)].sort(([a], [b]) => a - b);
  for (const [userId, list] of users) {
    const ordered = [...list].sort((a, b) => a.titleId - b.titleId || a.ratedAt - b.ratedAt);
    shuffleInPlace(ordered, seededRandom((opts.seed * 1_000_003 + userId) >>> 0));
    const held = heldOutCount(ordered.length, opts);
    split.test.push(...ordered.slice(0, held));
    split.train.push(...ordered.slice(held));
  }
  return split;
}

/**
 * Per-user temporal split: each user's latest round(count x testFraction) ratings (ties broken by title
 * id) go to test, the rest to train; same `minRatings` rule as {@link stratifiedSplit}.
 */
export function temporalSplit(ratings: readonly Rating[], options: Partial<SplitOptions> = {}): Split {
  const opts = { ...defaultSplitOptions, ...options };
  const split: Split = { train: [], test: [] };
  const users = [...groupByUser(ratings)].sort(([a], [b]) => a - b);
  for (const [, list] of users) {
    const ordered = [...list].sort((a, b) => a.ratedAt - b.ratedAt || a.titleId - b.titleId);
    const held = heldOutCount(ordered.length, opts);
    split.train.push(...ordered.slice(0, ordered.length - held));
    split.test.push(...ordered.slice(ordered.length - held));
  }
  return split;
}

/** A hold-out fixed by a hash of (user, title): which share of pairs it takes, and the hash's seed. */
export interface HashHoldoutRule {
  /** Share of (user, title) pairs held out, in [0, 1). */
  fraction: number;
  seed: number;
}

/** murmur3's 32-bit finaliser: every input bit flips about half the output bits, so nearby ids spread out. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A uniform number in [0, 1) fixed by `id` and `seed`: sorting ids by it gives a seeded sample that does not
 * follow id order (ids follow signup order, so "the first n ids" would be the oldest accounts).
 */
export function hashUnit(id: number, seed: number): number {
  return fmix32(Math.imul(id, 0x9e3779b1) ^ fmix32(seed ^ 0x5bd1e995)) / 4294967296;
}

/**
 * Whether the pair (userId, titleId) is in the hold-out of `rule`: a pure function of the pair and the rule,
 * so a pair's membership never changes as other ratings come and go (unlike {@link stratifiedSplit}, where one
 * new rating reshuffles the user's whole list). For one seed, a larger fraction holds out a superset.
 */
export function inHashHoldout(userId: number, titleId: number, rule: HashHoldoutRule): boolean {
  const h = fmix32(fmix32(Math.imul(userId, 0x9e3779b1) ^ fmix32(rule.seed)) ^ Math.imul(titleId, 0x27d4eb2f));
  return h / 4294967296 < rule.fraction;
}

/** Splits ratings by {@link inHashHoldout}: the held-out pairs go to test, everything else (in input order) to train. */
export function hashHoldoutSplit(ratings: readonly Rating[], rule: HashHoldoutRule): Split {
  const split: Split = { train: [], test: [] };
  for (const r of ratings) (inHashHoldout(r.userId, r.titleId, rule) ? split.test : split.train).push(r);
  return split;
}

/**
 * {@link hashHoldoutSplit} of rating columns, without a copy: reorders `ratings` in place so the training rows come
 * first (each part in input order; order does not change what a model learns, see src/model/history.ts), and
 * returns views of that first part as `train` and the held-out rows (a tenth by default, what the gate filters
 * and groups) as objects. `ratings` still holds every rating: the retrain's refit reads it whole.
 */
export function partitionHashHoldout(ratings: RatingColumns, rule: HashHoldoutRule): { train: RatingColumns; test: Rating[] } {
  const { userIds, titleIds, values, ratedAt } = ratings;
  const test: Rating[] = [];
  let at = 0;
  for (let i = 0; i < ratings.length; i++) {
    if (inHashHoldout(userIds[i]!, titleIds[i]!, rule)) {
      test.push({ userId: userIds[i]!, titleId: titleIds[i]!, value: values[i]!, ratedAt: ratedAt[i]! });
      continue;
    }
    // at <= i: a training row only ever moves towards the front, over rows already read.
    userIds[at] = userIds[i]!;
    titleIds[at] = titleIds[i]!;
    values[at] = values[i]!;
    ratedAt[at++] = ratedAt[i]!;
  }
  test.forEach((r, j) => {
    userIds[at + j] = r.userId;
    titleIds[at + j] = r.titleId;
    values[at + j] = r.value;
    ratedAt[at + j] = r.ratedAt;
  });
  const train = { length: at, userIds: userIds.subarray(0, at), titleIds: titleIds.subarray(0, at), values: values.subarray(0, at), ratedAt: ratedAt.subarray(0, at) };
  return { train, test };
}
