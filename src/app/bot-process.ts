import type { BotAdminActions } from '../admin/admin-service.ts';
import type { Bot, BotDependencies } from '../bot/bot.ts';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { Queues } from '../queue/queues.ts';
import type { ServingModel } from '../serving/serving-model.ts';

/*
 * src/app: one module per process (start, ready, stop), shared by the CLI commands, `tastebud try` and the
 * tests' process helpers. It may import any domain folder and the bot; nothing but src/cli and src/try
 * imports it.
 */

export interface BotProcessOptions {
  config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'failedJobRetentionDays' | 'hnsw' | 'metricsPort'>;
  /** What the bot itself reads (the Discord connection, rate limits); `tastebud try` points it at the emulator. */
  botConfig: BotDependencies['config'];
  /** The database; the process disconnects it at stop when `ownsPrisma` is true. */
  prisma: PrismaClient;
  ownsPrisma: boolean;
  logger: Logger;
  /** The /admin actions over the process's queues and serving model (default {@link createAdminActions}). */
  admin?: (deps: { queues: Queues; serving: ServingModel }) => BotAdminActions;
  /** How often the serving model checks the active version besides the Redis announcements (default 60 s). */
  servingPollMs?: number;
  /**
   * When set, a serving model that cannot start (Redis or PostgreSQL not there yet) is retried this often
   * while members get popular titles; otherwise start() fails.
   */
  servingRetryMs?: number;
  /** Serve /metrics, /healthz and /readyz on config.metricsPort (run without them if the port is taken). */
  observability?: boolean;
  outboxIntervalMs?: number;
  /** The catalogue providers members' searches fall back to (none: local catalogue only). */
  providers?: BotDependencies['providers'];
}

export interface BotProcess {
  bot: Bot;
  queues: Queues;
  serving: ServingModel;
  /** Stops in order: the bot (handlers in flight), the serving model, the metrics server, the queues, the database. */
  stop(): Promise<void>;
}

/**
 * Starts the bot process: the producer queues, the hot-swapping serving model (loaded before the bot takes
 * interactions, so the first /recommend is personal), the observability endpoints and the bot. Resolves once
 * the bot is logged in; on a failed start everything already open is stopped again.
 */
export async function startBotProcess(options: BotProcessOptions): Promise<BotProcess> {
  const { config, prisma, logger } = options;
  const { createQueues } = await import('../queue/queues.ts');
  const { createBot } = await import('../bot/bot.ts');
  const { catalogTitleSearch, servingRecommender } = await import('../bot/adapters.ts');
  const { createAdminActions } = await import('../admin/admin-service.ts');
  const { deserializeModel } = await import('../model/embedding-model.ts');
  const { createServingModel } = await import('../serving/serving-model.ts');
  const queues = createQueues(config.redisUrl, config.queuePrefix, { failedJobRetentionDays: config.failedJobRetentionDays });
  const serving = createServingModel({
    prisma,
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    deserialize: deserializeModel,
    logger: logger.child({ component: 'serving' }),
    ef: config.hnsw.ef,
    ...(options.servingPollMs !== undefined ? { pollIntervalMs: options.servingPollMs } : {}),
  });
  const admin = options.admin ? options.admin({ queues, serving }) : createAdminActions(prisma, queues, { logger: logger.child({ component: 'admin' }) });
  const bot = createBot({
    config: options.botConfig,
    prisma,
    queues,
    logger,
    search: catalogTitleSearch(prisma),
    recommender: servingRecommender(prisma, serving),
    admin,
    ...(options.outboxIntervalMs !== undefined ? { outboxIntervalMs: options.outboxIntervalMs } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
  });
  let server: { close(): Promise<unknown> | unknown } | undefined;
  const retry = startServingWithRetry(serving, logger, options.servingRetryMs);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      retry.cancel();
      const step = async (what: string, run: () => Promise<unknown>) => {
        try {
          await run();
        } catch (error) {
          logger.error({ err: error }, `error while stopping: ${what}`);
        }
      };
      await step('the bot', () => bot.stop());
      await step('the serving model', () => serving.stop());
      await step('the metrics server', async () => server?.close());
      await step('the queues', () => queues.close());
      if (options.ownsPrisma) await step('the database', () => prisma.$disconnect());
    })());
  try {
    await retry.first;
    if (options.observability) server = await startObservability(options, queues, serving);
    await bot.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { bot, queues, serving, stop };
}

/** The first start of the serving model; with `retryMs`, a failure is logged and retried until cancel(). */
function startServingWithRetry(serving: ServingModel, logger: Logger, retryMs: number | undefined): { first: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const attempt = async (): Promise<void> => {
    if (retryMs === undefined) return serving.start();
    try {
      await serving.start();
    } catch (error) {
      // Redis (the change channel) or PostgreSQL is not there yet: serve popular titles meanwhile and retry.
      logger.warn({ err: error }, `could not load the active model or subscribe to model changes; retrying in ${retryMs / 1000} s`);
      await serving.stop().catch(() => undefined);
      if (!cancelled) timer = setTimeout(() => void attempt(), retryMs);
    }
  };
  return {
    first: attempt(),
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}

/** /metrics, /healthz and /readyz; a taken port is logged and the bot runs without them. */
async function startObservability(options: BotProcessOptions, queues: Queues, serving: ServingModel) {
  const { startServiceObservability } = await import('../observability/server.ts');
  const { logger, prisma, config } = options;
  const started = await startServiceObservability({ port: config.metricsPort, prisma, redis: queues, serving, logger }).catch((error: unknown) => {
    // Discord members matter more than scrapes: run without the endpoints and say why, loudly.
    logger.error({ err: error, port: config.metricsPort }, 'could not serve /metrics, /healthz and /readyz (is METRICS_PORT taken?); running without them');
    return undefined;
  });
  return started?.server;
}
