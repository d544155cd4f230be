import type { Command } from 'commander';
import { MIGRATIONS_DIR as defaultMigrationsDir } from '../../lib/package-root.ts';

export function register(program: Command): void {
  const db = program.command('db').description('Database schema: apply and inspect migrations');

  db.command('migrate')
    .description("Apply the committed Prisma migrations the database lacks (same as 'prisma migrate deploy', without Prisma's downloaded engine)")
    .option('--dir <path>', 'migrations directory', defaultMigrationsDir)
    .action(async (options: { dir: string }) => {
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { applyMigrations } = await import('../../db/migrate.ts');
      const { describeConnectionError } = await import('../../db/client.ts');
      const url = requireDatabaseUrl(loadConfig());
      try {
        const report = await applyMigrations(url, options.dir, (line) => console.log(line));
        console.log(report.applied.length ? `Applied ${report.applied.length} migration(s).` : `Database is up to date (${report.alreadyApplied.length} migration(s) applied).`);
      } catch (error) {
        throw describeConnectionError(error, url);
      }
    });

  db.command('status')
    .description('List committed migrations the database has not applied; exits 1 when any are pending')
    .option('--dir <path>', 'migrations directory', defaultMigrationsDir)
    .action(async (options: { dir: string }) => {
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { pendingMigrations } = await import('../../db/migrate.ts');
      const { describeConnectionError } = await import('../../db/client.ts');
      const url = requireDatabaseUrl(loadConfig());
      const pending = await pendingMigrations(url, options.dir).catch((error) => {
        throw describeConnectionError(error, url);
      });
      if (pending.length === 0) console.log('Database is up to date.');
      else {
        console.log(`Pending migrations (run 'tastebud db migrate'):\n${pending.map((name) => `  ${name}`).join('\n')}`);
        process.exitCode = 1;
      }
    });
}
