import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE, userEmbeddingDedupId, type ReindexJob, type RetrainJob, type UserEmbeddingJob } from './names.ts';

/** The producer side of every queue tastebud uses, on one Redis connection. */
export interface Queues {
  userEmbedding: Queue<UserEmbeddingJob>;
  retrain: Queue<RetrainJob>;
  reindex: Queue<ReindexJob>;
  /** Closes the queues and the connection this module opened (not a connection passed in). */
  close(): Promise<void>;
}

/** Finished jobs kept for /admin status and debugging, bounded so Redis does not grow. */
const KEEP = { removeOnComplete: { count: 200 }, removeOnFail: { count: 500 } } as const;

/**
 * Opens the producer queues under `prefix` (QUEUE_PREFIX). Pass a Redis URL to let this module own the
 * connection, or an existing ioredis client to share one. The owned connection does not queue commands
 * while Redis is down, so callers fail fast (and the outbox keeps the work) instead of hanging.
 */
export function createQueues(redis: string | Redis, prefix: string): Queues {
  const owned = typeof redis === 'string';
  const connection = owned ? new Redis(redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false }) : redis;
  // An unreachable Redis emits 'error' repeatedly; without a listener ioredis prints each one.
  if (owned) connection.on('error', () => {});
  const opts = { connection, prefix, defaultJobOptions: KEEP };
  const userEmbedding = new Queue<UserEmbeddingJob>(QUEUE.userEmbedding, opts);
  const retrain = new Queue<RetrainJob>(QUEUE.retrain, opts);
  const reindex = new Queue<ReindexJob>(QUEUE.reindex, opts);
  for (const queue of [userEmbedding, retrain, reindex]) queue.on('error', () => {});
  return {
    userEmbedding,
    retrain,
    reindex,
    async close() {
      // close() waits for the connection; an unreachable Redis must not hang shutdown.
      await withQueueTimeout('closing the queues', Promise.all([userEmbedding.close(), retrain.close(), reindex.close()]), 3_000).catch(() => {});
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

/** Job options of a user-embedding job: deduplicated per user, and a change made while one runs still gets a rebuild. */
export function userEmbeddingJobOptions(userId: number): JobsOptions {
  return { deduplication: { id: userEmbeddingDedupId(userId), keepLastIfActive: true }, attempts: 5, backoff: { type: 'exponential', delay: 2_000 } };
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
