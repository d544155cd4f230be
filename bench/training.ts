// Training time on MovieLens ml-latest-small (all ratings, production options): seconds per epoch (wall and
// process CPU, which is less disturbed by other jobs on a shared machine) and total time per training run.
// Usage: npx tsx bench/training.ts [--backend auto|wasm|cpu] [--architecture spectral|linear|mult-dae] [--epochs N] [--runs 3]
//   [--window-weight w] (0: the model before sequence windows, for a before/after comparison) [--dimension d] (384: the
//   default before the content term) [--threads n] (threads for the sparse passes, default the cores available; data this
//   small stays in one thread, and the output says how many ran). No title text is given, so the content term (which needs it) is not timed here.
import { availableParallelism, cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRatingsCsv } from '../src/eval/movielens.ts';
import { trainModel } from '../src/model/train.ts';
import type { TrainOptions } from '../src/model/options.ts';
import type { BackendPreference } from '../src/model/backend.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    architecture: { type: 'string', default: 'spectral' },
    epochs: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'window-weight': { type: 'string' },
    dimension: { type: 'string' },
    threads: { type: 'string' },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
values.dir ??= await movieLensOrStop();
const ratings = await readRatingsCsv(join(values.dir, 'ratings.csv'));
const titleIds = [...new Set(ratings.map((r) => r.titleId))].sort((a, b) => a - b);
const epochWall: number[] = [];
const epochCpu: number[] = [];
const runWall: number[] = [];
const runCpu: number[] = [];
const runEpochs: number[] = [];
let backend = '';
let passThreads: unknown;
for (let run = 0; run < Number(values.runs); run++) {
  const options: Partial<TrainOptions> = {
    backend: values.backend as BackendPreference,
    architecture: values.architecture as TrainOptions['architecture'],
    seed: run + 1,
    trainThreads: Number(values.threads ?? availableParallelism()),
  };
  // With --epochs, run exactly that many (no early stop) to time epochs; without, the production run with early stopping.
  if (values.epochs) Object.assign(options, { epochs: Number(values.epochs), patience: 1000 });
  if (values['window-weight'] !== undefined) Object.assign(options, { windowWeight: Number(values['window-weight']) });
  if (values.dimension !== undefined) Object.assign(options, { dimension: Number(values.dimension) });
  const wallStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  let epochCpuStarted = process.cpuUsage();
  let epochs = 0;
  const model = await trainModel({ ratings, titleIds }, options, {
    onEpoch: (_e, _l, m) => {
      const cpu = process.cpuUsage(epochCpuStarted);
      epochCpu.push((cpu.user + cpu.system) / 1e6);
      epochWall.push(m?.seconds ?? NaN);
      epochs += 1;
      epochCpuStarted = process.cpuUsage();
    },
  });
  const cpu = process.cpuUsage(cpuStarted);
  runWall.push((performance.now() - wallStarted) / 1000);
  runCpu.push((cpu.user + cpu.system) / 1e6);
  runEpochs.push(epochs);
  backend = model.backend;
  passThreads = model.weights.training.passThreads;
}
const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
console.log(`machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}`);
console.log(
  `backend ${backend}, architecture ${values.architecture}; ${ratings.length} ratings, ${titleIds.length} titles; sparse passes on ${String(passThreads ?? '-')} thread(s) (asked ${values.threads ?? availableParallelism()}); ${epochWall.length} epochs over ${values.runs} runs (epochs per run: ${runEpochs.join(', ')})`,
);
console.log(`seconds per epoch (incl. validation), wall: median ${pct(epochWall, 50).toFixed(2)}, p95 ${pct(epochWall, 95).toFixed(2)}, p99 ${pct(epochWall, 99).toFixed(2)}`);
console.log(`seconds per epoch, process CPU: median ${pct(epochCpu, 50).toFixed(2)}, p95 ${pct(epochCpu, 95).toFixed(2)}, p99 ${pct(epochCpu, 99).toFixed(2)}`);
console.log(
  `seconds per training run: wall median ${pct(runWall, 50).toFixed(1)} (max ${Math.max(...runWall).toFixed(1)}), CPU median ${pct(runCpu, 50).toFixed(1)} (max ${Math.max(...runCpu).toFixed(1)})`,
);
