/**
 * Title embedding speed on MovieLens ml-latest-small with the project's own model:
 * make-model time, and titles/second through the real transformers.js pipeline per batch size.
 * Run: npx tsx bench/embeddings.ts [--runs 5] [--data ../shared/data/movielens/ml-latest-small]
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTitleEncoder } from '../src/embeddings/encoder.ts';
import { makeModelFromMovieLens, parseMovieLensTitles } from '../src/embeddings/make-model.ts';
import { titleText } from '../src/embeddings/title-text.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    data: { type: 'string', default: resolve(import.meta.dirname, '../../shared/data/movielens/ml-latest-small') },
    'batch-sizes': { type: 'string', default: '16,64,256' },
  },
});
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
} finally {
  await rm(dir, { recursive: true, force: true });
}
