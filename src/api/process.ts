import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireDatabaseUrl, type Config } from '../config.ts';
import { createPrisma } from '../db/client.ts';
import { createLogger } from '../log.ts';
import { deserializeModel } from '../model/embedding-model.ts';
import { createLoopMetrics } from '../observability/metrics.ts';
import { OutboxDispatcher, queueSink } from '../queue/outbox.ts';
import { createQueues } from '../queue/queues.ts';
import { createServingModel } from '../serving/serving-model.ts';
import { defaultOnlineReport } from './dashboard/online-source.ts';
import { keyDirectory } from './keys.ts';
import { buildApiServer } from './server.ts';

/** A running API process: call stop() once to close the port and every connection. */
export interface RunningApi {
  port: number;
  stop(): Promise<void>;
}

/**
 * The `tastebud api` process: the serving holder (hot-swapped on promotions, as the bot's), an outbox
 * dispatcher for the ratings it stores, the loop metrics registry, and the Fastify app on API_PORT.
 */
export async function startApiProcess(config: Config): Promise<RunningApi> {
  const logger = createLogger(config, 'tastebud-api');
  const prisma = createPrisma(requireDatabaseUrl(config));
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis error'));
  const queues = createQueues(config.redisUrl, config.queuePrefix, { failedJobRetentionDays: config.failedJobRetentionDays });
  const serving = createServingModel({ prisma, redisUrl: config.redisUrl, prefix: config.queuePrefix, deserialize: deserializeModel, logger: logger.child({ component: 'serving' }), ef: config.hnsw.ef });
  const metrics = createLoopMetrics({ labels: { service: 'api' } });
  serving.onSwap((snapshot) => metrics.activeModelVersion.set(snapshot.versionId));
  const dispatcher = new OutboxDispatcher({ prisma, sink: queueSink(queues), logger });
  try {
    await serving.start();
  } catch (error) {
    // Answers fall back to popular titles until a version loads; the periodic check keeps trying.
    logger.warn({ err: error }, 'could not load the active model at start; serving popular titles meanwhile');
  }
  dispatcher.start();
  const app = await buildApiServer({
    prisma,
    serving,
    keys: keyDirectory(prisma, config.api.keys),
    queues,
    redis,
    registry: metrics.registry,
    logger,
    ratingsChanged: () => dispatcher.kick(),
    settings: { corsOrigins: config.api.corsOrigins, rateLimit: config.api.rateLimit, bodyLimitBytes: config.api.bodyLimitBytes, prefix: config.queuePrefix, trustProxy: config.api.trustProxy },
    dashboard: {
      sessionSecret: dashboardSessionSecret(config, logger),
      sessionHours: config.api.dashboardSessionHours,
      onlineReport: defaultOnlineReport(prisma),
    },
  });
  await app.listen({ port: config.api.port, host: config.api.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  logger.info({ port }, 'HTTP API listening');
  return {
    port,
    async stop() {
      await app.close();
      await dispatcher.stop();
      await serving.stop();
      await queues.close();
      redis.disconnect();
      await prisma.$disconnect();
    },
  };
}

/** DASHBOARD_SESSION_SECRET, or a random one for this start (with a warning: restarts then end every dashboard session). */
function dashboardSessionSecret(config: Config, logger: { warn(message: string): void }): string {
  if (config.api.dashboardSessionSecret) return config.api.dashboardSessionSecret;
  logger.warn('DASHBOARD_SESSION_SECRET is not set: using a random one until this process stops, so a restart logs dashboard users out; set DASHBOARD_SESSION_SECRET (32+ characters) to keep sessions across restarts and API processes');
  return randomBytes(32).toString('base64url');
}
