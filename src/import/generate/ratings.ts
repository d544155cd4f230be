/** One user's ratings and tags at a time: which movies, which stars, when, and what they tagged. */
import type { Catalogue } from './catalogue.ts';
import { AliasTable, Draws, seedFor } from './sampling.ts';
import type { Shape } from './shapes.ts';
import { COMMON_TAGS, dot, RANK, TASTE_GROUPS } from './taste.ts';
import { FAVOURITES, sessionsOf, type UserPlans } from './users.ts';

const RATING_STAGE = 5;
const FORCED_STAGE = 6;
/** MovieLens offered half stars from February 2003; earlier ratings are whole stars. */
export const HALF_STARS_FROM = Date.UTC(2003, 1, 12) / 1000;
/** Weight of the taste match (user taste · movie taste) in a rating, in stars. */
export const TASTE_WEIGHT = 1.6;
/** Share of picks made by overall popularity rather than from the user's favourite groups. */
const POPULAR_PICKS = 0.45;

export interface UserRatings {
  /** Catalogue indexes, ascending (so movieIds ascend, as in ratings.csv). */
  items: Int32Array;
  values: Float32Array;
  times: Float64Array;
}

export interface TagApplication {
  item: number;
  tag: string;
  time: number;
}

/** Movies each user must include, as offsets into one flat list (a CSR table keyed by user index). */
interface Forced {
  offsets: Int32Array;
  items: Int32Array;
}

/** The planted rating before rounding to stars. */
export function plantedRating(shape: Shape, catalogue: Catalogue, plans: UserPlans, u: number, item: number): number {
  return shape.plantedMean + plans.bias[u]! + catalogue.bias[item]! + TASTE_WEIGHT * dot(plans.factors, u * RANK, catalogue.factors, item * RANK);
}

export class RatingMaker {
  private readonly popular: AliasTable;
  private readonly groupItems: Int32Array[];
  private readonly groupTables: (AliasTable | null)[];
  /** stamp[item] === user index + 1 while that user has picked it: no per-user set needed. */
  private readonly stamp: Int32Array;
  private readonly forcedRatings: Forced;
  private readonly forcedTags: Forced;
  private readonly vocabulary: string[];
  private readonly vocabularyTable: AliasTable;
  private readonly commonTable: AliasTable;

  constructor(
    private readonly shape: Shape,
    private readonly catalogue: Catalogue,
    private readonly plans: UserPlans,
    private readonly seed: number,
    tagWord: (draws: Draws) => string,
    vocabularySize: number,
  ) {
    this.popular = new AliasTable(catalogue.weight);
    this.groupItems = TASTE_GROUPS.map((_, g) => Int32Array.from(indexesWhere(catalogue.size, (i) => catalogue.group[i] === g && catalogue.rated[i] === 1)));
    this.groupTables = this.groupItems.map((items) => (items.length > 0 ? new AliasTable(Array.from(items, (i) => catalogue.weight[i]!)) : null));
    this.stamp = new Int32Array(catalogue.size);
    const draws = new Draws(seedFor(seed, FORCED_STAGE, 0));
    this.forcedRatings = this.spread((i) => catalogue.rated[i] === 1, plans.ratings, 0.5, draws);
    this.forcedTags = this.spread((i) => catalogue.rated[i] === 0, plans.tags, 1, draws);
    this.vocabulary = Array.from({ length: vocabularySize }, () => (draws.chance(0.005) ? `${tagWord(draws)}, ${tagWord(draws)}` : tagWord(draws)));
    this.vocabularyTable = new AliasTable(this.vocabulary.map((_, r) => 1 / (r + 30)));
    this.commonTable = new AliasTable(COMMON_TAGS.map((_, r) => 1 / (r + 4)));
  }

  /**
   * Gives every movie that `wanted` picks to one user (drawn by `budget`) who was around after it was added,
   * so each rated movie gets a rating and each tag-only movie a tag however unpopular it is.
   */
  private spread(wanted: (i: number) => boolean, budget: Int32Array, maxShare: number, draws: Draws): Forced {
    const users = new AliasTable(budget);
    const taken = new Int32Array(this.plans.size);
    const pairs: [number, number][] = [];
    for (let i = 0; i < this.catalogue.size; i++) {
      if (!wanted(i)) continue;
      for (let attempt = 0; attempt < 200; attempt++) {
        const u = users.draw(draws.uniform);
        if (this.plans.lastAt[u]! < this.catalogue.addedAt[i]! || taken[u]! + 1 > Math.max(1, Math.floor(maxShare * budget[u]!))) continue;
        taken[u]!++;
        pairs.push([u, i]);
        break;
      }
    }
    const offsets = new Int32Array(this.plans.size + 1);
    for (const [u] of pairs) offsets[u + 1]!++;
    for (let u = 0; u < this.plans.size; u++) offsets[u + 1]! += offsets[u]!;
    const items = new Int32Array(pairs.length);
    const next = offsets.slice(0, this.plans.size);
    for (const [u, i] of pairs) items[next[u]!++] = i;
    return { offsets, items };
  }

  /** The ratings of user index `u` (userId u + 1). */
  ratingsOf(u: number): UserRatings {
    const draws = new Draws(seedFor(this.seed, RATING_STAGE, u + 1));
    const items = this.pickMovies(u, draws).sort();
    const values = new Float32Array(items.length);
    const times = this.timesOf(u, items, draws);
    for (let j = 0; j < items.length; j++) {
      const raw = plantedRating(this.shape, this.catalogue, this.plans, u, items[j]!) + this.plans.noise[u]! * draws.normal();
      const half = times[j]! >= HALF_STARS_FROM && draws.chance(this.plans.halfStars[u]!);
      // Who uses half stars uses them as a value of their own: a half rating lands on the nearest x.5.
      values[j] = half ? Math.min(4.5, Math.max(0.5, Math.floor(raw) + 0.5)) : Math.min(5, Math.max(1, Math.round(raw)));
    }
    return { items, values, times };
  }

  private pickMovies(u: number, draws: Draws): Int32Array {
    const target = this.plans.ratings[u]!;
    const picked = new Int32Array(target);
    const mark = u + 1;
    let count = 0;
    for (let f = this.forcedRatings.offsets[u]!; f < this.forcedRatings.offsets[u + 1]! && count < target; f++) {
      const i = this.forcedRatings.items[f]!;
      this.stamp[i] = mark;
      picked[count++] = i;
    }
    const lastAt = this.plans.lastAt[u]!;
    for (let misses = 0; count < target;) {
      if (misses > 20 * target + 2000) return this.pickRest(u, picked, count, draws);
      const i = this.drawMovie(u, draws);
      if (this.stamp[i] === mark || this.catalogue.addedAt[i]! > lastAt || this.catalogue.rated[i] === 0) {
        misses++;
        continue;
      }
      this.stamp[i] = mark;
      picked[count++] = i;
    }
    return picked;
  }

  private drawMovie(u: number, draws: Draws): number {
    if (draws.uniform() >= POPULAR_PICKS) {
      let p = draws.uniform();
      for (let f = 0; f < FAVOURITES; f++) {
        p -= this.plans.favouriteShare[u * FAVOURITES + f]!;
        if (p < 0 || f === FAVOURITES - 1) {
          const g = this.plans.favourites[u * FAVOURITES + f]!;
          const table = this.groupTables[g];
          if (table) return this.groupItems[g]![table.draw(draws.uniform)]!;
          break;
        }
      }
    }
    return this.popular.draw(draws.uniform);
  }

  /** For the keenest users, who exhaust the popular movies: weighted sampling without replacement (Efraimidis-Spirakis). */
  private pickRest(u: number, picked: Int32Array, count: number, draws: Draws): Int32Array {
    const mark = u + 1;
    const lastAt = this.plans.lastAt[u]!;
    const open = indexesWhere(this.catalogue.size, (i) => this.stamp[i] !== mark && this.catalogue.rated[i] === 1 && this.catalogue.addedAt[i]! <= lastAt);
    const keys = new Map(open.map((i) => [i, Math.log(1 - draws.uniform()) / this.catalogue.weight[i]!]));
    open.sort((a, b) => keys.get(b)! - keys.get(a)!);
    for (const i of open.slice(0, picked.length - count)) {
      this.stamp[i] = mark;
      picked[count++] = i;
    }
    return picked.subarray(0, count);
  }

  /** Spreads the ratings over the user's sessions (never before a movie was added), seconds apart within one. */
  private timesOf(u: number, items: Int32Array, draws: Draws): Float64Array {
    const { starts, shares } = sessionsOf(this.shape, this.seed, u + 1, this.plans.activity[u]!);
    const cumulative = shares.map(
      (
        (sum) => (s: number) =>
          (sum += s)
      )(0),
    );
    const bySession: number[][] = starts.map(() => []);
    for (let j = 0; j < items.length; j++) {
      const addedAt = this.catalogue.addedAt[items[j]!]!;
      let k = 0;
      while (k < starts.length - 1 && starts[k]! < addedAt) k++;
      const from = k === 0 ? 0 : cumulative[k - 1]!;
      const p = from + draws.uniform() * (1 - from);
      while (k < starts.length - 1 && cumulative[k]! < p) k++;
      bySession[k]!.push(j);
    }
    const times = new Float64Array(items.length);
    bySession.forEach((js, s) => {
      let t = starts[s]!;
      for (let n = js.length - 1; n > 0; n--) {
        const m = draws.int(n + 1);
        [js[n], js[m]] = [js[m]!, js[n]!];
      }
      for (const j of js) {
        times[j] = Math.min(Math.floor(t), this.shape.end);
        t += Math.exp(Math.log(10) + 1.9 * draws.normal());
      }
    });
    return times;
  }

  /** The tag applications of user index `u`, given their ratings; sorted by movie. */
  tagsOf(u: number, ratings: UserRatings): TagApplication[] {
    const target = this.plans.tags[u]!;
    if (target === 0) return [];
    const draws = new Draws(seedFor(this.seed, RATING_STAGE + 100, u + 1));
    const out: TagApplication[] = [];
    const seen = new Set<string>();
    const add = (item: number, time: number, most = 4) => {
      const perMovie = Math.min(most, draws.chance(0.6) ? 1 : 2 + draws.int(3));
      for (let n = 0; n < perMovie && out.length < target; n++) {
        for (let attempt = 0; attempt < 8; attempt++) {
          const tag = this.tagText(item, draws, attempt);
          const key = `${item}\u0000${tag.toLowerCase()}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ item, tag, time: Math.min(this.shape.end, Math.floor(time + draws.exponential(40))) });
          break;
        }
      }
    };
    const sessions = sessionsOf(this.shape, this.seed, u + 1, this.plans.activity[u]!).starts;
    const anyTime = (item: number) => Math.max(this.catalogue.addedAt[item]!, draws.pick(sessions));
    for (let f = this.forcedTags.offsets[u]!; f < this.forcedTags.offsets[u + 1]!; f++) add(this.forcedTags.items[f]!, anyTime(this.forcedTags.items[f]!), 1);
    for (let guard = 0; out.length < target && guard < 50 * target; guard++) {
      if (ratings.items.length > 0 && draws.chance(0.75)) {
        const j = draws.int(ratings.items.length);
        if (draws.chance((ratings.values[j]! / 5) ** 2)) add(ratings.items[j]!, ratings.times[j]!);
      } else {
        const item = this.popular.draw(draws.uniform);
        if (this.catalogue.addedAt[item]! <= this.plans.lastAt[u]!) add(item, anyTime(item));
      }
    }
    return out.sort((a, b) => a.item - b.item);
  }

  private tagText(item: number, draws: Draws, attempt: number): string {
    const p = attempt > 2 ? 1 : draws.uniform();
    if (p < 0.2) return draws.pick(TASTE_GROUPS[this.catalogue.group[item]!]!.tags);
    if (p < 0.35) return COMMON_TAGS[this.commonTable.draw(draws.uniform)]!;
    return this.vocabulary[this.vocabularyTable.draw(draws.uniform)]!;
  }
}

function indexesWhere(n: number, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return out;
}
