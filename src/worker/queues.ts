import { QUEUE } from '../queue/names.ts';

/** Every queue the worker consumes. */
export const WORKER_QUEUES = [QUEUE.userEmbedding, QUEUE.retrain, QUEUE.reindex, QUEUE.titleEmbeddings, QUEUE.prune] as const;
export type WorkerQueueName = (typeof WORKER_QUEUES)[number];

/** Id of the job scheduler that queues the nightly retrain. */
export const RETRAIN_SCHEDULER_ID = 'retrain-cron';

/** Id of the job scheduler that queues the retention prune. */
export const PRUNE_SCHEDULER_ID = 'prune-every';

/** How often the worker prunes (6 hours): retention is counted in days, and each run deletes in small batches. */
export const PRUNE_EVERY_MS = 6 * 3_600_000;
