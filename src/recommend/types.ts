import type { Rating } from '../model/types.ts';

/** What the recommender needs to know about a title to filter, diversify and explain. */
export interface TitleInfo {
  id: number;
  name: string;
  year: number | null;
  genres: readonly string[];
  /** movie, show, game, book or music. */
  kind: string;
  ratingCount: number;
  ratingMean: number | null;
}

/** Title metadata held in memory, so recommending never waits on the database. */
export interface CatalogSource {
  get(titleId: number): TitleInfo | undefined;
  /** Every title, in no particular order. */
  all(): readonly TitleInfo[];
}

/** One rating as the recommender reads it. */
export type RatedTitle = Pick<Rating, 'titleId' | 'value' | 'ratedAt'>;

/** A user vector saved by an earlier run, reused when it is still current. */
export interface StoredUserVector {
  versionId: number;
  vector: Float32Array;
  /** Number of ratings it was computed from; a different count means it is stale. */
  ratingsCount: number;
}

/** Everything about one user that recommending needs. */
export interface UserHistory {
  userId: number;
  ratings: readonly RatedTitle[];
  /** Titles the user marked "not interested". */
  hidden: readonly number[];
  storedVector?: StoredUserVector;
}

/** Looks users up by database id; undefined for an unknown user. */
export interface UserSource {
  history(userId: number): Promise<UserHistory | undefined>;
}

/** Options of one recommendation request. */
export interface RecommendOptions {
  count: number;
  /** Only titles of this kind (movie, show, ...). */
  kind?: string;
  /** Only titles carrying this genre (case-insensitive). */
  genre?: string;
}

/** One suggested title with why it was suggested. */
export interface Recommendation {
  titleId: number;
  name: string;
  year: number | null;
  genres: readonly string[];
  kind: string;
  /** Model score (inner product of user and title vectors); popularity score for users without ratings. */
  score: number;
  /** Short, human-readable reason, e.g. "because you liked Heat (1995)". */
  reason: string;
  /** The liked title the reason names, when it names one. */
  becauseTitleId?: number;
}

/** A title near another one in the model's space. */
export interface SimilarTitle {
  titleId: number;
  name: string;
  year: number | null;
  genres: readonly string[];
  kind: string;
  /** The model's title-title score (inner product) relative to the title's score with itself; the list is ranked by it. */
  similarity: number;
}

/** A user or title id that does not exist (or is not in the loaded model). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly entity: 'user' | 'title',
    readonly id: number | string,
    message: string,
  ) {
    super(message);
  }
}

/** "Heat (1995)", or just the name when the year is unknown. */
export function displayName(title: Pick<TitleInfo, 'name' | 'year'>): string {
  return title.year ? `${title.name} (${title.year})` : title.name;
}
