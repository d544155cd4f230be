import type { KeepJobs } from 'bullmq';
import type { TrainOptions } from '../model/train.ts';
import { QUEUE, type PruneJob, type ReindexJob, type RetrainJob, type TitleEmbeddingsJob, type UserEmbeddingJob } from '../queue/names.ts';

/** Every queue the worker consumes. */
export const WORKER_QUEUES = [QUEUE.userEmbedding, QUEUE.retrain, QUEUE.reindex, QUEUE.titleEmbeddings, QUEUE.prune] as const;
export type WorkerQueueName = (typeof WORKER_QUEUES)[number];

/** Retrain payload: the shared {@link RetrainJob} plus optional overrides (tests, benchmarks, admin tuning). */
export interface RetrainJobData extends RetrainJob {
  /** Training options over {@link defaultTrainOptions}. */
  train?: Partial<Omit<TrainOptions, 'backend'>>;
  /** Share of (user, title) pairs in the promotion gate's hash hold-out (default 0.1; see src/model/README.md, "Promotion"). */
  validationFraction?: number;
  /** Seed of that hold-out's hash (default 42). Changing either narrows the next comparison to pairs both rules hold out. */
  seed?: number;
}

export type { PruneJob, ReindexJob, TitleEmbeddingsJob, UserEmbeddingJob };

/** Id of the job scheduler that queues the nightly retrain. */
export const RETRAIN_SCHEDULER_ID = 'retrain-cron';

/** Id of the job scheduler that queues the retention prune. */
export const PRUNE_SCHEDULER_ID = 'prune-every';

/** How often the worker prunes (6 hours): retention is counted in days, and each run deletes in small batches. */
export const PRUNE_EVERY_MS = 6 * 3_600_000;

/**
 * Retention of jobs this module queues itself (the scheduled retrain, title embeddings): failed jobs
 * are kept for `failedJobRetentionDays` so an admin can see why.
 */
export function retentionOptions(failedJobRetentionDays: number): { removeOnComplete: KeepJobs; removeOnFail: KeepJobs } {
  return { removeOnComplete: { count: 200 }, removeOnFail: { age: failedJobRetentionDays * 86_400 } };
}
