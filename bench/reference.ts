/**
 * What bench/tune.ts and bench/quality.ts share: the seeds of the protocol, the validation carve, and the numpy
 * EASE reference (bench/ease.py) run on a training split.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stratifiedSplit, type Split } from '../src/eval/split.ts';
import type { Rating } from '../src/model/types.ts';

/** Seeds whose splits every choice (model defaults, EASE lambda, item-kNN size) is made on, via validation carves only. */
// One seed: under this machine's load (10-15 on 2 cores) one decomposition on a carve plus scoring its variants
// takes 4-5 minutes, and the search needs five. More tuning seeds are better when the machine allows.
export const TUNING_SEEDS = [101];
/**
 * Seeds bench/quality.ts reports. Seeds 1-7 and 42 were looked at while the earlier defaults were chosen (their
 * test nDCG decided sessions, l2 and d), so the reported seeds are fresh ones no choice has seen.
 */
export const REPORTED_SEEDS = [201, 202, 203];
/** EASE's ridge strength, chosen by bench/tune.ts on the tuning seeds' validation carves. */
export const EASE_LAMBDA = 200;
/** item-kNN's neighbourhood size, chosen the same way. */
export const KNN_NEIGHBOURS = 100;
/** Share of each training user's ratings carved off for validation. */
export const VALIDATION_FRACTION = 0.2;

/** The validation carve of a tuning seed: its stratified 75/25 split's training part, split again 80/20. */
export function validationCarve(ratings: readonly Rating[], seed: number): Split {
  const { train } = stratifiedSplit(ratings, { seed });
  return stratifiedSplit(train, { seed: seed + 10_000, testFraction: VALIDATION_FRACTION });
}

/** Top-k lists of EASE (bench/ease.py, numpy) for every user of `train`, per lambda, with its seconds. */
export async function easeLists(train: readonly Rating[], lambdas: readonly number[], k: number): Promise<Map<number, { lists: Map<number, number[]>; seconds: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-ease-'));
  try {
    const file = join(dir, 'train.csv');
    writeFileSync(file, ['userId,movieId', ...train.map((r) => `${r.userId},${r.titleId}`)].join('\n') + '\n');
    const script = join(import.meta.dirname, 'ease.py');
    const { stdout } = await promisify(execFile)('python3', [script, '--train', file, '--lambdas', lambdas.join(','), '--k', String(k)], { maxBuffer: 1 << 28 });
    const parsed = JSON.parse(stdout) as Record<string, Record<string, number[]>> & { seconds: Record<string, number> };
    const out = new Map<number, { lists: Map<number, number[]>; seconds: number }>();
    for (const lambda of lambdas) {
      const key = String(lambda);
      const lists = new Map(Object.entries(parsed[key]!).map(([user, ids]) => [Number(user), ids]));
      out.set(lambda, { lists, seconds: parsed.seconds[key]! });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
