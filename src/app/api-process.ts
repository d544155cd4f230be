import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/**
 * The environment the API process runs best in; docker-compose.yml's api service sets exactly these (checked by
 * test/integration/deploy/compose.test.ts) and bench/api-load.ts starts the API with them. Measured with that
 * benchmark (BENCHMARKS.md, HTTP API memory): without them the process peaked at 524 MB RSS, with them at 305.
 * - MALLOC_MMAP_THRESHOLD_: glibc otherwise raises its mmap threshold after each large free, so the megabyte-sized
 *   buffers of module compilation, the model load (artifact slices) and big query results are carved from the heap
 *   and left there as fragments; a fixed 128 KiB threshold maps and unmaps them whole (about 80 MB less RSS).
 * - --max-old-space-size=192: the live V8 heap is about 72 MB after a full GC (ml-latest-small), but under load V8
 *   let the heap grow to 196 MB of mostly garbage before collecting; 192 MB keeps 2.5x the live heap as room (a much
 *   larger catalogue needs it raised: API_NODE_OPTIONS in compose) while bounding the lag.
 */
export const API_PROCESS_ENVIRONMENT = { MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-old-space-size=192' } as const;

export interface ApiProcessOptions {
  config: Config;
  logger: Logger;
}

export interface ApiProcess {
  /** The port it listens on (API_PORT, or the one the system chose for API_PORT=0). */
  port: number;
  /** Closes the port and every connection, then the dispatcher, the serving model, the queues, Redis and the database. */
  stop(): Promise<void>;
}

/**
 * Starts the `tastebud api` process: checks the database first (failing in one line rather than half-started),
 * then the serving holder (hot-swapped on promotions, as the bot's), an outbox dispatcher for the ratings it
 * stores, the loop metrics registry, and the Fastify app of src/api on API_PORT. On a failed start everything
 * already open is closed again.
 */
export async function startApiProcess(options: ApiProcessOptions): Promise<ApiProcess> {
  const { config, logger } = options;
  const { requireDatabaseUrl } = await import('../config.ts');
  const { createPrisma, describeConnectionError } = await import('../db/client.ts');
  const databaseUrl = requireDatabaseUrl(config);
  // Prisma runs over this pool; the per-request history stamp runs on it too, as a prepared statement.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: databaseUrl });
  const prisma = createPrisma(databaseUrl, pool);
  await prisma.$queryRaw`SELECT 1`.catch(async (error: unknown) => {
    await prisma.$disconnect();
    throw describeConnectionError(error, databaseUrl);
  });
  const opened: { name: string; close: () => Promise<unknown> }[] = [{ name: 'the database', close: () => prisma.$disconnect() }];
  const closeAll = async () => {
    for (const { name, close } of opened.reverse()) {
      await close().catch((error: unknown) => logger.error({ err: error }, `error while stopping: ${name}`));
    }
    opened.length = 0;
  };
  try {
    const port = await startServing(options, { prisma, pool }, opened);
    let stopping: Promise<void> | undefined;
    return { port, stop: () => (stopping ??= closeAll()) };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Everything after the database check; each part opened is pushed on `opened`, to be closed in reverse. */
async function startServing(
  options: ApiProcessOptions,
  database: { prisma: import('../db/client.ts').PrismaClient; pool: import('pg').Pool },
  opened: { name: string; close: () => Promise<unknown> }[],
): Promise<number> {
  const { config, logger } = options;
  const { prisma, pool } = database;
  const { Redis } = await import('ioredis');
  const { deserializeModel } = await import('../model/embedding-model.ts'); // not model/index.ts: it pulls in TensorFlow.js (~46 MB) for training only
  const { createLoopMetrics } = await import('../observability/metrics.ts');
  const { OutboxDispatcher, queueSink } = await import('../queue/outbox.ts');
  const { createQueues } = await import('../queue/queues.ts');
  const { createServingModel } = await import('../serving/serving-model.ts');
  const { defaultOnlineReport } = await import('../api/dashboard/online-source.ts');
  const { keyDirectory } = await import('../api/keys.ts');
  const { buildApiServer } = await import('../api/server.ts');

  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis error'));
  opened.push({ name: 'Redis', close: async () => redis.disconnect() });
  const queues = createQueues(config.redisUrl, config.queuePrefix, { failedJobRetentionDays: config.failedJobRetentionDays });
  opened.push({ name: 'the queues', close: () => queues.close() });
  const serving = createServingModel({
    prisma,
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    deserialize: deserializeModel,
    logger: logger.child({ component: 'serving' }),
    ef: config.hnsw.ef,
  });
  opened.push({ name: 'the serving model', close: () => serving.stop() });
  const metrics = createLoopMetrics({ labels: { service: 'api' } });
  serving.onSwap((snapshot) => metrics.activeModelVersion.set(snapshot.versionId));
  try {
    await serving.start();
  } catch (error) {
    // Answers fall back to popular titles until a version loads; the periodic check keeps trying.
    logger.warn({ err: error }, 'could not load the active model at start; serving popular titles meanwhile');
  }
  const dispatcher = new OutboxDispatcher({ prisma, sink: queueSink(queues), logger });
  dispatcher.start();
  opened.push({ name: 'the outbox dispatcher', close: () => dispatcher.stop() });
  const app = await buildApiServer({
    prisma,
    pool,
    serving,
    keys: keyDirectory(prisma, config.api.keys),
    queues,
    redis,
    registry: metrics.registry,
    logger,
    ratingsChanged: () => dispatcher.kick(),
    settings: { corsOrigins: config.api.corsOrigins, rateLimit: config.api.rateLimit, bodyLimitBytes: config.api.bodyLimitBytes, prefix: config.queuePrefix, trustProxy: config.api.trustProxy },
    dashboard: { sessionSecret: await dashboardSessionSecret(config, logger), sessionHours: config.api.dashboardSessionHours, onlineReport: defaultOnlineReport(prisma) },
  });
  opened.push({ name: 'the HTTP server', close: () => app.close() });
  await app.listen({ port: config.api.port, host: config.api.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  logger.info({ port }, 'HTTP API listening');
  return port;
}

/** DASHBOARD_SESSION_SECRET, or a random one for this start (with a warning: restarts then end every dashboard session). */
async function dashboardSessionSecret(config: Config, logger: Logger): Promise<string> {
  if (config.api.dashboardSessionSecret) return config.api.dashboardSessionSecret;
  logger.warn(
    'DASHBOARD_SESSION_SECRET is not set: using a random one until this process stops, so a restart logs dashboard users out; set DASHBOARD_SESSION_SECRET (32+ characters) to keep sessions across restarts and API processes',
  );
  const { randomBytes } = await import('node:crypto');
  return randomBytes(32).toString('base64url');
}
