/**
 * Title search quality and latency. Imports ml-latest-small (movies and ratings) into a fresh database and runs the
 * relevance set (bench/data/search-relevance.tsv: queries as members type them, each with the title that must come
 * first), reporting top-1 accuracy and MRR@10 per query kind for the tune and held-out parts, and latency per kind
 * (p50/p95/p99 over --rounds runs, one connection, sequential). Then bad input (only symbols, digits, 1,000
 * characters, mixed scripts, emoji, SQL): what comes back and how fast. Then the same at --titles titles (ml-32m has
 * 87,585): the real catalogue plus generated titles of the same name shape (bench/search-catalogue.ts).
 *   npx tsx bench/search.ts [--dir data/movielens/ml-latest-small] [--rounds 3] [--titles 87585]
 *                           [--misses] [--explain]
 * --misses lists the tune part's misses (never the held-out part's); --explain prints query plans.
 * Targets (issue #21): top-1 >= 95 %, MRR@10 >= 0.97, no kind below 90 % top-1; p95 <= 20 ms at both sizes.
 */
import { rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { searchTitles, titleSearchSql } from '../src/catalog/search.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma, type PrismaClient } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { importMovieLens } from '../src/import/movielens.ts';
import { scaledCatalogue } from './search-catalogue.ts';
import { loadRelevanceSet, measure, rankOf, type RelevanceQuery } from './search-relevance.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    titles: { type: 'string', default: '87585' },
    misses: { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
values.dir ??= await movieLensOrStop();

/** Bad input the search must answer with an empty list or a short error, never slowly. */
export const BAD_INPUT: readonly string[] = [
  '!!!',
  '?',
  '***',
  '--',
  "'; --",
  '1',
  '42',
  '0000',
  '123456789',
  '2001',
  'a',
  'x'.repeat(200),
  'godfather '.repeat(100),
  'godfather '.repeat(20).trim(),
  'the',
  'of the',
  'Тот самый Münchhausen ゴジラ',
  'amélie 東京 物語',
  '🎬🍿',
  '🎬 matrix',
  'matrix 🎬🍿 1999',
  "' OR 1=1 --",
  "godfather'; DROP TABLE titles; --",
  'toy%story',
  'toy_story',
  '\\',
  'SELECT * FROM titles',
];

function serverUrl(database: string): string {
  const url = new URL(loadConfig().databaseUrl ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

interface Run {
  query: RelevanceQuery;
  rank: number | null;
  ms: number[];
}

async function runSet(prisma: PrismaClient, set: readonly RelevanceQuery[], titleIds: Map<number, number>, rounds: number): Promise<Run[]> {
  for (const q of set.slice(0, 40)) await searchTitles(prisma, q.query, { limit: 10 }); // warm-up: connection, caches
  const runs: Run[] = set.map((query) => ({ query, rank: null, ms: [] }));
  for (let round = 0; round < rounds; round++) {
    for (const run of runs) {
      const started = performance.now();
      const results = await searchTitles(prisma, run.query.query, { limit: 10 });
      run.ms.push(performance.now() - started);
      run.rank = rankOf(
        results.map((r) => r.id),
        titleIds.get(run.query.movielensId) ?? -1,
      );
    }
  }
  return runs;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`.padStart(7);

function latencyLine(label: string, ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `  ${label.padEnd(13)} n=${String(sorted.length).padStart(5)}  p50 ${percentile(sorted, 50).toFixed(2)} ms  p95 ${percentile(sorted, 95).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms`;
}

function report(runs: readonly Run[], label: string): void {
  const kinds = [...new Set(runs.map((r) => r.query.kind))];
  console.log(`\n${label}: relevance (top-1 / MRR@10)          tune                 held-out                all`);
  for (const kind of [...kinds, 'all']) {
    const of = (split: string) => measure(runs.filter((r) => (kind === 'all' || r.query.kind === kind) && (split === 'all' || r.query.split === split)).map((r) => r.rank));
    const cell = (m: ReturnType<typeof measure>) => `${pct(m.top1)} ${m.mrr10.toFixed(3)} (${String(m.n).padStart(3)})`;
    console.log(`  ${kind.padEnd(13)} ${cell(of('tune'))}   ${cell(of('held-out'))}   ${cell(of('all'))}`);
  }
  console.log(`${label}: latency per kind (limit 10)`);
  for (const kind of kinds)
    console.log(
      latencyLine(
        kind,
        runs.filter((r) => r.query.kind === kind).flatMap((r) => r.ms),
      ),
    );
  console.log(
    latencyLine(
      'all',
      runs.flatMap((r) => r.ms),
    ),
  );
  const slowest = runs
    .map((r) => ({ q: r.query.query, ms: Math.max(...r.ms) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 6);
  console.log(`  slowest: ${slowest.map((s) => `${JSON.stringify(s.q)} ${s.ms.toFixed(1)} ms`).join(', ')}`);
  if (!values.misses) return;
  for (const r of runs.filter((x) => x.query.split === 'tune' && x.rank !== 1)) console.log(`  miss [${r.query.kind}] ${JSON.stringify(r.query.query)} -> ${r.query.title}: rank ${r.rank ?? '>10'}`);
}

async function badInput(prisma: PrismaClient, rounds: number): Promise<void> {
  console.log('bad input: answer, slowest of the runs');
  for (const query of BAD_INPUT) {
    let answer = '';
    let slowest = 0;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      answer = await searchTitles(prisma, query, { limit: 10 }).then(
        (rows) => `${rows.length} results${rows[0] ? ` (first: ${rows[0].name})` : ''}`,
        (error: Error) => `${error.name}: ${error.message.slice(0, 70)}`,
      );
      slowest = Math.max(slowest, performance.now() - started);
    }
    console.log(`  ${JSON.stringify(query.length > 40 ? `${query.slice(0, 30)}… (${query.length} chars)` : query).padEnd(46)} ${slowest.toFixed(1).padStart(6)} ms  ${answer}`);
  }
}

async function explain(prisma: PrismaClient, queries: readonly string[]): Promise<void> {
  for (const query of queries) {
    const plan = await prisma.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${titleSearchSql(query, { limit: 10 })}`;
    console.log(`\nEXPLAIN ANALYZE for ${JSON.stringify(query)}:\n${plan.map((p) => p['QUERY PLAN']).join('\n')}`);
  }
}

/** Imports `dir` into a fresh database, runs everything, drops the database. */
async function measureCatalogue(dir: string, label: string, set: readonly RelevanceQuery[], rounds: number): Promise<void> {
  const name = `tastebud_bench_search_${process.pid}`;
  await onServer(`CREATE DATABASE "${name}"`);
  try {
    await applyMigrations(serverUrl(name), fileURLToPath(new URL('../prisma/migrations', import.meta.url)));
    const client = new pg.Client({ connectionString: serverUrl(name) });
    await client.connect();
    const loaded = await (async () => {
      const summary = await importMovieLens(client, { dir, files: ['movies', 'ratings'] });
      const { rows: ids } = await client.query<{ id: number; movielens_id: number }>('SELECT id, movielens_id FROM titles');
      const { rows: count } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM title_names');
      return { summary, ids, names: count[0]!.n };
    })().finally(() => client.end());
    const { summary: imported, ids: rows, names: nameCount } = loaded;
    console.log(`\n=== ${label}: ${imported.totals.titles} titles, ${nameCount} searchable names, ${imported.totals.ratings} ratings; ${set.length} queries x ${rounds} rounds`);
    const prisma = createPrisma(serverUrl(name));
    try {
      report(await runSet(prisma, set, new Map(rows.map((r) => [r.movielens_id, r.id])), rounds), label);
      await badInput(prisma, rounds);
      if (values.explain) await explain(prisma, ['🎬 matrix', '42', 'x'.repeat(200), 'Тот самый Münchhausen ゴジラ', "godfather'; DROP TABLE titles; --", 'a', 'rocky 4']);
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

const set = await loadRelevanceSet();
const rounds = Number(values.rounds);
console.log(
  `machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${type()}, node ${process.version}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await measureCatalogue(values.dir!, 'ml-latest-small', set, rounds);
const total = Number(values.titles);
if (total > 0) {
  const scaled = await scaledCatalogue(values.dir!, total);
  try {
    await measureCatalogue(scaled, `${total} titles (real + generated)`, set, rounds);
  } finally {
    await rm(scaled, { recursive: true, force: true });
  }
}
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
