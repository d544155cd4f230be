/**
 * MovieLens import into a fresh, migrated database: median of N runs.
 *   npx tsx bench/import.ts [--dir ../shared/data/movielens/ml-latest-small] [--runs 3]
 * Uses DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres) to create and drop its databases.
 */
import { cpus, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { importMovieLens, type ImportSummary } from '../src/import/movielens.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: fileURLToPath(new URL('../../shared/data/movielens/ml-latest-small', import.meta.url)) },
    runs: { type: 'string', default: '3' },
  },
});
const runs = Number(values.runs);
const migrations = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

function serverUrl(database: string): string {
  const url = new URL(loadConfig().databaseUrl ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${type()}, node ${process.version}`);
console.log(`data: ${values.dir}`);
const totals: number[] = [];
const perFile = new Map<string, number[]>();
let last: ImportSummary | undefined;
for (let run = 1; run <= runs; run++) {
  const name = `tastebud_bench_import_${process.pid}_${run}`;
  await onServer(`CREATE DATABASE "${name}"`);
  try {
    await applyMigrations(serverUrl(name), migrations);
    const client = new pg.Client({ connectionString: serverUrl(name) });
    await client.connect();
    try {
      const started = performance.now();
      last = await importMovieLens(client, { dir: values.dir! });
      const ms = performance.now() - started;
      totals.push(ms);
      for (const f of last.files) perFile.set(f.file, [...(perFile.get(f.file) ?? []), f.ms]);
      console.log(`run ${run}: ${(ms / 1000).toFixed(2)} s (${last.files.map((f) => `${f.file} ${(f.ms / 1000).toFixed(2)} s`).join(', ')})`);
    } finally {
      await client.end();
    }
  } finally {
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}
console.log(`rows: ${last!.files.map((f) => `${f.file} ${f.imported}`).join(', ')}`);
console.log(`median of ${runs}: ${(median(totals) / 1000).toFixed(2)} s total; ${[...perFile].map(([f, ms]) => `${f} ${(median(ms) / 1000).toFixed(2)} s`).join(', ')}`);
const ratings = last!.files.find((f) => f.file === 'ratings');
if (ratings) console.log(`ratings throughput (median run): ${Math.round(ratings.imported / (median(perFile.get('ratings')!) / 1000)).toLocaleString('en')} rows/s`);
