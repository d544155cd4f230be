import { Queue, Worker, type Job, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import { rebuildUserVector } from '../../jobs/user-embedding.ts';
import { runRetrain, type Trainer } from '../../jobs/retrain.ts';
import { rebuildActiveIndex } from '../../jobs/reindex.ts';
import { embedChangedTitles } from '../../jobs/title-embeddings.ts';
import { pruneRetention, type PruneSettings } from '../../jobs/prune.ts';
import { canRefreshTrending, refreshTrending } from '../../jobs/refresh-trending.ts';
import type { PrismaClient } from '../db/client.ts';
import type { TitleEncoder } from '../embeddings/encoder.ts';
import type { TitleIndexOptions } from '../index/title-index.ts';
import type { Logger } from '../log.ts';
import type { DeserializeModel } from '../model-store/store.ts';
import type { BackendPreference } from '../model/backend.ts';
import { createLoopMetrics, type LoopMetrics } from '../observability/metrics.ts';
import type { Providers } from '../providers/index.ts';
import { QUEUE, type PruneJob, type RetrainJobData, type TitleEmbeddingsJob, type TrendingRefreshJob, type UserEmbeddingJob } from '../queue/names.ts';
import { jobRetention } from '../queue/queues.ts';
import { publishModelChange } from '../serving/publish.ts';
import { createServingModel, type ServingModel } from '../serving/serving-model.ts';
import { PRUNE_SCHEDULER_ID, RETRAIN_SCHEDULER_ID, TRENDING_SCHEDULER_ID, WORKER_QUEUES, type WorkerQueueName } from './queues.ts';

/** Lock lifetime of training jobs: an epoch can keep the event loop busy (no lock renewal) for minutes on a busy machine. */
export const TRAINING_LOCK_MS = 10 * 60_000;

export interface WorkerRuntimeOptions {
  prisma: PrismaClient;
  databaseUrl: string;
  redisUrl: string;
  /** QUEUE_PREFIX: BullMQ key prefix and model-change channel prefix. */
  prefix: string;
  logger: Logger;
  deserialize: DeserializeModel;
  train: Trainer;
  backend: BackendPreference;
  /** TRAIN_THREADS: threads for the retrain's sparse passes (default 1). */
  trainThreads?: number;
  hnsw: TitleIndexOptions;
  /** RETRAIN_CRON; null leaves the schedule as it is (tests). */
  retrainCron: string | null;
  /** FAILED_JOB_RETENTION_DAYS. */
  failedJobRetentionDays: number;
  /** SUGGESTION_RETENTION_DAYS and RECONCILE_WINDOW_DAYS for the prune job (default 180 and 14, as in config). */
  retention?: PruneSettings;
  /** Period of the scheduled prune (PRUNE_EVERY_MS in production); null or absent leaves the schedule as it is (tests). */
  pruneEveryMs?: number | null;
  /** The catalogue providers the trending refresh imports from (none: the refresh is off). */
  providers?: Providers;
  /** TRENDING_REFRESH_CRON; null or absent leaves the schedule as it is (tests). Off while no provider has a list. */
  trendingRefreshCron?: string | null;
  /** TRENDING_REFRESH_PAGES (default 1). */
  trendingRefreshPages?: number;
  /** Queues this process consumes (default all), so hosts can specialise. */
  queues?: readonly WorkerQueueName[];
  /** Rebuilds of different users run side by side (default 4); retrain and reindex always run one at a time. */
  userEmbeddingConcurrency?: number;
  /**
   * How long a job's lock lives without renewal before another worker may treat it as stalled. Training blocks
   * the event loop for whole epochs on the wasm/cpu backends, so retrain and reindex default to
   * {@link TRAINING_LOCK_MS}; user-embedding keeps BullMQ's 30 s.
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (BullMQ default 30 s). */
  stalledIntervalMs?: number;
  openEncoder?: () => Promise<TitleEncoder>;
  metrics?: LoopMetrics;
  /** A serving holder to reuse (else one is created and owned). */
  serving?: ServingModel;
}

/** A running worker process: BullMQ workers, the schedule, the served model and the metrics. */
export interface WorkerRuntime {
  workers: ReadonlyMap<WorkerQueueName, Worker>;
  /** Producer handles of the same queues (depth metrics, the schedule, tests). */
  queues: ReadonlyMap<WorkerQueueName, Queue>;
  serving: ServingModel;
  metrics: LoopMetrics;
  /** The shared Redis connection (also used for readiness pings and publishing). */
  redis: Redis;
  /**
   * Stops taking jobs and waits for running ones to finish (BullMQ worker.close()); with `force`, does not
   * wait, so running jobs stall and are retried by another worker. Then closes every connection it opened.
   */
  close(force?: boolean): Promise<void>;
}

/**
 * Starts BullMQ workers for the learning loop's queues: user-embedding (rebuild one user's vector),
 * retrain (train, compare, promote or reject), reindex (rebuild the active index), title-embeddings and prune
 * (retention). Registers the nightly retrain and the periodic prune as BullMQ job schedulers, loads the active model for user rebuilds and
 * keeps it current through the model-change channel.
 */
export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { prisma, logger, prefix } = options;
  const metrics = options.metrics ?? createLoopMetrics();
  const wanted = new Set(options.queues ?? WORKER_QUEUES);
  // BullMQ workers need maxRetriesPerRequest null: their blocking commands must wait out reconnects.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis connection error'));
  const ownsServing = !options.serving;
  const serving =
    options.serving ?? createServingModel({ prisma, redisUrl: options.redisUrl, prefix, deserialize: options.deserialize, logger: logger.child({ component: 'serving' }), ef: options.hnsw.ef ?? 100 });
  serving.onSwap((snapshot) => metrics.activeModelVersion.set(snapshot.versionId));
  const queues = openQueues(redis, prefix, logger);
  metrics.watchQueues([...queues.values()]);
  const processors = jobProcessors(options, serving, redis);

  // Load the model before taking user-embedding jobs, so the first ones do not skip for lack of it.
  await serving.start();
  const loaded = serving.current();
  if (loaded) metrics.activeModelVersion.set(loaded.versionId);

  const workers = new Map<WorkerQueueName, Worker>();
  for (const name of WORKER_QUEUES) if (wanted.has(name)) workers.set(name, startWorker(name, processors[name], redis, metrics, options));
  await Promise.all([...workers.values()].map((w) => w.waitUntilReady()));
  await registerSchedulers(queues, wanted, options);
  logger.info({ queues: [...workers.keys()], prefix }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    workers,
    queues,
    serving,
    metrics,
    redis,
    close(force = false) {
      closing ??= (async () => {
        logger.info({ force }, 'worker stopping');
        await Promise.all([...workers.values()].map((w) => w.close(force)));
        await Promise.all([...queues.values()].map((q) => q.close()));
        if (ownsServing) await serving.stop();
        await redis.quit().catch(() => redis.disconnect());
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}

/** Producer handles of every worker queue, this process consuming them or not (depth metrics, the schedule). */
function openQueues(redis: Redis, prefix: string, logger: Logger): Map<WorkerQueueName, Queue> {
  const queues = new Map<WorkerQueueName, Queue>();
  for (const name of WORKER_QUEUES) {
    const queue = new Queue(name, { connection: redis, prefix });
    queue.on('error', (error: Error) => logger.warn({ err: error, queue: name }, 'queue error'));
    queues.set(name, queue);
  }
  return queues;
}

/** What each queue's jobs do: the jobs/ entry points, given this process's database, model and logger. */
function jobProcessors(options: WorkerRuntimeOptions, serving: ServingModel, redis: Redis): Record<WorkerQueueName, Processor> {
  const { prisma, logger, prefix } = options;
  const publish = async (versionId: number, kind: 'promote' | 'reindex') => {
    const receivers = await publishModelChange(redis, prefix, versionId, kind);
    logger.info({ versionId, kind, receivers }, 'model change published');
  };
  return {
    [QUEUE.userEmbedding]: async (job: Job<UserEmbeddingJob>) => rebuildUserVector({ prisma, serving, logger: jobLogger(logger, job) }, job.data.userId),
    [QUEUE.retrain]: async (job: Job<RetrainJobData>) =>
      runRetrain(
        {
          prisma,
          databaseUrl: options.databaseUrl,
          deserialize: options.deserialize,
          train: options.train,
          backend: options.backend,
          ...(options.trainThreads === undefined ? {} : { trainThreads: options.trainThreads }),
          hnsw: options.hnsw,
          publish: (versionId) => publish(versionId, 'promote'),
          progress: (progress) => job.updateProgress(progress),
          logger: jobLogger(logger, job),
        },
        job.data,
      ),
    [QUEUE.reindex]: async (job: Job) =>
      rebuildActiveIndex({
        prisma,
        hnsw: options.hnsw,
        publish: (versionId) => publish(versionId, 'reindex'),
        progress: (percent) => job.updateProgress(percent),
        logger: jobLogger(logger, job),
      }),
    [QUEUE.titleEmbeddings]: async (job: Job<TitleEmbeddingsJob>) => {
      const openEncoder = options.openEncoder;
      if (!openEncoder) throw new Error('This worker has no title encoder configured; run the title-embeddings queue on a host with EMBEDDING_MODEL available.');
      return embedChangedTitles({ prisma, openEncoder, progress: (percent) => job.updateProgress(percent), logger: jobLogger(logger, job) });
    },
    [QUEUE.prune]: async (job: Job<PruneJob>) => pruneRetention({ prisma, logger: jobLogger(logger, job) }, options.retention ?? { suggestionRetentionDays: 180, reconcileWindowDays: 14 }),
    [QUEUE.trendingRefresh]: async (job: Job<TrendingRefreshJob>) => {
      if (!options.providers) throw new Error('This worker has no catalogue providers configured; set TMDB_TOKEN (or another provider) for the trending refresh.');
      return refreshTrending({ prisma, providers: options.providers, logger: jobLogger(logger, job) }, { pages: options.trendingRefreshPages });
    },
  };
}

/** A BullMQ worker for one queue, its jobs counted in the metrics and logged. */
function startWorker(name: WorkerQueueName, processor: Processor, redis: Redis, metrics: LoopMetrics, options: WorkerRuntimeOptions): Worker {
  const { logger } = options;
  const retention = jobRetention(options.failedJobRetentionDays);
  const worker = new Worker(
    name,
    async (job: Job) => {
      const done = metrics.startJob(name);
      jobLogger(logger, job).info({ data: job.data }, 'job started');
      try {
        const result: unknown = await processor(job);
        done('completed');
        return result;
      } catch (error) {
        done('failed');
        throw error;
      }
    },
    {
      connection: redis,
      prefix: options.prefix,
      concurrency: name === QUEUE.userEmbedding ? (options.userEmbeddingConcurrency ?? 4) : 1,
      removeOnComplete: retention.removeOnComplete,
      removeOnFail: retention.removeOnFail,
      lockDuration: options.lockDurationMs ?? (name === QUEUE.userEmbedding ? 30_000 : TRAINING_LOCK_MS),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
    },
  );
  worker.on('completed', (job, result) => jobLogger(logger, job).info({ result }, 'job completed'));
  worker.on('failed', (job, error) => (job ? jobLogger(logger, job) : logger).error({ err: error, attemptsMade: job?.attemptsMade }, 'job failed'));
  worker.on('stalled', (jobId) => logger.warn({ jobId, queue: name }, 'job stalled (its worker died or blocked); it will be retried or failed'));
  worker.on('error', (error) => logger.error({ err: error, queue: name }, 'worker error'));
  return worker;
}

/** The nightly retrain, the periodic prune and the trending refresh as BullMQ job schedulers, for the queues this process consumes. */
async function registerSchedulers(queues: ReadonlyMap<WorkerQueueName, Queue>, wanted: ReadonlySet<WorkerQueueName>, options: WorkerRuntimeOptions): Promise<void> {
  const { logger } = options;
  const retention = jobRetention(options.failedJobRetentionDays);
  if (options.retrainCron !== null && wanted.has(QUEUE.retrain)) {
    await queues
      .get(QUEUE.retrain)!
      .upsertJobScheduler(
        RETRAIN_SCHEDULER_ID,
        { pattern: options.retrainCron },
        { name: 'retrain', data: { requestedBy: 'cron' } satisfies RetrainJobData, opts: { attempts: 2, backoff: { type: 'exponential', delay: 60_000 }, ...retention } },
      );
    logger.info({ cron: options.retrainCron }, 'retrain scheduled');
  }
  if (options.pruneEveryMs != null && wanted.has(QUEUE.prune)) {
    await queues
      .get(QUEUE.prune)!
      .upsertJobScheduler(
        PRUNE_SCHEDULER_ID,
        { every: options.pruneEveryMs },
        { name: 'prune', data: { requestedBy: 'schedule' } satisfies PruneJob, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, ...retention } },
      );
    logger.info({ everyMs: options.pruneEveryMs }, 'prune scheduled');
  }
  if (options.trendingRefreshCron != null && wanted.has(QUEUE.trendingRefresh)) await scheduleTrendingRefresh(queues.get(QUEUE.trendingRefresh)!, options, logger);
}

/** The daily trending refresh as a job scheduler; removed again when no provider it could read is on. */
async function scheduleTrendingRefresh(queue: Queue, options: WorkerRuntimeOptions, logger: Logger): Promise<void> {
  if (!canRefreshTrending(options.providers)) {
    await queue.removeJobScheduler(TRENDING_SCHEDULER_ID);
    logger.info('trending refresh off: no catalogue provider with a trending or popular list is on');
    return;
  }
  const retention = jobRetention(options.failedJobRetentionDays);
  await queue.upsertJobScheduler(
    TRENDING_SCHEDULER_ID,
    { pattern: options.trendingRefreshCron! },
    { name: 'trending-refresh', data: { requestedBy: 'cron' } satisfies TrendingRefreshJob, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, ...retention } },
  );
  logger.info({ cron: options.trendingRefreshCron }, 'trending refresh scheduled');
}

function jobLogger(logger: Logger, job: Job): Logger {
  return logger.child({ queue: job.queueName, jobId: job.id, attempt: job.attemptsMade + 1 });
}
