/**
 * HNSW recall and speed against exact inner-product search.
 *
 *   npx tsx bench/index.ts [--n 1000000] [--dimension 385] [--ef-construction 200] [--skip-real] [--skip-large]
 *                          [--epochs 6] [--queries 1000] [--recall-queries 200] [--max-build-seconds 1800] [--space mips,ip]
 *                          [--norm-spread 0.1]
 *
 * (a) title vectors of a model trained on ml-latest-small (a short training run through src/model; falls
 *     back to generated vectors of the same shape when training is unavailable), queried with the real
 *     users' vectors, unfiltered and with the production filter (each user's rated titles and hidden titles
 *     excluded inside the search, as /recommend does; MovieLens has no hidden titles, so each user's 5
 *     best-scored unrated titles stand in for them, the hardest case), at k = 10 and at the 50 candidates
 *     /recommend fetches; (b) n generated vectors of the model's dimension. For each ef: recall@k against
 *     exact search (with the same filter), p50/p99 query time; plus build time and RSS growth.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { TitleIndex, type IndexSpace } from '../src/index/title-index.ts';
import { seededRandom as random } from '../src/lib/random.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';
import { productionFilters, sweep } from './support/recall.ts';
import { percentile } from './support/timing.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    dimension: { type: 'string', default: '385' },
    'ef-construction': { type: 'string', default: '200' },
    m: { type: 'string', default: '16' },
    space: { type: 'string', default: 'mips,ip' },
    'norm-spread': { type: 'string', default: '0.1' },
    epochs: { type: 'string', default: '6' },
    queries: { type: 'string', default: '1000' },
    'recall-queries': { type: 'string', default: '200' },
    'max-build-seconds': { type: 'string', default: '1800' },
    'skip-real': { type: 'boolean', default: false },
    'skip-large': { type: 'boolean', default: false },
    movielens: { type: 'string' },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
args.movielens ??= await movieLensOrStop();

const K = 10;

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
}

/**
 * Vectors shaped like learned factors: a 16-dimensional latent taste mixed into `dimension` coordinates
 * plus noise, with lognormal norms of log-spread `normSpread` (popular titles have longer vectors; 0.1
 * gives the max/median norm ratio of the trained model's title vectors, about 1.4). Uniform random
 * vectors would be harder for any graph index than real embeddings and say little about them.
 */
function factorVectors(count: number, dimension: number, seed: number, normSpread = Number(args['norm-spread'])): Float32Array {
  const next = random(seed);
  const latent = 16;
  const mixing = Float32Array.from({ length: latent * dimension }, () => gaussian(next) / Math.sqrt(latent));
  const out = new Float32Array(count * dimension);
  const z = new Float32Array(latent);
  for (let row = 0; row < count; row++) {
    for (let j = 0; j < latent; j++) z[j] = gaussian(next);
    const scale = Math.exp(normSpread * gaussian(next));
    for (let i = 0; i < dimension; i++) {
      let value = 0.3 * gaussian(next);
      for (let j = 0; j < latent; j++) value += z[j]! * mixing[j * dimension + i]!;
      out[row * dimension + i] = value * scale;
    }
  }
  return out;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Builds with progress every 100k titles; stops early (and says so) after --max-build-seconds. */
function build(ids: number[], vectors: Float32Array, dimension: number, label: string, space: IndexSpace): TitleIndex {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  let maxNorm = 0;
  for (let row = 0; row < ids.length; row++) {
    let squared = 0;
    for (let i = 0; i < dimension; i++) squared += vectors[row * dimension + i]! ** 2;
    maxNorm = Math.max(maxNorm, Math.sqrt(squared));
  }
  const index = TitleIndex.empty(dimension, { space, m: Number(args.m), efConstruction: Number(args['ef-construction']) }, { capacity: ids.length, maxNorm });
  const limitMs = Number(args['max-build-seconds']) * 1000;
  let row = 0;
  for (; row < ids.length; row++) {
    index.add(ids[row]!, vectors.subarray(row * dimension, (row + 1) * dimension));
    if ((row + 1) % 100_000 === 0) {
      const seconds = (performance.now() - started) / 1000;
      console.log(`  ${label}: ${(row + 1).toLocaleString('en')} added, ${seconds.toFixed(0)} s, ~${((seconds / (row + 1)) * (ids.length - row - 1)).toFixed(0)} s to go`);
      if (performance.now() - started > limitMs && row + 1 < ids.length) {
        console.log(`  stopping at ${(row + 1).toLocaleString('en')} titles: over --max-build-seconds ${args['max-build-seconds']}`);
        row++;
        break;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const rss = process.memoryUsage().rss - rssBefore;
  console.log(`  [${space}] built ${row.toLocaleString('en')} x ${dimension} in ${seconds.toFixed(1)} s (M=${args.m}, efConstruction=${args['ef-construction']}), RSS +${mib(rss)}`);
  const bytes = index.toBytes(1);
  console.log(`  serialised size ${mib(bytes.byteLength)}`);
  return index;
}

interface RealVectors {
  ids: number[];
  vectors: Float32Array;
  dimension: number;
  queries: Float32Array[];
  /** Per query: the user's rated titles (absent for generated vectors). */
  rated?: Set<number>[];
  source: string;
}

async function realVectors(): Promise<RealVectors> {
  const dimension = Number(args.dimension);
  try {
    const { trainModel } = await import('../src/model/train.ts');
    const rows = parse(readFileSync(join(args.movielens!, 'ratings.csv')), { columns: true }) as Record<string, string>[];
    const ratings = rows.map((r) => ({ userId: Number(r.userId), titleId: Number(r.movieId), value: Number(r.rating), ratedAt: Number(r.timestamp) * 1000 }));
    const titleIds = [...new Set(ratings.map((r) => r.titleId))].sort((a, b) => a - b);
    const started = performance.now();
    const model = await trainModel(
      { ratings, titleIds },
      // The production default model (src/model/options.ts defaults), on all ratings.
      { dimension: dimension - 1, epochs: Number(args.epochs) },
      { onEpoch: (epoch: number, loss: number) => console.log(`  training epoch ${epoch}, loss ${loss.toFixed(3)} (${((performance.now() - started) / 1000).toFixed(0)} s)`) },
    );
    const byUser = new Map<number, typeof ratings>();
    for (const r of ratings) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r]);
    const queries = [...byUser.values()].map((history) => model.userVector(history));
    const rated = [...byUser.values()].map((history) => new Set(history.map((r) => r.titleId)));
    return {
      ids: [...model.titleIds],
      vectors: model.titleVectors,
      dimension: model.dimension,
      queries,
      rated,
      source: `${model.architecture} trained ${args.epochs} epochs on ml-latest-small (${model.backend}), queries = its ${queries.length} users`,
    };
  } catch (error) {
    console.log(`  (no trained model: ${(error as Error).message.split('\n')[0]}; using generated vectors of the same shape)`);
    const ids = Array.from({ length: 9_742 }, (_, i) => i + 1);
    const next = factorVectors(1_000, dimension, 99, 0);
    const queries = Array.from({ length: 1_000 }, (_, i) => next.slice(i * dimension, (i + 1) * dimension));
    return { ids, vectors: factorVectors(ids.length, dimension, 1), dimension, queries, source: `generated 9,742 x ${dimension} factor-shaped vectors` };
  }
}

const spaces = args.space.split(',').map((s) => s.trim()) as IndexSpace[];

/** The spread of vector lengths decides how much the MIPS transform squeezes short vectors together. */
function describeNorms(vectors: Float32Array, dimension: number): void {
  const norms: number[] = [];
  for (let row = 0; row < vectors.length / dimension; row++) {
    let squared = 0;
    for (let i = 0; i < dimension; i++) squared += vectors[row * dimension + i]! ** 2;
    norms.push(Math.sqrt(squared));
  }
  norms.sort((a, b) => a - b);
  const median = percentile(norms, 50);
  console.log(`  vector norms: median ${median.toFixed(3)}, p99/median ${(percentile(norms, 99) / median).toFixed(2)}, max/median ${(norms[norms.length - 1]! / median).toFixed(2)}`);
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${mib(totalmem())} memory; node ${process.version}`);

if (!args['skip-real']) {
  console.log('\n(a) ml-latest-small title vectors');
  const real = await realVectors();
  console.log(`  source: ${real.source}`);
  describeNorms(real.vectors, real.dimension);
  for (const space of spaces) {
    const index = build(real.ids, real.vectors, real.dimension, 'real', space);
    const recallQueries = Math.min(real.queries.length, 1000);
    console.log(`  [${space}] unfiltered`);
    sweep(index, real.queries, recallQueries);
    if (real.rated) {
      const filters = productionFilters(index, real.queries, real.rated);
      for (const k of [K, 50]) {
        console.log(`  [${space}] production filter (rated + 5 stand-in hidden titles excluded), k = ${k}`);
        sweep(index, real.queries, recallQueries, filters, k);
      }
    }
  }
}

if (!args['skip-large']) {
  const n = Number(args.n);
  const dimension = Number(args.dimension);
  console.log(`\n(b) ${n.toLocaleString('en')} generated vectors of dimension ${dimension}, norm spread ${args['norm-spread']}`);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const vectors = factorVectors(n, dimension, 7);
  const queryVectors = factorVectors(Number(args.queries), dimension, 8, 0);
  const queries = Array.from({ length: Number(args.queries) }, (_, i) => queryVectors.slice(i * dimension, (i + 1) * dimension));
  describeNorms(vectors, dimension);
  for (const space of spaces) sweep(build(ids, vectors, dimension, 'large', space), queries, Number(args['recall-queries']));
}
