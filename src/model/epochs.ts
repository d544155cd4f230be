import { shuffleInPlace } from '../lib/random.ts';
import type { TrainOptions } from './options.ts';
import { throwIfAborted, type EpochMetrics, type TrainHooks } from './trainer.ts';
import type { CarvedData } from './training-data.ts';
import type { SparseRow } from './types.ts';

/** What a gradient-trained run trains on: the options it reads, the carved rows, the shuffle and the caller's hooks. */
export interface EpochSetup {
  opts: Pick<TrainOptions, 'epochs' | 'patience' | 'batchSize'>;
  /**
   * The training users' rows, visited in a fresh shuffle (by `random`) every epoch, and the validation carve;
   * without a carve every epoch runs and the last weights are kept.
   */
  data: Pick<CarvedData, 'train' | 'validation'>;
  random: () => number;
  hooks: TrainHooks;
}

/** How an architecture takes a step on a batch, scores the validation carve and copies its weights. */
export interface EpochSteps<S> {
  /** One optimiser step on a batch of rows; returns the batch's loss. */
  step(batch: SparseRow[]): number | Promise<number>;
  /** The epoch's loss from the sum of its batches' losses and the number of batches. */
  epochLoss(sum: number, batches: number): number;
  /** Validation nDCG of the current weights. */
  validationNdcg(): number;
  /** A copy of the current weights, kept when they are the best so far. */
  snapshot(): S;
}

/** What {@link runEpochs} recorded, and the best epoch's weights when there was a validation carve. */
export interface EpochRecord<S> {
  lossHistory: number[];
  validationHistory: number[];
  epochSeconds: number[];
  epochCpuSeconds: number[];
  best: { epoch: number; ndcg: number; values: S } | undefined;
}

/** One pass over the users in minibatches, in the order `order` is shuffled to; checks for abort between batches. */
async function epochPass<S>(run: EpochSetup, steps: EpochSteps<S>, order: number[]): Promise<number> {
  shuffleInPlace(order, run.random);
  let sum = 0;
  let batches = 0;
  for (let start = 0; start < order.length; start += run.opts.batchSize) {
    throwIfAborted(run.hooks);
    sum += await steps.step(order.slice(start, start + run.opts.batchSize).map((i) => run.data.train[i]!));
    batches += 1;
  }
  return steps.epochLoss(sum, batches);
}

/**
 * The epoch loop shared by the gradient-trained architectures: minibatches in a seeded shuffle, early stopping
 * on validation nDCG after `patience` epochs without a better one, keeping the best epoch's snapshot.
 */
export async function runEpochs<S>(run: EpochSetup, steps: EpochSteps<S>): Promise<EpochRecord<S>> {
  const record: EpochRecord<S> = { lossHistory: [], validationHistory: [], epochSeconds: [], epochCpuSeconds: [], best: undefined };
  const order = run.data.train.map((_, i) => i);
  const validating = run.data.validation.length > 0;
  let sinceBest = 0;
  for (let epoch = 1; epoch <= run.opts.epochs; epoch++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const loss = await epochPass(run, steps, order);
    record.lossHistory.push(loss);
    const metrics: EpochMetrics = { seconds: 0 };
    if (validating) {
      const ndcg = steps.validationNdcg();
      metrics.validationNdcg = ndcg;
      record.validationHistory.push(ndcg);
      if (!record.best || ndcg > record.best.ndcg) {
        record.best = { epoch, ndcg, values: steps.snapshot() };
        sinceBest = 0;
      } else {
        sinceBest += 1;
      }
    }
    metrics.seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    record.epochSeconds.push(metrics.seconds);
    record.epochCpuSeconds.push((cpu.user + cpu.system) / 1e6);
    await run.hooks.onEpoch?.(epoch, loss, metrics);
    // Let the event loop breathe (job progress, cancellation) between epochs.
    await new Promise((resolve) => setImmediate(resolve));
    if (validating && sinceBest >= run.opts.patience) break;
  }
  return record;
}
