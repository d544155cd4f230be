/**
 * Title embedding speed on MovieLens ml-latest-small with the project's own model:
 * make-model time, and titles/second through the real transformers.js pipeline per batch size.
 * With --database <server url>, also times `updateTitleEmbeddings` end to end (read titles, embed,
 * write to PostgreSQL) in a throwaway database on that server: a first full run, then an all-skipped run.
 * Run: npx tsx bench/embeddings.ts [--runs 5] [--data data/movielens/ml-latest-small]
 *        [--database postgresql://postgres@127.0.0.1:5432/postgres]
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPrisma } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { updateTitleEmbeddings } from '../src/embeddings/store.ts';
import { createTitleEncoder, DEFAULT_BATCH_SIZE } from '../src/embeddings/encoder.ts';
import { makeModelFromMovieLens, parseMovieLensTitles } from '../src/embeddings/make-model.ts';
import { titleText } from '../src/embeddings/title-text.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    data: { type: 'string' },
    'batch-sizes': { type: 'string', default: '8,16,32,64,256' },
    database: { type: 'string' },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
args.data ??= await movieLensOrStop();
const runs = Number(args.runs);
const moviesPath = join(args.data, 'movies.csv');
const tagsPath = join(args.data, 'tags.csv');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), min: sorted[0]!, max: sorted.at(-1)! };
}

const cpus = os.cpus();
console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
console.log(`data: ${args.data}; runs: ${runs}`);

const dir = await mkdtemp(join(os.tmpdir(), 'tastebud-bench-model-'));
try {
  const makeTimes: number[] = [];
  let made;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    made = await makeModelFromMovieLens({ moviesPath, tagsPath, outDir: dir, dimension: 64 });
    makeTimes.push(performance.now() - started);
  }
  const mk = summary(makeTimes);
  console.log(`make-model (dim 64, ${made!.vocabularySize} words, ${made!.documents} titles): median ${(mk.median / 1000).toFixed(2)} s, p95 ${(mk.p95 / 1000).toFixed(2)} s over ${runs} runs`);

  const titles = parseMovieLensTitles(await readFile(moviesPath, 'utf8'), await readFile(tagsPath, 'utf8'));
  const texts = titles.map((t) => titleText(t));
  for (const batchSize of args['batch-sizes'].split(',').map(Number)) {
    const encoder = await createTitleEncoder({ model: dir, allowRemoteModels: false, batchSize });
    try {
      await encoder.encode(texts.slice(0, batchSize)); // warm-up
      const rates: number[] = [];
      for (let r = 0; r < runs; r++) {
        const started = performance.now();
        const vectors = await encoder.encode(texts);
        const seconds = (performance.now() - started) / 1000;
        if (vectors.length !== texts.length) throw new Error(`expected ${texts.length} vectors, got ${vectors.length}`);
        rates.push(texts.length / seconds);
      }
      const s = summary(rates);
      console.log(
        `encode ${texts.length} titles, batch ${batchSize}: median ${s.median.toFixed(0)} titles/s (${(texts.length / s.median).toFixed(2)} s per pass), slowest run ${s.min.toFixed(0)} titles/s`,
      );
    } finally {
      await encoder.dispose();
    }
  }
  if (args.database) await benchDatabase(args.database, dir, titles);
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function benchDatabase(serverUrl: string, modelDir: string, titles: ReturnType<typeof parseMovieLensTitles>) {
  const name = `tastebud_bench_embeddings_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const prisma = createPrisma(url.toString());
  const encoder = await createTitleEncoder({ model: modelDir, allowRemoteModels: false, batchSize: DEFAULT_BATCH_SIZE });
  try {
    await applyMigrations(url.toString(), resolve(import.meta.dirname, '../prisma/migrations'));
    await prisma.title.createMany({
      data: titles.map((t) => ({ name: t.name, year: t.year ?? null, genres: [...(t.genres ?? [])], tags: [...(t.tags ?? [])].slice(0, 20), searchName: t.name.toLowerCase() })),
    });
    const full: number[] = [];
    const skip: number[] = [];
    for (let r = 0; r < runs; r++) {
      await prisma.titleEmbedding.deleteMany();
      let started = performance.now();
      const first = await updateTitleEmbeddings(prisma, encoder);
      full.push(performance.now() - started);
      started = performance.now();
      const second = await updateTitleEmbeddings(prisma, encoder);
      skip.push(performance.now() - started);
      if (first.embedded !== titles.length || second.skipped !== titles.length) throw new Error(`unexpected counts ${JSON.stringify({ first, second })}`);
    }
    const f = summary(full);
    const s = summary(skip);
    console.log(
      `updateTitleEmbeddings into PostgreSQL, all ${titles.length} titles: median ${(f.median / 1000).toFixed(2)} s (${(titles.length / (f.median / 1000)).toFixed(0)} titles/s), p95 ${(f.p95 / 1000).toFixed(2)} s`,
    );
    console.log(`updateTitleEmbeddings with nothing changed: median ${(s.median / 1000).toFixed(2)} s, p95 ${(s.p95 / 1000).toFixed(2)} s`);
  } finally {
    await encoder.dispose();
    await prisma.$disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
