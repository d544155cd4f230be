// Training time per epoch and backend on MovieLens ml-latest-small (all ratings, production options).
// Usage: npx tsx bench/training.ts [--backend auto|wasm|cpu] [--epochs 5] [--runs 3]
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRatingsCsv } from '../src/eval/movielens.ts';
import { trainModel } from '../src/model/train.ts';
import type { BackendPreference } from '../src/model/backend.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '../shared/data/movielens/ml-latest-small' },
    backend: { type: 'string', default: 'auto' },
    epochs: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
  },
});
const ratings = await readRatingsCsv(join(values.dir, 'ratings.csv'));
const titleIds = [...new Set(ratings.map((r) => r.titleId))].sort((a, b) => a - b);
const epochSeconds: number[] = [];
let backend = '';
for (let run = 0; run < Number(values.runs); run++) {
  const model = await trainModel(
    { ratings, titleIds },
    { backend: values.backend as BackendPreference, epochs: Number(values.epochs), validationFraction: 0.1, patience: 1000, seed: run + 1 },
    { onEpoch: (_e, _l, m) => void epochSeconds.push(m?.seconds ?? NaN) },
  );
  backend = model.backend;
}
const sorted = [...epochSeconds].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
console.log(`machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}`);
console.log(`backend ${backend}; ${ratings.length} ratings, ${titleIds.length} titles; ${sorted.length} epochs over ${values.runs} runs`);
console.log(`seconds per epoch (incl. validation): median ${pct(50).toFixed(2)}, p95 ${pct(95).toFixed(2)}, p99 ${pct(99).toFixed(2)}`);
