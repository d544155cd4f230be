import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('bot')
    .description('Run the Discord bot (registers guild commands at start when DISCORD_GUILD_ID is set) with /metrics, /healthz and /readyz on METRICS_PORT')
    .action(async () => {
      const { loadConfig, requireDatabaseUrl, requireDiscord } = await import('../../config.ts');
      const { createLogger } = await import('../../log.ts');
      const { createPrisma } = await import('../../db/client.ts');
      const { startBotProcess } = await import('../../app/bot-process.ts');
      const { createProviders } = await import('../../providers/index.ts');
      const { PostgresResponseCache } = await import('../../providers/cache.ts');
      const config = loadConfig();
      requireDiscord(config);
      const logger = createLogger(config, 'tastebud-bot');
      process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
      process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
      const prisma = createPrisma(requireDatabaseUrl(config));
      let stopping: Promise<void> | undefined;
      let running: Awaited<ReturnType<typeof startBotProcess>> | undefined;
      const shutdown = (signal: string) => {
        stopping ??= (async () => {
          logger.info({ signal }, 'stopping');
          await running?.stop();
          logger.info('stopped');
        })();
        return stopping;
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      running = await startBotProcess({
        config,
        botConfig: config,
        prisma,
        ownsPrisma: true,
        logger,
        servingRetryMs: 5_000,
        observability: true,
        providers: createProviders(config.providers, { cache: new PostgresResponseCache(prisma) }),
      });
      // A signal during start: stop what started now that it is there.
      if (stopping) await running.stop();
      // The gateway connection keeps the process alive until a signal runs shutdown().
    });
}
