// Offline quality on MovieLens ml-latest-small, per-user stratified 75/25 split, k=10, for several seeds.
// Usage: npx tsx bench/quality.ts [--seeds 1,2,3,42] [--dir data/movielens/ml-latest-small] [--split stratified|temporal]
//   [--session-weight w] [--l2 x] (training options other than the production defaults, for comparisons)
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readMoviesCsv, readRatingsCsv } from '../src/eval/movielens.ts';
import { evaluate } from '../src/eval/protocol.ts';
import { stratifiedSplit, temporalSplit } from '../src/eval/split.ts';
import { genreVectors } from '../src/eval/title-features.ts';
import { trainModel, type TrainOptions } from '../src/model/train.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,42' },
    dir: { type: 'string' },
    split: { type: 'string', default: 'stratified' },
    k: { type: 'string', default: '10' },
    'session-weight': { type: 'string' },
    l2: { type: 'string' },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
values.dir ??= await movieLensOrStop();
const seeds = values.seeds.split(',').map(Number);
const k = Number(values.k);
const trainOptions: Partial<TrainOptions> = {
  ...(values['session-weight'] !== undefined ? { sessionWeight: Number(values['session-weight']) } : {}),
  ...(values.l2 !== undefined ? { l2: Number(values.l2) } : {}),
};
const ratings = await readRatingsCsv(join(values.dir, 'ratings.csv'));
const movies = await readMoviesCsv(join(values.dir, 'movies.csv'));
const titleIds = movies.map((m) => m.movieId).sort((a, b) => a - b);
const titleText = genreVectors(movies);

const rows = new Map<string, Record<string, number[]>>();
for (const seed of seeds) {
  const split = (values.split === 'temporal' ? temporalSplit : stratifiedSplit)(ratings, { seed });
  const report = await evaluate({ train: split.train, test: split.test, titleIds, titleText, k, trainOptions: { ...trainOptions, seed }, trainer: trainModel });
  for (const r of report.results) {
    const name = r.name.replace(/ \(.*/, '');
    const row = rows.get(name) ?? {};
    for (const [metric, value] of Object.entries({ ...r.metrics, seconds: r.seconds })) (row[metric] ??= []).push(value);
    rows.set(name, row);
    process.stderr.write(`seed ${seed} ${r.name}: nDCG@${k} ${r.metrics.ndcg.toFixed(4)} (${r.seconds.toFixed(1)} s)\n`);
  }
  process.stderr.write(`seed ${seed} training: backend ${String(report.training.backend)}, best epoch ${String(report.training.bestEpoch)}\n`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const metrics = ['ndcg', 'precision', 'recall', 'map', 'mrr', 'hitRate', 'coverage', 'seconds'] as const;
console.log(`machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}`);
console.log(`split ${values.split}, seeds ${seeds.join(',')}, k=${k}, training options ${JSON.stringify(trainOptions)}; medians over seeds (min-max of nDCG in brackets)`);
console.log(['model', ...metrics].map((m) => m.padStart(12)).join(''));
for (const [name, row] of rows) {
  const cells = metrics.map((m) => median(row[m]!).toFixed(m === 'seconds' ? 1 : 4));
  console.log([name, ...cells].map((c) => c.padStart(12)).join('') + `   [${Math.min(...row.ndcg!).toFixed(4)}-${Math.max(...row.ndcg!).toFixed(4)}]`);
}
