import type { Command } from 'commander';

/** `tastebud seed`: what docker-compose's one-shot service runs before the bot and worker start. */
export function register(program: Command): void {
  program
    .command('seed')
    .description('Make the database ready to serve: apply migrations, import MovieLens into an empty catalogue (downloading it if absent), embed titles, train a first model')
    .option('--download-dir <dir>', 'where to download MovieLens when MOVIELENS_DIR holds no files', 'data/movielens')
    .action(async (opts: { downloadDir: string }) => {
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { createLogger } = await import('../../log.ts');
      const { createPrisma, describeConnectionError } = await import('../../db/client.ts');
      const { applyMigrations } = await import('../../db/migrate.ts');
      const { prepareDeployment, SetupError } = await import('../../setup/prepare.ts');
      const { movieLensCandidates, cliMovieLensSearch } = await import('../../import/locate.ts');
      const { UserError } = await import('../../lib/user-error.ts');
      const { Redis } = await import('ioredis');
      const config = loadConfig();
      const databaseUrl = requireDatabaseUrl(config);
      const { MIGRATIONS_DIR: migrations } = await import('../../lib/package-root.ts');
      const report = await applyMigrations(databaseUrl, migrations, (line) => console.log(line)).catch((error: unknown) => {
        throw describeConnectionError(error, databaseUrl);
      });
      if (report.applied.length === 0) console.log('Database schema is up to date.');
      const prisma = createPrisma(databaseUrl);
      const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
      redis.on('error', () => {});
      try {
        await redis.connect().catch(() => {
          throw new UserError(`Cannot reach Redis at ${new URL(config.redisUrl).host}; start it or fix REDIS_URL.`);
        });
        const model = await prepareDeployment({
          config,
          candidates: movieLensCandidates(cliMovieLensSearch(config.movielensDir, config.movielensRelease)),
          release: config.movielensRelease,
          downloadTo: opts.downloadDir,
          requestedBy: 'tastebud seed',
          allowModelDownload: config.embeddings.allowRemoteModels,
          prisma,
          redis,
          databaseUrl,
          logger: createLogger(config, 'tastebud-seed'),
          reporter: { status: (text) => process.stderr.isTTY && process.stderr.write(`\r${text}\x1b[K`), line: (text) => console.log(text) },
        }).catch((error: unknown) => {
          throw error instanceof SetupError ? new UserError(error.message) : error;
        });
        console.log(`Ready. Title embeddings use ${model}.`);
      } finally {
        redis.disconnect();
        await prisma.$disconnect();
      }
    });
}
