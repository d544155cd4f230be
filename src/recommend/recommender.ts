import type { TitleIndex } from '../index/title-index.ts';
import type { TrainedModel } from '../model/types.ts';
import { audienceOf, blendWithPopularity, CROSS_KIND_POPULARITY_WEIGHT, type BlendedCandidate, type KindCandidate } from './cross-kind.ts';
import { DEFAULT_POPULARITY_PRIOR, popularTitles } from './popular.ts';
import { checkCount, matchGenre } from './request.ts';
import {
  displayName,
  NotFoundError,
  type CatalogSource,
  type RatedTitle,
  type Recommendation,
  type RecommendOptions,
  type SimilarTitle,
  type TitleInfo,
  type UserHistory,
  type UserSource,
} from './types.ts';

/** Tuning knobs of the recommender; every one has a default. */
export interface RecommenderSettings {
  /** Candidates fetched from the index per title asked for, before reranking (default 5, at least 50). */
  overFetch: number;
  /** Weight of variety against model score when reranking, 0 (score only) to 1 (default 0.2). */
  diversity: number;
  /** Ratings this close to the user's newest one count as "recent" (default 180 days). */
  recentWindowDays: number;
  /** Share of the user vector taken from recent ratings alone, so tastes can drift (default 0.35). */
  recentWeight: number;
  /** Fewer recent ratings than this are too few to steer the vector (default 3). */
  minRecentRatings: number;
  /** A rating at or above this (and the user's own mean) counts as "liked" for reasons (default 3.5). */
  likedThreshold: number;
  /** Minimum cosine between a suggestion and a liked title to name that title as the reason (default 0.3). */
  reasonSimilarity: number;
  /** Pseudo-ratings at the global mean when ranking popular titles, so a few 5-star ratings do not win (default 20). */
  popularityPrior: number;
  /** Largest count a request may ask for (default 100). */
  maxCount: number;
  /** A kind/genre filter leaving at most this many titles is answered by an exact scan (default 1000). */
  exactScanLimit: number;
  /** For a kind the user rated nothing of: the share of popularity-in-kind in the ranking (src/recommend/cross-kind.ts). */
  crossKindPopularityWeight: number;
}

export const defaultRecommenderSettings: RecommenderSettings = {
  overFetch: 5,
  diversity: 0.2,
  recentWindowDays: 180,
  recentWeight: 0.35,
  minRecentRatings: 3,
  likedThreshold: 3.5,
  reasonSimilarity: 0.3,
  popularityPrior: DEFAULT_POPULARITY_PRIOR,
  maxCount: 100,
  exactScanLimit: 1000,
  crossKindPopularityWeight: CROSS_KIND_POPULARITY_WEIGHT,
};

/** What the recommender reads; all of it is in memory except the user source. */
export interface RecommenderSources {
  model: Pick<TrainedModel, 'dimension' | 'userVector'>;
  /** Title vectors of the same model version. */
  index: TitleIndex;
  catalog: CatalogSource;
  users: UserSource;
  /** The model version, to tell whether a stored user vector is current. */
  versionId?: number;
  settings?: Partial<RecommenderSettings>;
}

const DAY_MS = 86_400_000;
const MIN_CANDIDATES = 50;
/** Reasons look among the user's most recent liked titles only; older likes rarely explain today's picks. */
const MAX_REASON_TITLES = 100;

/**
 * Personal recommendations and similar titles from one model version. Pure: the model, index,
 * catalog and user source are passed in, so it runs the same in the bot, the CLI and tests.
 */
export class Recommender {
  readonly settings: RecommenderSettings;
  private readonly model: RecommenderSources['model'];
  private readonly index: TitleIndex;
  private readonly catalog: CatalogSource;
  private readonly users: UserSource;
  private readonly versionId: number | undefined;
  private genres: string[] | undefined;
  private byGenre: Map<string, number[]> | undefined;
  private byKind: Map<string, number[]> | undefined;

  constructor(sources: RecommenderSources) {
    if (sources.index.dimension !== sources.model.dimension) {
      throw new RangeError(`Index dimension ${sources.index.dimension} does not match model dimension ${sources.model.dimension}.`);
    }
    this.model = sources.model;
    this.index = sources.index;
    this.catalog = sources.catalog;
    this.users = sources.users;
    this.versionId = sources.versionId;
    this.settings = { ...defaultRecommenderSettings, ...sources.settings };
  }

  /** Recommendations for a user by database id; throws {@link NotFoundError} for an unknown user. */
  async recommend(userId: number, options: RecommendOptions): Promise<Recommendation[]> {
    const history = await this.users.history(userId);
    if (!history) throw new NotFoundError('user', userId, `No user with id ${userId}.`);
    return this.recommendFor(history, options);
  }

  /**
   * Recommendations for a user whose history is already loaded: candidates from the index around the
   * user vector, minus rated, hidden and off-filter titles, reranked for a little variety, each with a
   * reason. Users without usable ratings get popular titles across genres.
   */
  recommendFor(history: UserHistory, options: RecommendOptions): Recommendation[] {
    return this.recommendPrefix(history, options, options.count).items;
  }

  /**
   * The first `first` titles of the list {@link recommendFor} gives for `options.count`, and that list's length,
   * without ranking (or explaining) the rest: the rerank picks greedily from one candidate pool sized by
   * `options.count`, so stopping early yields exactly the full list's start. The HTTP API pages through a
   * 100-title list this way at the cost of the page it serves.
   */
  recommendPrefix(history: UserHistory, options: RecommendOptions, first: number): { items: Recommendation[]; total: number } {
    const count = this.checkCount(options.count);
    const { matches, subset } = this.filterFor(options);
    const excluded = new Set(history.hidden);
    for (const r of history.ratings) excluded.add(r.titleId);
    const allowed = (titleId: number) => !excluded.has(titleId) && matches(titleId);

    const known = history.ratings.filter((r) => this.index.has(r.titleId));
    const vector = known.length > 0 ? this.userVector({ ...history, ratings: known }) : undefined;
    if (!vector || isZero(vector)) {
      const popular = this.popular(count, allowed);
      return { items: popular.slice(0, first), total: popular.length };
    }

    const wanted = Math.max(count * this.settings.overFetch, MIN_CANDIDATES);
    // A kind the user rated nothing of is ranked by their taste in other kinds (through the titles' text-side
    // vectors) blended with what is popular in that kind.
    const crossKind = options.kind !== undefined && subset !== undefined && !known.some((r) => this.catalog.get(r.titleId)?.kind === options.kind);
    const blended = crossKind ? this.crossKindCandidates(vector, subset, allowed, wanted) : undefined;
    const candidates = blended ?? this.candidates(vector, wanted, allowed, subset);
    const chosen = this.rerank(candidates, Math.min(count, Math.max(0, first)));
    const explain = blended ? this.crossKindExplainer(known, options.kind!, blended) : this.explainer(known);
    const items = chosen.map(({ titleId, score }) => {
      const title = this.catalog.get(titleId)!;
      return { ...describe(title), score, ...explain(title) };
    });
    return { items, total: Math.min(count, candidates.length) };
  }

  /**
   * The user's vector: the model's fold-in of all ratings (or the stored one, when it was computed by
   * this version from the same number of ratings), mixed with the fold-in of the recent ratings alone so
   * recent tastes weigh more than old ones. "Recent" is measured from the user's newest rating, so a
   * user who pauses for a year keeps their profile.
   */
  userVector(history: Pick<UserHistory, 'ratings' | 'storedVector'>): Float32Array {
    const { ratings, storedVector } = history;
    const stored =
      storedVector && storedVector.versionId === this.versionId && storedVector.ratingsCount === ratings.length && storedVector.vector.length === this.model.dimension
        ? storedVector.vector
        : undefined;
    const all = stored ?? this.model.userVector(ratings);
    if (ratings.length === 0) return all;
    let newest = -Infinity;
    for (const r of ratings) newest = Math.max(newest, r.ratedAt);
    const since = newest - this.settings.recentWindowDays * DAY_MS;
    const recent = ratings.filter((r) => r.ratedAt >= since);
    if (recent.length < this.settings.minRecentRatings || recent.length === ratings.length) return all;
    const recentVector = this.model.userVector(recent);
    const w = this.settings.recentWeight;
    const mixed = new Float32Array(all.length);
    for (let i = 0; i < all.length; i++) mixed[i] = (1 - w) * all[i]! + w * recentVector[i]!;
    return mixed;
  }

  /**
   * The titles nearest to one title in the model's space, excluding the title itself: ranked by the inner
   * product of title vectors (the model's title-title weight), with `similarity` that score relative to the
   * title's score with itself. A title nobody rated still has a vector from its text, so it gets neighbours too.
   */
  similar(titleId: number, count: number): SimilarTitle[] {
    const wanted = this.checkCount(count);
    const title = this.catalog.get(titleId);
    if (!title) throw new NotFoundError('title', titleId, `No title with id ${titleId}.`);
    const vector = this.index.vectorOf(titleId);
    if (!vector) {
      throw new NotFoundError('title', titleId, `${displayName(title)} (id ${titleId}) is not in the loaded model; it was added after training and appears once the model is retrained.`);
    }
    const length = this.index.normOf(titleId)!;
    const allowed = (id: number) => id !== titleId && this.catalog.get(id) !== undefined;
    // Ranked by the model's own title-title score (inner product), not cosine: cosine lifts titles rated by one
    // or two people who happened to rate this one too ("Villain (1971)" next to The Godfather).
    // The index returns them best first (ties by id).
    return this.candidates(vector, wanted, allowed).map(({ titleId: id, score }) => {
      const { titleId: _, ...rest } = describe(this.catalog.get(id)!);
      return { titleId: id, ...rest, similarity: score / (length * length || 1) };
    });
  }

  /** A title's vector in this model version (group ranking scores members against it); undefined when it is newer than the model. */
  titleVector(titleId: number): Float32Array | undefined {
    return this.index.vectorOf(titleId);
  }

  /** Popular titles spread over genres: the one definition of popular ({@link popularTitles}), over this catalogue. */
  popular(count: number, allowed: (titleId: number) => boolean = () => true): Recommendation[] {
    return popularTitles(this.catalog, count, allowed, { prior: this.settings.popularityPrior });
  }

  /**
   * The best `wanted` allowed titles by inner product: an exact scan when a kind/genre filter leaves few
   * titles (where a filtered graph search would wander far), else a filtered graph search. Measured on
   * 9.7k titles: a filtered search for 80 costs about half of an unfiltered one for 400 filtered here.
   */
  private candidates(vector: Float32Array, wanted: number, allowed: (titleId: number) => boolean, subset?: readonly number[]): { titleId: number; score: number }[] {
    if (subset && subset.length <= this.settings.exactScanLimit) return this.index.exactSearchAmong(vector, subset, wanted, allowed);
    return this.index.search(vector, wanted, allowed);
  }

  /**
   * Candidates for a kind the user rated nothing of: every allowed title of the subset scored by the model, blended
   * with popularity in the kind ({@link blendWithPopularity}), the best `wanted`. One pass over the kind's titles
   * (titles x dimension multiply-adds, not timed here), since popularity can lift titles the index search would not
   * reach. `score` is then the blended, standardised score, not an inner product.
   */
  private crossKindCandidates(vector: Float32Array, subset: readonly number[], allowed: (titleId: number) => boolean, wanted: number): BlendedCandidate[] {
    const offered: KindCandidate[] = [];
    for (const titleId of subset) {
      const title = this.catalog.get(titleId);
      const titleVector = this.index.vectorOf(titleId);
      if (!title || !titleVector || !allowed(titleId)) continue;
      let score = 0;
      for (let i = 0; i < vector.length; i++) score += vector[i]! * titleVector[i]!;
      offered.push({ titleId, score, ratingCount: title.ratingCount });
    }
    return blendWithPopularity(offered, this.settings.crossKindPopularityWeight).slice(0, wanted);
  }

  /** Maximal marginal relevance: each pick trades model score against likeness to the picks before it. */
  private rerank(candidates: { titleId: number; score: number }[], count: number): { titleId: number; score: number }[] {
    if (candidates.length <= 1) return candidates.slice(0, count);
    const top = candidates[0]!.score;
    const bottom = candidates[candidates.length - 1]!.score;
    const spread = top - bottom || 1;
    const pool = candidates.map((c) => {
      const vector = this.index.vectorOf(c.titleId)!;
      return { ...c, relevance: (c.score - bottom) / spread, vector, length: this.index.normOf(c.titleId)!, genres: this.catalog.get(c.titleId)!.genres };
    });
    const closest = new Float64Array(pool.length);
    const chosen: typeof pool = [];
    const lambda = 1 - this.settings.diversity;
    while (chosen.length < count && pool.length > 0) {
      let best = 0;
      let bestValue = -Infinity;
      for (let i = 0; i < pool.length; i++) {
        const value = lambda * pool[i]!.relevance - (1 - lambda) * closest[i]!;
        if (value > bestValue) {
          bestValue = value;
          best = i;
        }
      }
      const pick = pool[best]!;
      chosen.push(pick);
      pool.splice(best, 1);
      closest.copyWithin(best, best + 1);
      for (let i = 0; i < pool.length; i++) {
        const other = pool[i]!;
        const likeness = 0.5 * Math.max(0, cosine(pick.vector, pick.length, other.vector, other.length)) + 0.5 * jaccard(pick.genres, other.genres);
        if (likeness > closest[i]!) closest[i] = likeness;
      }
    }
    return chosen.map(({ titleId, score }) => ({ titleId, score }));
  }

  /** Builds the "because you liked ..." function for one user's ratings. */
  private explainer(ratings: readonly RatedTitle[]): (title: TitleInfo) => { reason: string; becauseTitleId?: number } {
    const mean = ratings.reduce((sum, r) => sum + r.value, 0) / ratings.length;
    const threshold = Math.max(this.settings.likedThreshold, Math.min(mean, 4.5));
    const likedRatings = ratings
      .filter((r) => r.value >= threshold && this.catalog.get(r.titleId))
      .sort((a, b) => b.ratedAt - a.ratedAt)
      .slice(0, MAX_REASON_TITLES);
    const liked = likedRatings.map((r) => ({ title: this.catalog.get(r.titleId)!, vector: this.index.vectorOf(r.titleId)!, length: this.index.normOf(r.titleId)! }));
    const genreCounts = new Map<string, number>();
    for (const { title } of liked) for (const g of title.genres) genreCounts.set(g, (genreCounts.get(g) ?? 0) + 1);
    return (title) => {
      const vector = this.index.vectorOf(title.id)!;
      const length = this.index.normOf(title.id)!;
      let best: (typeof liked)[number] | undefined;
      let bestSimilarity = this.settings.reasonSimilarity;
      // Most recent first, so ties go to what the user liked lately.
      for (const candidate of liked) {
        const similarity = cosine(vector, length, candidate.vector, candidate.length);
        if (similarity > bestSimilarity) {
          bestSimilarity = similarity;
          best = candidate;
        }
      }
      if (best) return { reason: `because you liked ${displayName(best.title)}`, becauseTitleId: best.title.id };
      const genre = title.genres.filter((g) => (genreCounts.get(g) ?? 0) > 0 && !g.startsWith('(')).sort((a, b) => genreCounts.get(b)! - genreCounts.get(a)!)[0];
      return { reason: genre ? `because you like ${genre}` : 'matches your ratings overall' };
    };
  }

  /**
   * Reasons for a kind the user rated nothing of: they say the pick comes from the user's taste in the kinds they
   * did rate, matched by what the title is about (its text), naming the closest liked title when one is close.
   */
  private crossKindExplainer(ratings: readonly RatedTitle[], kind: string, blended: readonly BlendedCandidate[]): (title: TitleInfo) => { reason: string; becauseTitleId?: number } {
    const inner = this.explainer(ratings);
    const rated = [...new Set(ratings.map((r) => this.catalog.get(r.titleId)?.kind).filter((k): k is string => k !== undefined))].sort();
    const taste = `your taste in ${rated.map(pluralKind).join(' and ') || 'what you rated'}`;
    const why = new Map(blended.map((b) => [b.titleId, b]));
    return (title) => {
      const because = inner(title);
      // Honest about what put it here: popularity in the kind, closeness to the member's taste, or both.
      const b = why.get(title.id);
      const popular = `popular among ${audienceOf(kind)}`;
      const fit = b?.byPopularity ? (b.closeToTaste ? `${popular} and close to ${taste}` : popular) : `its description fits ${taste}`;
      const lead = `you have rated no ${pluralKind(kind)} yet: ${fit}`;
      if (because.becauseTitleId === undefined) return { reason: lead };
      return { reason: `${lead} (${because.reason})`, becauseTitleId: because.becauseTitleId };
    };
  }

  /** The kind/genre test for a request, and the titles it can pass when a filter narrows them down. */
  private filterFor(options: RecommendOptions): { matches: (titleId: number) => boolean; subset?: readonly number[] } {
    const kind = options.kind;
    let genre: string | undefined;
    if (options.genre !== undefined) genre = matchGenre(options.genre, this.knownGenres());
    const matches = (titleId: number) => {
      const title = this.catalog.get(titleId);
      if (!title) return false;
      if (kind !== undefined && title.kind !== kind) return false;
      if (genre !== undefined && !title.genres.includes(genre)) return false;
      return true;
    };
    if (kind === undefined && genre === undefined) return { matches };
    this.groupTitles();
    const byKind = kind === undefined ? undefined : (this.byKind!.get(kind) ?? []);
    const byGenre = genre === undefined ? undefined : (this.byGenre!.get(genre) ?? []);
    const subset = byKind && byGenre ? (byKind.length < byGenre.length ? byKind : byGenre) : (byKind ?? byGenre);
    return subset ? { matches, subset } : { matches };
  }

  private groupTitles(): void {
    if (this.byKind && this.byGenre) return;
    this.byKind = new Map();
    this.byGenre = new Map();
    for (const title of this.catalog.all()) {
      if (!this.index.has(title.id)) continue;
      const ofKind = this.byKind.get(title.kind) ?? [];
      ofKind.push(title.id);
      this.byKind.set(title.kind, ofKind);
      for (const g of title.genres) {
        const list = this.byGenre.get(g) ?? [];
        list.push(title.id);
        this.byGenre.set(g, list);
      }
    }
  }

  private knownGenres(): readonly string[] {
    this.genres ??= [...new Set(this.catalog.all().flatMap((title) => title.genres))];
    return this.genres;
  }

  /** Counts from 1 to {@link RecommenderSettings.maxCount}; an input error outside. */
  private checkCount(count: number): number {
    return checkCount(count, { min: 1, max: this.settings.maxCount });
  }
}

/** "movies", "books", "music". */
function pluralKind(kind: string): string {
  return kind === 'music' ? 'music' : `${kind}s`;
}

function describe(title: TitleInfo): Pick<Recommendation, 'titleId' | 'name' | 'year' | 'genres' | 'kind'> {
  return { titleId: title.id, name: title.name, year: title.year, genres: title.genres, kind: title.kind };
}

function isZero(vector: Float32Array): boolean {
  return vector.every((v) => v === 0);
}

/** Float32Array arguments only, so the hot loop sees one array type. */
function cosine(a: Float32Array, aLength: number, b: Float32Array, bLength: number): number {
  if (aLength === 0 || bLength === 0) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (aLength * bLength);
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.includes(g)) shared++;
  return shared / (a.length + b.length - shared);
}
