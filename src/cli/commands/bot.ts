import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('bot')
    .description('Run the Discord bot (registers guild commands at start when DISCORD_GUILD_ID is set) with /metrics, /healthz and /readyz on METRICS_PORT')
    .action(async () => {
      const { loadConfig, requireDatabaseUrl, requireDiscord } = await import('../../config.ts');
      const { createLogger } = await import('../../log.ts');
      const { createPrisma } = await import('../../db/client.ts');
      const { createQueues } = await import('../../queue/queues.ts');
      const { createBot } = await import('../../bot/bot.ts');
      const { createProviders } = await import('../../providers/index.ts');
      const { PostgresResponseCache } = await import('../../providers/cache.ts');
      const { catalogTitleSearch, servingRecommender } = await import('../../bot/adapters.ts');
      const { createAdminActions } = await import('../../bot/admin-service.ts');
      const { deserializeDae } = await import('../../model/dae-model.ts');
      const { createServingModel } = await import('../../serving/serving-model.ts');
      const { startServiceObservability } = await import('../../observability/server.ts');
      const config = loadConfig();
      requireDiscord(config);
      const logger = createLogger(config, 'tastebud-bot');
      process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
      process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
      const prisma = createPrisma(requireDatabaseUrl(config));
      const queues = createQueues(config.redisUrl, config.queuePrefix, { failedJobRetentionDays: config.failedJobRetentionDays });
      const serving = createServingModel({
        prisma,
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        deserialize: deserializeDae,
        logger: logger.child({ component: 'serving' }),
        ef: config.hnsw.ef,
      });
      const bot = createBot({
        config,
        prisma,
        queues,
        logger,
        search: catalogTitleSearch(prisma),
        recommender: servingRecommender(prisma, serving),
        admin: createAdminActions(prisma, queues, { logger: logger.child({ component: 'admin' }) }),
        providers: createProviders(config.providers, { cache: new PostgresResponseCache(prisma) }),
      });
      let observability: Awaited<ReturnType<typeof startServiceObservability>> | undefined;
      let stopping: Promise<void> | undefined;
      const shutdown = (signal: string) => {
        stopping ??= (async () => {
          logger.info({ signal }, 'stopping');
          clearTimeout(retryServing);
          const step = async (what: string, run: () => Promise<unknown>) => {
            try {
              await run();
            } catch (error) {
              logger.error({ err: error }, `error while stopping: ${what}`);
            }
          };
          await step('the bot', () => bot.stop());
          await step('the serving model', () => serving.stop());
          await step('the metrics server', async () => observability?.server.close());
          await step('the queues', () => queues.close());
          await step('the database', () => prisma.$disconnect());
          logger.info('stopped');
        })();
        return stopping;
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      let retryServing: NodeJS.Timeout | undefined;
      const startServing = async (): Promise<void> => {
        try {
          await serving.start();
        } catch (error) {
          // Redis (the change channel) or PostgreSQL is not there yet: serve popular titles meanwhile and retry.
          logger.warn({ err: error }, 'could not load the active model or subscribe to model changes; retrying in 5 s');
          await serving.stop().catch(() => undefined);
          if (!stopping) retryServing = setTimeout(() => void startServing(), 5_000);
        }
      };
      try {
        // Load the active version before taking interactions, so the first /recommend is personal.
        await startServing();
        observability = await startServiceObservability({
          port: config.metricsPort,
          prisma,
          redis: queues,
          serving,
          logger,
        }).catch((error: unknown) => {
          // Discord members matter more than scrapes: run without the endpoints and say why, loudly.
          logger.error({ err: error, port: config.metricsPort }, 'could not serve /metrics, /healthz and /readyz (is METRICS_PORT taken?); running without them');
          return undefined;
        });
        await bot.start();
      } catch (error) {
        await shutdown('start failed');
        throw error;
      }
      // The gateway connection keeps the process alive until a signal runs shutdown().
    });
}
