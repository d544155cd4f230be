import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** A migration directory under prisma/migrations, in Prisma's own layout. */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/** Same id Prisma Migrate locks on, so `prisma migrate deploy` and `tastebud db migrate` never run at once. */
const PRISMA_ADVISORY_LOCK = 72707369;

/** Prisma's own bookkeeping table, created exactly as the Prisma schema engine creates it. */
const createMigrationsTable = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Reads the committed migrations in order (directory names start with a timestamp). */
export async function readMigrations(dir: string): Promise<Migration[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    throw new MigrationError(`No migrations directory at ${dir}; run from the project root or pass --dir.`);
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new MigrationError(`No migrations found in ${dir}.`);
  return Promise.all(
    names.map(async (name) => {
      const file = join(dir, name, 'migration.sql');
      const sql = await readFile(file, 'utf8').catch(() => {
        throw new MigrationError(`Migration ${name} has no migration.sql (${file}).`);
      });
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies the committed Prisma migrations that the database has not seen, each in its own transaction,
 * recording them in `_prisma_migrations` the way Prisma does so `prisma migrate deploy` later sees them as
 * applied. Refuses to continue over a failed or edited migration.
 */
export async function applyMigrations(databaseUrl: string, dir: string, log: (line: string) => void = () => {}): Promise<MigrationReport> {
  const migrations = await readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    await client.query(createMigrationsTable);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const seen = new Map(rows.filter((r) => !r.rolled_back_at).map((r) => [r.migration_name, r]));
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const row = seen.get(migration.name);
      if (row && !row.finished_at) {
        throw new MigrationError(
          `Migration ${migration.name} failed earlier and was not rolled back; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${migration.name}).`,
        );
      }
      if (row) {
        if (row.checksum !== migration.checksum) log(`warning: ${migration.name} was edited after it was applied`);
        report.alreadyApplied.push(migration.name);
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [id, migration.checksum, migration.name]);
        await client.query(migration.sql);
        await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
      }
      log(`applied ${migration.name}`);
      report.applied.push(migration.name);
    }
    return report;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Names of committed migrations the database has not applied (empty when up to date). */
export async function pendingMigrations(databaseUrl: string, dir: string): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS t`);
    if (!exists.rows[0]?.t) return migrations.map((m) => m.name);
    const { rows } = await client.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    const done = new Set(rows.map((r) => r.migration_name));
    return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
  } finally {
    await client.end();
  }
}
