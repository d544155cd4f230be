import type { Command } from 'commander';

/** `tastebud api` (the HTTP API process) and `tastebud api-key create|list|revoke`. */
export function register(program: Command): void {
  program
    .command('api')
    .description('Run the HTTP API on API_PORT (recommendations, titles, ratings, models; docs at /api/docs)')
    .action(async () => {
      const { loadConfig } = await import('../../config.ts');
      const { createLogger } = await import('../../log.ts');
      const { startApiProcess } = await import('../../app/api-process.ts');
      const config = loadConfig();
      const running = await startApiProcess({ config, logger: createLogger(config, 'tastebud-api') });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await running.stop();
    });

  const keys = program.command('api-key').description('Manage HTTP API keys stored in the database (only their hash is kept)');
  const withDb = async <T>(work: (prisma: import('../../db/client.ts').PrismaClient) => Promise<T>): Promise<T> => {
    const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
    const { createPrisma } = await import('../../db/client.ts');
    const { InputError } = await import('../../lib/input-error.ts');
    const { UserError } = await import('../../lib/user-error.ts');
    const prisma = createPrisma(requireDatabaseUrl(loadConfig()));
    try {
      return await work(prisma);
    } catch (error) {
      if (error instanceof InputError) throw new UserError(error.message);
      throw error;
    } finally {
      await prisma.$disconnect();
    }
  };
  keys
    .command('create')
    .description('Make a key and print it once (store it now: only its hash is kept)')
    .requiredOption('--name <name>', 'a name to tell keys apart')
    .requiredOption('--scope <scope>', 'read, write (ratings) or admin (retrain, private profiles)')
    .action(async (opts: { name: string; scope: string }) => {
      const { createApiKey } = await import('../../api/keys.ts');
      const { key, summary } = await withDb((prisma) => createApiKey(prisma, opts));
      process.stdout.write(`${key}\n`);
      process.stderr.write(`Created API key "${summary.name}" (${summary.scope}, starts ${summary.prefix}). It is not shown again.\n`);
    });
  keys
    .command('list')
    .description('List stored keys (name, scope, first characters, created, revoked)')
    .action(async () => {
      const { listApiKeys } = await import('../../api/keys.ts');
      const rows = await withDb((prisma) => listApiKeys(prisma));
      if (rows.length === 0) process.stdout.write('No stored API keys (keys in API_KEYS are not listed).\n');
      for (const r of rows) {
        process.stdout.write(`${r.name}\t${r.scope}\t${r.prefix}…\tcreated ${r.createdAt.toISOString()}${r.revokedAt ? `\trevoked ${r.revokedAt.toISOString()}` : ''}\n`);
      }
    });
  keys
    .command('revoke')
    .description('Revoke a stored key by name; its requests get 401 from then on')
    .argument('<name>', 'the key name')
    .action(async (name: string) => {
      const { revokeApiKey } = await import('../../api/keys.ts');
      const row = await withDb((prisma) => revokeApiKey(prisma, name));
      process.stdout.write(`Revoked API key "${row.name}" (${row.prefix}…).\n`);
    });
}
