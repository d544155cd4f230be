import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMovieLens } from '../../../src/import/generate/movielens.ts';
import { importMovieLens, ImportInputError } from '../../../src/import/movielens.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { onServer, quoteIdent } from '../../support/postgres.ts';

let root: string;
let data: string;
const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];

async function freshDatabase(): Promise<{ client: pg.Client; url: string }> {
  const database = await createTestDatabase();
  databases.push(database);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return { client, url: database.url };
}

/** Everything an import may touch, as one comparable value. */
async function snapshot(client: pg.Client) {
  const { rows } = await client.query(
    `SELECT (SELECT md5(coalesce(string_agg(concat_ws(',', user_id, title_id, value, source, created_at, updated_at), ';' ORDER BY user_id, title_id), '')) FROM ratings) AS ratings,
            (SELECT md5(coalesce(string_agg(concat_ws(',', id, name, year, genres, tags, imdb_id, tmdb_id, rating_count, rating_mean, updated_at), ';' ORDER BY id), '')) FROM titles) AS titles,
            (SELECT count(*)::int FROM users) AS users,
            (SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'ratings') AS indexes,
            (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'ratings'::regclass) AS constraints`,
  );
  return rows[0] as { ratings: string; titles: string; users: number; indexes: string; constraints: string };
}

/** A copy of the generated data whose ratings.csv is changed by `spoil`. */
async function spoiled(name: string, spoil: (ratings: string) => Promise<void>): Promise<string> {
  const dir = join(root, name);
  await cp(data, dir, { recursive: true });
  await spoil(join(dir, 'ratings.csv'));
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tastebud-bulk-'));
  data = join(root, 'ml-32m-shaped');
  await generateMovieLens({ shape: '32m', scale: 0.001, seed: 3, out: data });
}, 120_000);

afterAll(async () => {
  for (const client of clients) await client.end().catch(() => {});
  for (const database of databases) await database.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('importMovieLens on generated ml-32m-shaped data', () => {
  let client: pg.Client;
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    ({ client } = await freshDatabase());
    before = await snapshot(client);
    await importMovieLens(client, { dir: data });
  }, 120_000);

  it('imports every row and counts every rating on its title', async () => {
    const { rows } = await client.query(
      `SELECT (SELECT count(*)::int FROM titles) AS titles, (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM ratings) AS ratings,
              (SELECT sum(rating_count)::int FROM titles) AS counted, (SELECT count(*)::int FROM titles WHERE cardinality(tags) > 0) AS tagged`,
    );
    expect(rows[0]).toMatchObject({ titles: 1_593, users: 201, ratings: 32_000, counted: 32_000 });
    expect(rows[0].tagged).toBeGreaterThan(100);
  });

  it('puts back the keys and indexes it set aside for the first import', async () => {
    const after = await snapshot(client);
    expect(after.indexes).toBe(before.indexes);
    expect(after.constraints).toBe(before.constraints);
    expect(after.constraints).toMatch(/ratings_user_id_fkey FOREIGN KEY/);
    expect(after.indexes).toMatch(/ratings_title_id_idx/);
  });

  it('changes nothing when run again', async () => {
    const first = await snapshot(client);
    await importMovieLens(client, { dir: data });
    expect(await snapshot(client)).toEqual(first);
  });
});

describe('importMovieLens on files it cannot trust', () => {
  let client: pg.Client;
  let url: string;
  let empty: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    ({ client, url } = await freshDatabase());
    empty = await snapshot(client);
  });

  it('refuses a ratings.csv cut off mid-row and keeps none of the import', async () => {
    const dir = await spoiled('truncated', async (path) => {
      const text = await readFile(path, 'utf8');
      await truncate(path, Buffer.byteLength(text.slice(0, Math.floor(text.length * 0.7)).replace(/\n[^\n]*$/, '\n12,3')));
    });
    const error = await importMovieLens(client, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportInputError);
    expect((error as Error).message).toMatch(/ratings\.csv line \d+ ends in the middle of a row .*looks truncated.*Nothing was imported/);
    expect(await snapshot(client)).toEqual(empty);
  });

  it('refuses a ratings.csv of garbage after its header and keeps none of the import', async () => {
    const dir = await spoiled('corrupt', async (path) => {
      const text = await readFile(path, 'utf8');
      const lines = text.split('\n');
      await writeFile(path, Buffer.concat([Buffer.from(lines.slice(0, 5000).join('\n') + '\n'), randomBytes(400_000)]));
    });
    await expect(importMovieLens(client, { dir })).rejects.toThrow(/ratings\.csv: \d+ of the first \d+ rows are malformed .*looks corrupt/);
    expect(await snapshot(client)).toEqual(empty);
  });

  it('says the database disk filled up, and keeps none of the import', async () => {
    // A real full disk: the import's staging tables go to a tablespace on a 256 KiB tmpfs.
    const mountPoint = join(root, 'full-disk');
    const space = `tastebud_full_${randomBytes(4).toString('hex')}`;
    await mkdir(mountPoint);
    await chmod(root, 0o755); // the postgres user must reach the mount point
    const postgresUid = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=256k,uid=${postgresUid},mode=0700`, 'tmpfs', mountPoint]);
    const full = new pg.Client({ connectionString: url });
    try {
      await onServer((server) => server.query(`CREATE TABLESPACE ${quoteIdent(space)} LOCATION '${mountPoint}'`));
      await full.connect();
      // Small local buffers, so staged rows reach the disk at once.
      await full.query(`SET temp_buffers = '800kB'; SET temp_tablespaces = ${quoteIdent(space)}`);
      const error = await importMovieLens(full, { dir: data }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportInputError);
      expect((error as Error).message).toMatch(/database server ran out of disk space while importing \w+\.csv .*Nothing was imported.*rolled back/);
      expect(await snapshot(client)).toEqual(empty);
    } finally {
      await full.end().catch(() => {});
      await onServer((server) => server.query(`DROP TABLESPACE IF EXISTS ${quoteIdent(space)}`)).catch(() => {});
      execFileSync('umount', [mountPoint]);
    }
  });
});
