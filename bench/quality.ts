// Offline quality on MovieLens ml-latest-small, per-user stratified 75/25 split, k=10, on seeds that took no part in
// any choice: the default model's raw ranking, the list /recommend serves from it, EASE (bench/ease.py, numpy, same
// run, same splits), item-kNN and popularity, side by side.
// Usage: npx tsx bench/quality.ts [--seeds 201,...] [--dir DIR (default: where the tests find MovieLens)]
//   [--split stratified|temporal] [--session-weight w] [--window-weight w] [--l2 x] [--dimension d]
//   [--content-weight w] [--content-rows-share s] (training options other than the defaults, for comparisons)
//   [--no-ease]
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readMoviesCsv, readRatingsCsv } from '../src/eval/movielens.ts';
import { evaluate } from '../src/eval/protocol.ts';
import { stratifiedSplit, temporalSplit } from '../src/eval/split.ts';
import { genreVectors } from '../src/eval/title-features.ts';
import { trainModel } from '../src/model/train.ts';
import type { TrainOptions } from '../src/model/options.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';
import { EASE_LAMBDA, easeLists, KNN_NEIGHBOURS, REPORTED_SEEDS, TUNING_SEEDS } from './reference.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: REPORTED_SEEDS.join(',') },
    dir: { type: 'string' },
    split: { type: 'string', default: 'stratified' },
    k: { type: 'string', default: '10' },
    'session-weight': { type: 'string' },
    'window-weight': { type: 'string' },
    l2: { type: 'string' },
    dimension: { type: 'string' },
    'content-weight': { type: 'string' },
    'content-rows-share': { type: 'string' },
    'no-ease': { type: 'boolean', default: false },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
values.dir ??= await movieLensOrStop();
const seeds = values.seeds.split(',').map(Number);
const tuned = seeds.filter((s) => TUNING_SEEDS.includes(s));
if (tuned.length > 0) process.stderr.write(`warning: seed(s) ${tuned.join(',')} were used for tuning; their figures are not honest test figures\n`);
const k = Number(values.k);
const trainOptions: Partial<TrainOptions> = {
  ...(values['session-weight'] !== undefined ? { sessionWeight: Number(values['session-weight']) } : {}),
  ...(values['window-weight'] !== undefined ? { windowWeight: Number(values['window-weight']) } : {}),
  ...(values.l2 !== undefined ? { l2: Number(values.l2) } : {}),
  ...(values.dimension !== undefined ? { dimension: Number(values.dimension) } : {}),
  ...(values['content-weight'] !== undefined ? { contentWeight: Number(values['content-weight']) } : {}),
  ...(values['content-rows-share'] !== undefined ? { contentRowsShare: Number(values['content-rows-share']) } : {}),
};
const ratings = await readRatingsCsv(join(values.dir, 'ratings.csv'));
const movies = await readMoviesCsv(join(values.dir, 'movies.csv'));
const titleIds = movies.map((m) => m.movieId).sort((a, b) => a - b);
const titleText = genreVectors(movies);

const rows = new Map<string, Record<string, number[]>>();
const ratios: number[] = [];
for (const seed of seeds) {
  const split = (values.split === 'temporal' ? temporalSplit : stratifiedSplit)(ratings, { seed });
  // EASE runs in numpy in its own process, overlapping the model's training on the second core.
  const ease = values['no-ease'] ? undefined : easeLists(split.train, [EASE_LAMBDA], k);
  const report = await evaluate({
    train: split.train,
    test: split.test,
    titleIds,
    titleText,
    movies,
    k,
    neighbours: KNN_NEIGHBOURS,
    trainOptions: { ...trainOptions, seed },
    trainer: trainModel,
    references: ease ? [{ name: `EASE (lambda ${EASE_LAMBDA}, numpy)`, ...(await ease).get(EASE_LAMBDA)! }] : [],
  });
  for (const r of report.results) {
    const name = r.name.replace(/ \(.*/, '');
    const row = rows.get(name) ?? {};
    for (const [metric, value] of Object.entries({ ...r.metrics, diversity: r.diversity ?? NaN, seconds: r.seconds })) (row[metric] ??= []).push(value);
    rows.set(name, row);
    process.stderr.write(`seed ${seed} ${r.name}: nDCG@${k} ${r.metrics.ndcg.toFixed(4)} ILD ${r.diversity?.toFixed(4)} (${r.seconds.toFixed(1)} s)\n`);
  }
  const ndcgOf = (prefix: string) => report.results.find((r) => r.name.startsWith(prefix))?.metrics.ndcg;
  const easeNdcg = ndcgOf('EASE');
  if (easeNdcg) ratios.push(ndcgOf('neural')! / easeNdcg);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const metrics = ['ndcg', 'precision', 'recall', 'map', 'mrr', 'hitRate', 'coverage', 'diversity', 'seconds'] as const;
console.log(`machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}`);
console.log(
  `protocol: every choice (model defaults, EASE lambda ${EASE_LAMBDA}, item-kNN ${KNN_NEIGHBOURS} neighbours) made by bench/tune.ts on validation carves of the training part of tuning seeds ${TUNING_SEEDS.join(',')}; reported seeds ${seeds.join(',')} took part in none`,
);
console.log(`split ${values.split}, k=${k}, training options ${JSON.stringify(trainOptions)}; medians over seeds (min-max of nDCG in brackets); diversity = intra-list diversity on genre vectors`);
console.log(['model', ...metrics].map((m) => m.padStart(12)).join(''));
for (const [name, row] of rows) {
  const cells = metrics.map((m) => median(row[m]!).toFixed(m === 'seconds' ? 1 : 4));
  console.log([name, ...cells].map((c) => c.padStart(12)).join('') + `   [${Math.min(...row.ndcg!).toFixed(4)}-${Math.max(...row.ndcg!).toFixed(4)}]`);
}
if (ratios.length > 0) console.log(`model / EASE nDCG@${k} per seed: ${ratios.map((r) => r.toFixed(4)).join(' ')}; median ${median(ratios).toFixed(4)} (target >= 1.05)`);
