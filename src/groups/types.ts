/**
 * The data of group recommendations (movie night): what the bot passes in and gets back. No logic here;
 * rank.ts ranks, strategies.ts aggregates, explain.ts writes the reason line and fit bar.
 */

export const GROUP_STRATEGIES = ['average-without-misery', 'least-misery', 'average', 'fair'] as const;
export type GroupStrategy = (typeof GROUP_STRATEGIES)[number];
export const DEFAULT_GROUP_STRATEGY: GroupStrategy = 'average-without-misery';

/** How many candidates a night may put to the vote. */
export const MIN_GROUP_COUNT = 3;
export const MAX_GROUP_COUNT = 8;

/** A title a member loved (rated 5), named in the reason line when it resembles a candidate. */
export interface LovedTitle {
  titleId: number;
  /** As members see it, e.g. "Heat (1995)"; escaped when shown. */
  name: string;
  /** For the genre-overlap likeness used when the input has no `similarity`. */
  genres?: readonly string[];
}

export interface GroupMember {
  /** Any stable id (the bot uses the Discord user id); unique within a group. */
  id: string;
  /** Raw display name; the reason line escapes it with the `escape` function of the input. */
  displayName: string;
  /** The member's vector from the serving model (Recommender.userVector); null when they have no usable ratings. */
  vector: Float32Array | null;
  /** Titles the member rated 5, most recent first (for the reason line). */
  lovedTitles?: readonly LovedTitle[];
}

export interface CandidateTitle {
  titleId: number;
  name: string;
  genres: readonly string[];
  /** Any popularity score, higher is more popular (popularityOrder's); orders titles when nobody has ratings. */
  popularity: number;
}

/** The model's score of a title for a member (dot product of vectors); undefined when the title has no vector. */
export type GroupPredictor = (member: GroupMember, titleId: number) => number | undefined;

/** Tuning of the aggregation; see README.md for how the defaults were chosen. */
export interface GroupSettings {
  /** A member "is predicted to dislike" a title below this percentile of their own scores over the pool. */
  miseryPercentile: number;
  /** At or above this percentile a title is a good fit for the member (🟩, counted in "fits N of M"). */
  goodPercentile: number;
  /** Minimum genre/vector likeness between a loved title and a candidate to name it in the reason line. */
  reasonSimilarity: number;
}

export const defaultGroupSettings: GroupSettings = {
  miseryPercentile: 0.9,
  goodPercentile: 0.99,
  reasonSimilarity: 0.3,
};

export interface GroupRankInput {
  members: readonly GroupMember[];
  /**
   * Every title the night may pick from (the catalogue after kind/genre filters). Scores are normalised per
   * member over this pool, so pass the whole eligible catalogue, not a short list.
   */
  candidates: readonly CandidateTitle[];
  predict: GroupPredictor;
  /** Default 'average-without-misery'. */
  strategy?: GroupStrategy;
  /** 3 to 8. */
  count: number;
  /** Titles any participant has rated; left out unless `includeSeen`. */
  seenTitleIds?: Iterable<number>;
  /** Titles any participant marked "not interested"; always left out. */
  hiddenTitleIds?: Iterable<number>;
  /** Allow re-watches: titles a participant rated may be picked (hidden ones still may not). */
  includeSeen?: boolean;
  /** For 'fair': member id → how many recent nights were won by that member's favourite. */
  fairHistory?: ReadonlyMap<string, number>;
  /** Makes member and title names safe for Discord Markdown (the bot passes quoteUserText / memberName's escaping). */
  escape: (text: string) => string;
  /** Likeness of two titles in [0, 1] for the reason line (e.g. cosine of title vectors); genre overlap when absent. */
  similarity?: (a: number, b: number) => number;
  settings?: Partial<GroupSettings>;
}

export type MemberFit = 'good' | 'ok' | 'poor';

export interface MemberPrediction {
  memberId: string;
  /** The member's percentile of this title among the pool, 0 (their last) to 1 (their first); 0.5 for neutral members. */
  predicted: number;
  fit: MemberFit;
}

export interface GroupCandidate {
  titleId: number;
  /** The strategy's aggregate of the members' percentiles, 0 to 1 (popularity percentile when nobody has ratings). */
  groupScore: number;
  perMember: MemberPrediction[];
  /** One line, Markdown-safe, e.g. "fits 4 of 5 of you; Ana and Bo loved Heat (1995)". */
  reason: string;
  /** Members with no ratings: counted as neutral (no say in the ranking); the bot tells them to /onboard. */
  neutralMembers: string[];
}

/** Input the ranking cannot use; the message says what to change. */
export class GroupInputError extends Error {
  override name = 'GroupInputError';
}
