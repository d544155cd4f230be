import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('bot')
    .description('Run the Discord bot (registers guild commands at start when DISCORD_GUILD_ID is set)')
    .action(async () => {
      const { loadConfig, requireDatabaseUrl, requireDiscord } = await import('../../config.ts');
      const { createLogger } = await import('../../log.ts');
      const { createPrisma } = await import('../../db/client.ts');
      const { createQueues } = await import('../../queue/queues.ts');
      const { createBot } = await import('../../bot/bot.ts');
      const { catalogTitleSearch, modelRecommender } = await import('../../bot/adapters.ts');
      const { deserializeDae } = await import('../../model/dae-model.ts');
      const config = loadConfig();
      requireDiscord(config);
      const logger = createLogger(config, 'tastebud-bot');
      process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
      process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
      const prisma = createPrisma(requireDatabaseUrl(config));
      const queues = createQueues(config.redisUrl, config.queuePrefix);
      const bot = createBot({
        config,
        prisma,
        queues,
        logger,
        search: catalogTitleSearch(prisma),
        recommender: modelRecommender(prisma, { deserializeModel: deserializeDae, logger, ef: config.hnsw.ef }),
      });
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping');
        await bot.stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
        await queues.close();
        await prisma.$disconnect();
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      try {
        await bot.start();
      } catch (error) {
        await shutdown('start failed');
        throw error;
      }
      // The gateway connection keeps the process alive until a signal runs shutdown().
    });
}
