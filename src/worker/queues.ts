import { QUEUE } from '../queue/names.ts';

/** Every queue the worker consumes. */
export const WORKER_QUEUES = [QUEUE.userEmbedding, QUEUE.retrain, QUEUE.reindex, QUEUE.titleEmbeddings, QUEUE.prune, QUEUE.trendingRefresh] as const;
export type WorkerQueueName = (typeof WORKER_QUEUES)[number];

/** Id of the job scheduler that queues the nightly retrain. */
export const RETRAIN_SCHEDULER_ID = 'retrain-cron';

/** Id of the job scheduler that queues the retention prune. */
export const PRUNE_SCHEDULER_ID = 'prune-every';

/** How often the worker prunes (6 hours): retention is counted in days, and each run deletes in small batches. */
export const PRUNE_EVERY_MS = 6 * 3_600_000;

/** Id of the job scheduler that queues the daily trending refresh (TRENDING_REFRESH_CRON). */
export const TRENDING_SCHEDULER_ID = 'trending-refresh-cron';
