/**
 * Title search latency on the ml-latest-small catalogue: p50/p95/p99 over a few hundred mixed queries
 * (exact, typo, partial, trailing year, accents stripped/added, short prefix), after a warm-up.
 *   npx tsx bench/search.ts [--dir ../shared/data/movielens/ml-latest-small] [--queries 400] [--rounds 3]
 * Imports movies and ratings into a fresh database on DATABASE_URL's server, then drops it.
 */
import { cpus, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { searchTitles } from '../src/catalog/search.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { importMovieLens } from '../src/import/movielens.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: fileURLToPath(new URL('../../shared/data/movielens/ml-latest-small', import.meta.url)) },
    queries: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '3' },
  },
});

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

/** Deterministic pseudo-random numbers, so every run asks the same queries. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function typo(text: string, rand: () => number): string {
  const i = 1 + Math.floor(rand() * Math.max(1, text.length - 2));
  const kind = Math.floor(rand() * 3);
  if (kind === 0) return text.slice(0, i) + text.slice(i + 1); // drop a letter
  if (kind === 1) return text.slice(0, i - 1) + text[i] + text[i - 1] + text.slice(i + 1); // swap two
  return text.slice(0, i) + 'e' + text.slice(i); // add one
}

const accented: Record<string, string> = { e: 'é', a: 'à', o: 'ô', u: 'ü', i: 'î' };

function makeQueries(titles: { name: string; year: number | null }[], count: number): { kind: string; query: string }[] {
  const rand = random(42);
  const kinds = ['exact', 'typo', 'partial', 'year', 'accents', 'short'];
  const out: { kind: string; query: string }[] = [];
  for (let i = 0; i < count; i++) {
    const t = titles[Math.floor(rand() * titles.length)]!;
    const base = t.name.replace(/\s*\(.*\)\s*/g, ' ').trim().slice(0, 60);
    const kind = kinds[i % kinds.length]!;
    const words = base.split(/\s+/);
    const query =
      kind === 'exact' ? base
      : kind === 'typo' ? typo(base.toLowerCase(), rand)
      : kind === 'partial' ? `${words.slice(0, Math.max(1, Math.ceil(words.length / 2))).join(' ')}`.slice(0, Math.max(4, Math.ceil(base.length * 0.6)))
      : kind === 'year' ? `${base} ${t.year ?? 1999}`
      : kind === 'accents' ? base.toLowerCase().replace(/[aeiou]/, (c) => accented[c] ?? c)
      : base.slice(0, 1 + (i % 2));
    out.push({ kind, query: query.trim() || base });
  }
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const name = `tastebud_bench_search_${process.pid}`;
await onServer(`CREATE DATABASE "${name}"`);
try {
  await applyMigrations(serverUrl(name), fileURLToPath(new URL('../prisma/migrations', import.meta.url)));
  const client = new pg.Client({ connectionString: serverUrl(name) });
  await client.connect();
  await importMovieLens(client, { dir: values.dir!, files: ['movies', 'ratings'] });
  const { rows: titles } = await client.query<{ name: string; year: number | null }>('SELECT name, year FROM titles ORDER BY id');
  await client.end();

  const prisma = createPrisma(serverUrl(name));
  const queries = makeQueries(titles, Number(values.queries));
  for (const q of queries.slice(0, 50)) await searchTitles(prisma, q.query, { limit: 25 }); // warm-up: connection, plans, caches
  const timings = new Map<string, number[]>();
  const all: number[] = [];
  const slowest: { query: string; ms: number }[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const q of queries) {
      const started = performance.now();
      await searchTitles(prisma, q.query, { limit: 25 });
      const ms = performance.now() - started;
      all.push(ms);
      slowest.push({ query: q.query, ms });
      timings.set(q.kind, [...(timings.get(q.kind) ?? []), ms]);
    }
  }
  await prisma.$disconnect();

  console.log(`machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${type()}, node ${process.version}`);
  console.log(`catalogue: ${titles.length} titles; ${queries.length} queries x ${values.rounds} rounds, limit 25, one connection, sequential`);
  const line = (label: string, ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`${label.padEnd(8)} n=${String(sorted.length).padStart(5)}  p50 ${percentile(sorted, 50).toFixed(2)} ms  p95 ${percentile(sorted, 95).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms`);
  };
  for (const [kind, ms] of timings) line(kind, ms);
  line('all', all);
  slowest.sort((a, b) => b.ms - a.ms);
  console.log(`slowest: ${slowest.slice(0, 8).map((s) => `${JSON.stringify(s.query)} ${s.ms.toFixed(0)} ms`).join(', ')}`);
} finally {
  await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
