/** The generated users: how much each rates and tags, when, and their planted taste. Held as columns. */
import type { Catalogue } from './catalogue.ts';
import { AliasTable, Draws, seedFor } from './sampling.ts';
import { MIN_RATINGS_PER_USER, type Counts, type Shape } from './shapes.ts';
import { groupCentres, RANK, TASTE_GROUPS } from './taste.ts';

const DAY = 86_400;
const USER_STAGE = 3;
const SESSION_STAGE = 4;
/** Favourite taste groups per user. */
export const FAVOURITES = 3;
/** Nobody rates more than this share of the movies they could have seen (ml-25m's keenest user: 32,202 of 62,423). */
const MAX_SHARE_RATED = 0.4;
/** Share of users who tag at all (58 of 610 in ml-latest-small). */
const TAGGER_SHARE = 0.12;

/** New users per year (relative), after the ratings per year of ml-latest-small, carried on to 2023. */
const JOINS_PER_YEAR: Record<number, number> = {
  1995: 0.05,
  1996: 3,
  1997: 1.5,
  1998: 0.6,
  1999: 1.5,
  2000: 4,
  2001: 1.5,
  2002: 1.2,
  2003: 1.3,
  2004: 1.1,
  2005: 1.6,
  2006: 1.3,
  2007: 1.4,
  2008: 1.3,
  2009: 1.1,
  2010: 0.9,
  2011: 0.8,
  2012: 0.9,
  2013: 0.7,
  2014: 0.8,
  2015: 2.2,
  2016: 2.2,
  2017: 2.2,
  2018: 2.0,
  2019: 2.0,
  2020: 1.6,
  2021: 1.2,
  2022: 1.1,
  2023: 0.9,
};

export interface UserPlans {
  size: number;
  /** Drawn activity before scaling: it also sets how often the user comes back. */
  activity: Float64Array;
  /** Ratings of user u + 1 (user ids are 1..size). */
  ratings: Int32Array;
  tags: Int32Array;
  bias: Float32Array;
  factors: Float32Array;
  /** FAVOURITES groups per user and the share of picks from each. */
  favourites: Uint8Array;
  favouriteShare: Float32Array;
  /** Chance that a rating (from 2003 on, when MovieLens added half stars) uses a half star. */
  halfStars: Float32Array;
  noise: Float32Array;
  /** Start of the user's last session: nothing added later can be rated. */
  lastAt: Float64Array;
}

/** A user's sessions: start times (ascending) and the share of their ratings in each. */
export interface Sessions {
  starts: number[];
  shares: number[];
}

const yearStart = (year: number) => Date.UTC(year, 0, 1) / 1000;

/**
 * The sessions of user `u`: most users rate everything in one sitting (59% of ml-latest-small's users span
 * under a day), the rest come back after days to years. The first session holds the sign-up ratings.
 */
export function sessionsOf(shape: Shape, seed: number, u: number, activity: number): Sessions {
  const draws = new Draws(seedFor(seed, SESSION_STAGE, u));
  const years = Object.keys(JOINS_PER_YEAR)
    .map(Number)
    .filter((y) => y >= new Date(shape.start * 1000).getUTCFullYear() && yearStart(y) < shape.end);
  const table = new AliasTable(years.map((y) => JOINS_PER_YEAR[y]!));
  const year = years[table.draw(draws.uniform)]!;
  const first = Math.min(Math.max(shape.start, yearStart(year) + draws.uniform() * 365.25 * DAY), shape.end - DAY);
  const count = draws.chance(0.6 - 0.1 * Math.log10(activity)) ? 1 : 2 + Math.floor(draws.exponential(3 * activity ** 1.1));
  const starts = [first];
  const shares = [2 + draws.uniform() * 3];
  for (let s = 1; s < count; s++) {
    const next = starts[s - 1]! + DAY * Math.exp(Math.log(20) + 1.8 * draws.normal());
    if (next >= shape.end - 3600) break;
    starts.push(next);
    shares.push(0.2 + draws.exponential(1));
  }
  const total = shares.reduce((a, b) => a + b, 0);
  return { starts, shares: shares.map((s) => s / total) };
}

/** Plans every user: activity scaled so ratings and tags add up to exactly `counts`. */
export function planUsers(shape: Shape, counts: Counts, catalogue: Catalogue, seed: number): UserPlans {
  const n = counts.users;
  const plans = emptyPlans(n);
  const centres = groupCentres(seed);
  const activity = plans.activity;
  const tagging = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const draws = new Draws(seedFor(seed, USER_STAGE, u + 1));
    activity[u] = Math.exp(shape.activitySigma * draws.normal());
    tagging[u] = draws.chance(TAGGER_SHARE * Math.min(2, 0.6 + 0.2 * Math.log1p(activity[u]!))) ? Math.exp(2.1 * draws.normal()) : 0;
    plans.bias[u] = 0.42 * draws.normal();
    plans.noise[u] = 0.3 + 0.6 * draws.uniform();
    plans.halfStars[u] = draws.chance(0.8) ? 0.2 + 0.7 * draws.uniform() : 0;
    planTaste(plans, u, centres, draws);
    const sessions = sessionsOf(shape, seed, u + 1, activity[u]!);
    plans.lastAt[u] = sessions.starts[sessions.starts.length - 1]!;
  }
  const caps = ratingCaps(plans, catalogue);
  allocate(plans.ratings, activity, caps, MIN_RATINGS_PER_USER, counts.ratings, seed);
  if (!tagging.some((t) => t > 0)) tagging[0] = 1;
  const tagCaps = new Int32Array(n).fill(2 ** 30);
  allocate(plans.tags, tagging, tagCaps, 0, counts.tags, seed + 1);
  return plans;
}

function emptyPlans(n: number): UserPlans {
  return {
    size: n,
    activity: new Float64Array(n),
    ratings: new Int32Array(n),
    tags: new Int32Array(n),
    bias: new Float32Array(n),
    factors: new Float32Array(n * RANK),
    favourites: new Uint8Array(n * FAVOURITES),
    favouriteShare: new Float32Array(n * FAVOURITES),
    halfStars: new Float32Array(n),
    noise: new Float32Array(n),
    lastAt: new Float64Array(n),
  };
}

/** A user's favourite groups (by the groups' sizes) and a taste near their mix of those groups' centres. */
function planTaste(plans: UserPlans, u: number, centres: Float32Array, draws: Draws): void {
  const groups = new AliasTable(TASTE_GROUPS.map((g) => g.share));
  let total = 0;
  for (let f = 0; f < FAVOURITES; f++) {
    plans.favourites[u * FAVOURITES + f] = groups.draw(draws.uniform);
    const share = draws.exponential(1) * (f === 0 ? 2 : 1);
    plans.favouriteShare[u * FAVOURITES + f] = share;
    total += share;
  }
  for (let k = 0; k < RANK; k++) plans.factors[u * RANK + k] = (0.5 * draws.normal()) / Math.sqrt(RANK);
  for (let f = 0; f < FAVOURITES; f++) {
    const share = (plans.favouriteShare[u * FAVOURITES + f]! /= total);
    const g = plans.favourites[u * FAVOURITES + f]!;
    for (let k = 0; k < RANK; k++) plans.factors[u * RANK + k]! += share * centres[g * RANK + k]!;
  }
}

/** The most each user may rate: a share of the rated movies added before their last session. */
function ratingCaps(plans: UserPlans, catalogue: Catalogue): Int32Array {
  const added: number[] = [];
  for (let i = 0; i < catalogue.size; i++) if (catalogue.rated[i]) added.push(catalogue.addedAt[i]!);
  added.sort((a, b) => a - b);
  const caps = new Int32Array(plans.size);
  for (let u = 0; u < plans.size; u++) {
    let lo = 0;
    let hi = added.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (added[mid]! <= plans.lastAt[u]!) lo = mid + 1;
      else hi = mid;
    }
    caps[u] = Math.max(Math.min(MIN_RATINGS_PER_USER, lo), Math.floor(MAX_SHARE_RATED * lo));
  }
  return caps;
}

/**
 * Sets out[u] = min(cap, floor + round(c · weight[u])) with c found by bisection so the sum is `total`,
 * then moves the last few units one by one (in a seeded order) to hit it exactly.
 */
function allocate(out: Int32Array, weight: Float64Array, caps: Int32Array, floor: number, total: number, seed: number): void {
  const fill = (c: number) => {
    let sum = 0;
    for (let u = 0; u < out.length; u++) {
      out[u] = weight[u]! > 0 || floor > 0 ? Math.min(caps[u]!, floor + Math.round(c * weight[u]!)) : 0;
      sum += out[u]!;
    }
    return sum;
  };
  let lo = 0;
  let hi = 1;
  while (fill(hi) < total && hi < 1e12) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (fill(mid) < total) lo = mid;
    else hi = mid;
  }
  let left = total - fill(lo);
  const draws = new Draws(seed);
  for (let guard = 0; left !== 0 && guard < 100 * out.length + 1000; guard++) {
    const u = draws.int(out.length);
    const canGrow = weight[u]! > 0 || floor > 0;
    if (left > 0 && canGrow && out[u]! < caps[u]!) {
      out[u]!++;
      left--;
    } else if (left < 0 && out[u]! > Math.max(floor, weight[u]! > 0 ? 1 : 0)) {
      out[u]!--;
      left++;
    }
  }
  if (left !== 0) throw new RangeError(`cannot spread ${total} over ${out.length} users within their limits`);
}
