import type { TrainOptions } from '../model/options.ts';

/** BullMQ queue names shared by producers (bot, outbox dispatcher) and the workers. */
export const QUEUE = {
  /** Rebuild one user's vector after their ratings changed; payload {@link UserEmbeddingJob}. */
  userEmbedding: 'user-embedding',
  /** Train a new model version; payload {@link RetrainJob}. */
  retrain: 'retrain',
  /** Rebuild the title index of the active version; payload {@link ReindexJob}. */
  reindex: 'reindex',
  /** Embed new or changed titles for the catalogue's text index; payload {@link TitleEmbeddingsJob}. */
  titleEmbeddings: 'title-embeddings',
  /** Delete delivered outbox events and old unreacted suggestion records (jobs/prune.ts); payload {@link PruneJob}. */
  prune: 'prune',
  /**
   * Close a movie night's vote at its time, and ask for ratings after it (payload {@link MovieNightJob}). The bot
   * process runs these, not the worker: they post to Discord and edit its scheduled event, and only the bot holds a
   * Discord connection.
   */
  movieNight: 'movie-night',
  /** Import what is trending at the catalogue providers (jobs/refresh-trending.ts); payload {@link TrendingRefreshJob}. */
  trendingRefresh: 'trending-refresh',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export interface UserEmbeddingJob {
  /** Database id of the user (users.id). */
  userId: number;
}

export interface RetrainJob {
  /** Discord id of the admin who asked, or "cron"/"cli". */
  requestedBy: string;
}

/** Retrain payload: the shared {@link RetrainJob} plus optional overrides (tests, benchmarks, admin tuning). */
export interface RetrainJobData extends RetrainJob {
  /** Training options over the trainer's defaults (src/model/options.ts). */
  train?: Partial<Omit<TrainOptions, 'backend'>>;
  /** Share of (user, title) pairs in the promotion gate's hash hold-out (default 0.1; see src/model/README.md, "Promotion"). */
  validationFraction?: number;
  /** Seed of that hold-out's hash (default 42). Changing either narrows the next comparison to pairs both rules hold out. */
  seed?: number;
}

export interface ReindexJob {
  requestedBy: string;
}

export interface TitleEmbeddingsJob {
  requestedBy: string;
}

export interface MovieNightJob {
  kind: 'close' | 'rate';
  nightId: number;
}

export interface PruneJob {
  requestedBy: string;
}

export interface TrendingRefreshJob {
  requestedBy: string;
}

/** The deduplication id of a user's embedding job: at most one waiting job per user. */
export function userEmbeddingDedupId(userId: number): string {
  return `user:${userId}`;
}

/** Outbox event kinds and the queue each one goes to. */
export const OUTBOX_KIND = {
  userEmbedding: 'user-embedding',
} as const;
