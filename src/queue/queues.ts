import { Queue, type JobsOptions, type KeepJobs } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE, userEmbeddingDedupId, type MovieNightJob, type ReindexJob, type RetrainJob, type TitleEmbeddingsJob, type UserEmbeddingJob } from './names.ts';

/** The producer side of every queue tastebud uses, on one Redis connection. */
export interface Queues {
  userEmbedding: Queue<UserEmbeddingJob>;
  retrain: Queue<RetrainJob>;
  reindex: Queue<ReindexJob>;
  titleEmbeddings: Queue<TitleEmbeddingsJob>;
  /** Movie night closes and rating prompts, delayed; the bot process runs them (src/bot/movienight.ts). */
  movieNight: Queue<MovieNightJob>;
  /** PINGs the queues' Redis connection (readiness checks); rejects when Redis does not answer in time. */
  ping(): Promise<string>;
  /** Closes the queues and the connection this module opened (not a connection passed in). */
  close(): Promise<void>;
}

/** FAILED_JOB_RETENTION_DAYS' default, for callers that do not pass the setting. */
export const DEFAULT_FAILED_JOB_RETENTION_DAYS = 14;

export interface QueuesOptions {
  /** FAILED_JOB_RETENTION_DAYS: failed jobs stay this long so an admin can see why (default 14, as in config). */
  failedJobRetentionDays?: number;
}

/**
 * The one retention of tastebud's jobs, whoever queues them (these producers, the worker's schedules and its
 * workers): completed jobs bounded by count (only /admin status reads them), failed ones by age so the reason
 * stays visible for the configured number of days.
 */
export function jobRetention(failedJobRetentionDays: number): { removeOnComplete: KeepJobs; removeOnFail: KeepJobs } {
  if (!Number.isFinite(failedJobRetentionDays) || failedJobRetentionDays < 0) {
    throw new RangeError(`failedJobRetentionDays must be a number of days >= 0, got ${failedJobRetentionDays}; check FAILED_JOB_RETENTION_DAYS.`);
  }
  return { removeOnComplete: { count: 200 }, removeOnFail: { age: Math.round(failedJobRetentionDays * 86_400) } };
}

/**
 * Opens the producer queues under `prefix` (QUEUE_PREFIX). Pass a Redis URL to let this module own the
 * connection, or an existing ioredis client to share one. The owned connection does not queue commands
 * while Redis is down, so callers fail fast (and the outbox keeps the work) instead of hanging.
 */
export function createQueues(redis: string | Redis, prefix: string, options: QueuesOptions = {}): Queues {
  const owned = typeof redis === 'string';
  const connection = owned ? new Redis(redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false }) : redis;
  // An unreachable Redis emits 'error' repeatedly; without a listener ioredis prints each one.
  if (owned) connection.on('error', () => {});
  const opts = { connection, prefix, defaultJobOptions: jobRetention(options.failedJobRetentionDays ?? DEFAULT_FAILED_JOB_RETENTION_DAYS) };
  const userEmbedding = new Queue<UserEmbeddingJob>(QUEUE.userEmbedding, opts);
  const retrain = new Queue<RetrainJob>(QUEUE.retrain, opts);
  const reindex = new Queue<ReindexJob>(QUEUE.reindex, opts);
  const titleEmbeddings = new Queue<TitleEmbeddingsJob>(QUEUE.titleEmbeddings, opts);
  const movieNight = new Queue<MovieNightJob>(QUEUE.movieNight, opts);
  const all = [userEmbedding, retrain, reindex, titleEmbeddings, movieNight];
  for (const queue of all) queue.on('error', () => {});
  return {
    userEmbedding,
    retrain,
    reindex,
    titleEmbeddings,
    movieNight,
    ping: () => withQueueTimeout('pinging Redis', connection.ping()),
    async close() {
      // close() waits for the connection; an unreachable Redis must not hang shutdown.
      await withQueueTimeout('closing the queues', Promise.all(all.map((q) => q.close())), 3_000).catch(() => {});
      if (owned) connection.disconnect();
    },
  };
}

/** Redis did not answer in time (it is probably down); the work is kept elsewhere or the caller retries. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/**
 * Runs a queue operation with a deadline: BullMQ waits for the connection indefinitely, but an
 * interaction (3 s) or an outbox round must not.
 */
export async function withQueueTimeout<T>(what: string, operation: Promise<T>, timeoutMs = 2_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`Redis did not answer within ${timeoutMs} ms while ${what}; is it running (REDIS_URL)?`)), timeoutMs);
  });
  operation.catch(() => {});
  try {
    return await Promise.race([operation, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long a rebuild waits before it runs. Changes that arrive meanwhile are absorbed by the waiting job (it
 * reads all ratings when it runs), so a member clicking through several suggestions costs one rebuild, not one
 * each; the freshness budget (p95 < 2 s) easily holds it.
 */
export const USER_EMBEDDING_DEBOUNCE_MS = 750;

/** Job options of a user-embedding job: deduplicated per user, and a change made while one runs still gets a rebuild. */
export function userEmbeddingJobOptions(userId: number): JobsOptions {
  return {
    deduplication: { id: userEmbeddingDedupId(userId), keepLastIfActive: true },
    delay: USER_EMBEDDING_DEBOUNCE_MS,
    attempts: 5,
    backoff: { type: 'exponential', delay: 2_000 },
  };
}

/** Queues a rebuild of one user's vector; returns the job id (the existing one when deduplicated). */
export async function enqueueUserEmbedding(queue: Queue<UserEmbeddingJob>, userId: number): Promise<string | undefined> {
  const job = await withQueueTimeout('queueing a user-embedding job', queue.add('rebuild', { userId }, userEmbeddingJobOptions(userId)));
  return job.id;
}

/** Queues a retrain; at most one waits at a time (a second request returns the waiting job's id). */
export async function enqueueRetrain(queue: Queue<RetrainJob>, requestedBy: string): Promise<string> {
  const job = await withQueueTimeout('queueing a retrain job', queue.add('retrain', { requestedBy }, { deduplication: { id: 'retrain' }, attempts: 1 }));
  if (!job.id) throw new Error('BullMQ returned a retrain job without an id.');
  return job.id;
}

/** Queues an index rebuild; at most one waits at a time. */
export async function enqueueReindex(queue: Queue<ReindexJob>, requestedBy: string): Promise<string> {
  const job = await withQueueTimeout('queueing a reindex job', queue.add('reindex', { requestedBy }, { deduplication: { id: 'reindex' }, attempts: 1 }));
  if (!job.id) throw new Error('BullMQ returned a reindex job without an id.');
  return job.id;
}

/** Queues embedding of new or changed titles; at most one waits at a time. */
export async function enqueueTitleEmbeddings(queue: Queue<TitleEmbeddingsJob>, requestedBy: string): Promise<string> {
  const job = await withQueueTimeout('queueing a title-embeddings job', queue.add('embed', { requestedBy }, { deduplication: { id: 'title-embeddings' }, attempts: 1 }));
  if (!job.id) throw new Error('BullMQ returned a title-embeddings job without an id.');
  return job.id;
}
