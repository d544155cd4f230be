import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { WorkerRuntime, WorkerRuntimeOptions } from '../worker/runtime.ts';

/** What differs between the `tastebud worker` command and the playground's worker; the rest comes from config. */
export type WorkerProcessOverrides = Partial<Omit<WorkerRuntimeOptions, 'prisma' | 'databaseUrl' | 'redisUrl' | 'prefix' | 'logger'>>;

export interface WorkerProcessOptions {
  config: Config;
  logger: Logger;
  overrides?: WorkerProcessOverrides;
  /** Serve /metrics, /healthz and /readyz on config.workerMetricsPort. */
  observability?: boolean;
}

export interface WorkerProcess {
  runtime: WorkerRuntime;
  /** Stops taking jobs (waits for running ones unless `force`), then the metrics server and the database. */
  stop(force?: boolean): Promise<void>;
}

/**
 * Starts the worker process: checks the database first (failing in one line rather than half-started with
 * queues open), then the BullMQ workers and schedules of src/worker/runtime.ts and, if asked, the endpoints.
 */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const { config, logger } = options;
  const { requireDatabaseUrl } = await import('../config.ts');
  const { createPrisma, describeConnectionError } = await import('../db/client.ts');
  const { startWorkerRuntime } = await import('../worker/runtime.ts');
  const { deserializeModel } = await import('../model/embedding-model.ts');
  const { trainModel } = await import('../model/train.ts');
  const { createTitleEncoder } = await import('../embeddings/encoder.ts');
  const { createProviders } = await import('../providers/index.ts');
  const { PostgresResponseCache } = await import('../providers/cache.ts');
  const databaseUrl = requireDatabaseUrl(config);
  const prisma = createPrisma(databaseUrl);
  await prisma.$queryRaw`SELECT 1`.catch(async (error: unknown) => {
    await prisma.$disconnect();
    throw describeConnectionError(error, databaseUrl);
  });
  const runtime = await startWorkerRuntime({
    deserialize: deserializeModel,
    train: trainModel,
    backend: config.tfBackend,
    trainThreads: config.trainThreads,
    hnsw: config.hnsw,
    retrainCron: config.retrainCron,
    providers: createProviders(config.providers, { cache: new PostgresResponseCache(prisma) }),
    trendingRefreshCron: config.trendingRefresh.cron,
    trendingRefreshPages: config.trendingRefresh.pages,
    failedJobRetentionDays: config.failedJobRetentionDays,
    retention: { suggestionRetentionDays: config.suggestionRetentionDays, reconcileWindowDays: config.reconcileWindowDays },
    openEncoder: () => createTitleEncoder({ model: config.embeddings.model, modelsDir: config.embeddings.modelsDir, allowRemoteModels: config.embeddings.allowRemoteModels }),
    ...options.overrides,
    prisma,
    databaseUrl,
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    logger,
  }).catch(async (error: unknown) => {
    await prisma.$disconnect();
    throw error;
  });
  let server: { close(): Promise<unknown> } | undefined;
  if (options.observability) {
    const { startObservabilityServer, standardChecks } = await import('../observability/server.ts');
    server = await startObservabilityServer({
      port: config.workerMetricsPort,
      registry: runtime.metrics.registry,
      checks: standardChecks({ prisma, redis: runtime.redis, modelLoaded: () => runtime.serving.current() !== undefined }),
      logger,
    }).catch(async (error: unknown) => {
      await runtime.close(true);
      await prisma.$disconnect();
      throw error;
    });
  }
  return {
    runtime,
    async stop(force = false) {
      await runtime.close(force);
      await server?.close();
      await prisma.$disconnect();
    },
  };
}
