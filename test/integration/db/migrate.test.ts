import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, pendingMigrations, readMigrations } from '../../../src/db/migrate.ts';
import { openSchemaEngine } from '../../../scripts/schema-engine.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { createDatabase, dropDatabase, onServer, serverUrl } from '../../support/postgres.ts';

const migrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const schemaFile = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

/** Everything a schema comparison cares about in the public schema, one sorted line per fact. */
async function catalogOf(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const queries = [
      `SELECT 'column ' || table_name || '.' || column_name || ' ' || udt_name || ' null=' || is_nullable || ' default=' || coalesce(column_default, '') AS line
         FROM information_schema.columns WHERE table_schema = 'public'`,
      `SELECT 'index ' || indexdef AS line FROM pg_indexes WHERE schemaname = 'public'`,
      `SELECT 'constraint ' || rel.relname || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid) AS line
         FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace n ON n.oid = rel.relnamespace
        WHERE n.nspname = 'public'`,
      `SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS line
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    ];
    const lines: string[] = [];
    for (const sql of queries) lines.push(...(await client.query<{ line: string }>(sql)).rows.map((r) => r.line));
    return lines.sort();
  } finally {
    await client.end();
  }
}

describe('committed migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('leave a database that matches schema.prisma exactly: tables, columns, types, defaults, indexes, constraints, enums', async () => {
    // Reference: a database built from what Prisma's schema engine generates for schema.prisma today.
    const reference = `tbtest_${Date.now()}_${process.pid}_reference`;
    await onServer((c) => createDatabase(c, reference));
    try {
      const engine = await openSchemaEngine(serverUrl(reference));
      const sql = await engine.sqlFromEmpty(await readFile(schemaFile, 'utf8'));
      const client = new pg.Client({ connectionString: serverUrl(reference) });
      await client.connect();
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await client.query(sql);
      await client.end();
      const migrated = await catalogOf(db.url);
      const expected = await catalogOf(serverUrl(reference));
      const handWritten = (line: string) => line.includes('ratings_value_half_steps') || line.includes('_prisma_migrations');
      expect(migrated.filter((line) => !handWritten(line))).toEqual(expected);
      expect(migrated.some((line) => line.includes('ratings_value_half_steps'))).toBe(true);
    } finally {
      await onServer((c) => dropDatabase(c, reference));
    }
  });

  it('are recorded the way Prisma records them, so prisma migrate deploy sees nothing pending', async () => {
    expect(await pendingMigrations(db.url, migrationsDir)).toEqual([]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name');
      const committed = await readMigrations(migrationsDir);
      expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(committed.map((m) => [m.name, m.checksum, 1]));
      expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('apply once: a second run applies nothing', async () => {
    const report = await applyMigrations(db.url, migrationsDir);
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied.length).toBeGreaterThan(0);
  });

  it('reject a rating outside 0.5-5 or between half steps', async () => {
    const user = await db.prisma.user.create({ data: { source: 'dataset', externalId: 'check-1' } });
    const title = await db.prisma.title.create({ data: { name: 'Check', searchName: 'check' } });
    for (const value of [0, 5.5, 3.3]) {
      await expect(db.prisma.rating.create({ data: { userId: user.id, titleId: title.id, value, source: 'import' } })).rejects.toThrow();
    }
    await db.prisma.rating.create({ data: { userId: user.id, titleId: title.id, value: 4.5, source: 'import' } });
    expect(await db.prisma.rating.count()).toBe(1);
  });
});

describe('a database with nothing applied', () => {
  const name = `${Date.now()}_${process.pid}_empty`;
  afterAll(() => onServer((c) => dropDatabase(c, `tbtest_${name}`)));

  it('gets every committed migration, in order', async () => {
    await onServer((c) => createDatabase(c, `tbtest_${name}`));
    const url = serverUrl(`tbtest_${name}`);
    expect(await pendingMigrations(url, migrationsDir)).toEqual((await readMigrations(migrationsDir)).map((m) => m.name));
    const report = await applyMigrations(url, migrationsDir);
    expect(report.applied).toEqual((await readMigrations(migrationsDir)).map((m) => m.name));
  });
});
