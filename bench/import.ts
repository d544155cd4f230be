/**
 * MovieLens import into a fresh, migrated database: median of N runs, with the import's peak memory.
 *   npx tsx bench/import.ts [--dir data/movielens/ml-latest-small] [--runs 3]
 *   npx tsx bench/import.ts --shape 32m [--scale 1] [--runs 1]   # generated ml-32m-shaped data (about 900 MB, deleted afterwards)
 * Uses DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres) to create and drop its databases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { generateMovieLens } from '../src/import/generate/movielens.ts';
import { SHAPE_NAMES, type ShapeName } from '../src/import/generate/shapes.ts';
import { importMovieLens, type ImportSummary } from '../src/import/movielens.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    runs: { type: 'string', default: '3' },
    shape: { type: 'string' },
    scale: { type: 'string', default: '1' },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
values.dir ??= await movieLensOrStop();
const runs = Number(values.runs);
if (values.shape !== undefined && !SHAPE_NAMES.includes(values.shape as ShapeName)) throw new Error(`--shape must be one of ${SHAPE_NAMES.join(', ')}`);
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
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
let dir = values.dir!;
let generated: string | null = null;
if (values.shape) {
  generated = await mkdtemp(join(tmpdir(), 'tastebud-bench-import-'));
  dir = generated;
  const g = await generateMovieLens({ shape: values.shape as ShapeName, scale: Number(values.scale), out: dir });
  console.log(`generated ${values.shape} x ${values.scale}: ${g.counts.ratings.toLocaleString('en')} ratings, ${(g.bytes / 1e6).toFixed(0)} MB in ${(g.ms / 1000).toFixed(1)} s (load ${load()})`);
}
console.log(`data: ${dir}`);
// The import's own peak: sampled, since the generator above already raised the process's lifetime maximum.
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 200);
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
      const loadBefore = load();
      last = await importMovieLens(client, { dir });
      const ms = performance.now() - started;
      totals.push(ms);
      for (const f of last.files) perFile.set(f.file, [...(perFile.get(f.file) ?? []), f.ms]);
      console.log(`run ${run}: ${(ms / 1000).toFixed(2)} s (${last.files.map((f) => `${f.file} ${(f.ms / 1000).toFixed(2)} s`).join(', ')}); load ${loadBefore} -> ${load()}`);
      const again = performance.now();
      if (run === 1 && values.shape) console.log(`  the same import again (nothing changes): ${((await importMovieLens(client, { dir }), performance.now() - again) / 1000).toFixed(2)} s`);
    } finally {
      await client.end();
    }
  } finally {
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}
console.log(`rows: ${last!.files.map((f) => `${f.file} ${f.imported}`).join(', ')}`);
console.log(`median of ${runs}: ${(median(totals) / 1000).toFixed(2)} s total; ${[...perFile].map(([f, ms]) => `${f} ${(median(ms) / 1000).toFixed(2)} s`).join(', ')}`);
clearInterval(sampler);
if (generated) await rm(generated, { recursive: true, force: true });
console.log(`peak RSS of this process while importing: ${(peakRss / 2 ** 20).toFixed(0)} MB`);
const ratings = last!.files.find((f) => f.file === 'ratings');
if (ratings) console.log(`ratings throughput (median run): ${Math.round(ratings.imported / (median(perFile.get('ratings')!) / 1000)).toLocaleString('en')} rows/s`);
