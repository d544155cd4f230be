import type { GroupCandidate, GroupStrategy } from '../groups/rank.ts';
/** What the bot needs from the rest of tastebud, as small interfaces so commands are testable. */

/** A title as commands show it. */
export interface TitleSummary {
  id: number;
  name: string;
  year: number | null;
  genres: readonly string[];
  kind: string;
  ratingCount: number;
  ratingMean: number | null;
}

/** Title search for autocomplete and for resolving typed titles. */
export interface TitleSearch {
  /** Best matches first; an empty query returns well-known titles. */
  search(query: string, options: { kind?: string | undefined; limit: number }): Promise<TitleSummary[]>;
  get(titleId: number): Promise<TitleSummary | undefined>;
}

/** One suggested title with its reason. */
export interface SuggestedTitle extends TitleSummary {
  reason: string;
}

/** What /recommend and /onboard get back. */
export interface SuggestionBatch {
  titles: SuggestedTitle[];
  /** The model version that chose them; null for popularity picks without a model. */
  modelVersionId: number | null;
  /** False when the member has no usable ratings and got popular titles instead. */
  personal: boolean;
  /** How long ranking the batch took (ms), stored with each suggestion for the online report; set by /recommend. */
  latencyMs?: number;
}

/** A title close to another one. */
export interface SimilarTitleResult extends TitleSummary {
  similarity: number;
}

/**
 * What /similar gets back: neighbours in the model's space, or by the titles' text embeddings when no model
 * covers the title (none trained yet, or the title came after the training), or `none` when neither exists.
 */
export type SimilarAnswer = { basis: 'model' | 'text'; titles: SimilarTitleResult[] } | { basis: 'none' };

/** A request's genre/kind filter against the catalogue: how many titles match, and how many of them the member rated or hid. */
export interface CatalogueCoverage {
  titles: number;
  ratedOrHidden: number;
}

/** One title proposed for a group: the catalogue summary and the group ranking's verdict (src/groups). */
export interface GroupSuggestedTitle extends TitleSummary {
  candidate: GroupCandidate;
}

export interface GroupRequest {
  /** The participants: Discord id (the ranking's member id), database id, display name. */
  members: { discordId: string; userId: number; name: string }[];
  count: number;
  genre?: string | undefined;
  kind?: string | undefined;
  strategy: GroupStrategy;
  /** Allow titles a participant rated (hidden ones stay out). */
  includeSeen: boolean;
  /** For 'fair': Discord id → recent nights won by that member's favourite. */
  fairHistory: ReadonlyMap<string, number>;
}

/** Recommendations for Discord members (by database user id; undefined for a member never seen). */
export interface BotRecommender {
  recommend(userId: number | undefined, options: { count: number; genre?: string | undefined; kind?: string | undefined }): Promise<SuggestionBatch>;
  /** Well-known, varied titles the member has not rated or hidden. */
  onboarding(userId: number | undefined, count: number): Promise<SuggestionBatch>;
  similar(titleId: number, count: number): Promise<SimilarAnswer>;
  /** Every genre of the catalogue, for autocomplete. */
  genres(): Promise<string[]>;
  /** The kinds (movie, show, ...) that have titles in the catalogue. */
  kinds(): Promise<string[]>;
  coverage(userId: number | undefined, filter: { genre?: string | undefined; kind?: string | undefined }): Promise<CatalogueCoverage>;
  /** Titles for a group (/movienight); absent in recommenders that do not rank for groups. */
  forGroup?(request: GroupRequest): Promise<GroupSuggestedTitle[]>;
}
