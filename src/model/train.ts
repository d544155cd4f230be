import * as tf from '@tensorflow/tfjs';
import { ndcgAt, topK } from '../eval/metrics.ts';
import { initBackend, type BackendPreference } from './backend.ts';
import { DaeModel } from './dae-model.ts';
import { historyWeights, type HistoryWeighting } from './history.ts';
import type { RatingsDataset } from './types.ts';

/** Training settings. Defaults ({@link defaultTrainOptions}) were tuned on a validation split of ml-latest-small. */
export interface TrainOptions extends HistoryWeighting {
  /** Hidden size d of the user/title space; served vectors have d + 1 components (bias folded in). */
  dimension: number;
  /** Upper bound on epochs; early stopping on validation nDCG usually ends sooner. */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Input dropout rate (the "denoising" in Mult-DAE). */
  dropout: number;
  /** Seeds weight init, dropout masks, batch order and the validation carve. */
  seed: number;
  /** L2 penalty on all weight matrices, per batch. */
  l2: number;
  /** Share of each user's titles held out of training to pick the best epoch; 0 trains on everything for `epochs`. */
  validationFraction: number;
  /** Stop after this many epochs without a better validation nDCG. */
  patience: number;
  /** k of the validation nDCG@k. */
  validationK: number;
  /** At most this many users are scored for validation (keeps big datasets cheap). */
  validationUsers: number;
  backend: BackendPreference;
}

export const defaultTrainOptions: TrainOptions = {
  dimension: 400,
  epochs: 60,
  batchSize: 64,
  learningRate: 1e-3,
  dropout: 0.5,
  seed: 42,
  l2: 1e-4,
  validationFraction: 0.1,
  patience: 6,
  validationK: 10,
  validationUsers: 2000,
  backend: 'auto',
  weighting: 'binary',
  recencyHalfLifeDays: undefined,
};

/** Per-epoch numbers passed to {@link TrainHooks.onEpoch}. */
export interface EpochMetrics {
  seconds: number;
  validationNdcg?: number;
}

export interface TrainHooks {
  onEpoch?(epoch: number, loss: number, metrics?: EpochMetrics): void | Promise<void>;
  signal?: AbortSignal;
}

/** A dataset or option that training cannot use; the message says what to fix. */
export class TrainingInputError extends Error {
  override name = 'TrainingInputError';
}

/** Small seeded PRNG (mulberry32): batch order and validation carve must not depend on Math.random. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

interface SparseRow {
  rows: Int32Array;
  weights: Float32Array;
}

function validate(dataset: RatingsDataset, options: TrainOptions): Map<number, number> {
  if (dataset.titleIds.length === 0) throw new TrainingInputError('The dataset has no titles; import titles before training.');
  if (dataset.ratings.length === 0) throw new TrainingInputError('The dataset has no ratings; a model needs at least one rating to learn from.');
  const rowOf = new Map<number, number>();
  dataset.titleIds.forEach((id, row) => {
    if (!Number.isInteger(id)) throw new TrainingInputError(`Title id ${id} is not an integer.`);
    if (rowOf.has(id)) throw new TrainingInputError(`Title id ${id} appears twice in dataset.titleIds.`);
    rowOf.set(id, row);
  });
  for (const r of dataset.ratings) {
    if (!rowOf.has(r.titleId)) throw new TrainingInputError(`A rating by user ${r.userId} refers to title ${r.titleId}, which is not in dataset.titleIds.`);
    if (!(r.value >= 0.5 && r.value <= 5)) throw new TrainingInputError(`A rating by user ${r.userId} of title ${r.titleId} is ${r.value}; ratings must be 0.5 to 5.`);
  }
  const positive: (keyof TrainOptions)[] = ['dimension', 'epochs', 'batchSize', 'learningRate', 'validationK', 'validationUsers'];
  for (const key of positive) {
    const value = options[key];
    if (typeof value !== 'number' || !(value > 0)) throw new TrainingInputError(`Training option ${key} must be a positive number (got ${String(value)}).`);
  }
  if (!(options.dropout >= 0 && options.dropout < 1)) throw new TrainingInputError(`Training option dropout must be in [0, 1) (got ${options.dropout}).`);
  if (!(options.validationFraction >= 0 && options.validationFraction < 0.5)) {
    throw new TrainingInputError(`Training option validationFraction must be in [0, 0.5) (got ${options.validationFraction}).`);
  }
  return rowOf;
}

/** Title text matrix (titles x textDim, zero rows where text is unknown), or undefined with no text at all. */
function textMatrix(dataset: RatingsDataset): { values: Float32Array; dim: number } | undefined {
  const text = dataset.titleText;
  if (!text || text.size === 0) return undefined;
  const first = text.values().next().value as Float32Array;
  const dim = first.length;
  if (dim === 0) return undefined;
  const values = new Float32Array(dataset.titleIds.length * dim);
  dataset.titleIds.forEach((id, row) => {
    const v = text.get(id);
    if (!v) return;
    if (v.length !== dim) throw new TrainingInputError(`Title ${id} has a text embedding of length ${v.length}; others have ${dim}. Re-embed all titles with one encoder.`);
    values.set(v, row * dim);
  });
  return { values, dim };
}

/**
 * Trains the Mult-DAE (see src/model/README.md) on `dataset` and returns a servable model.
 * Batches are dense multi-hot rows built on the fly from sparse user histories, so the graph has no
 * gather (whose gradient is missing on wasm and pathologically slow on cpu) and memory stays
 * O(batch x titles). Honours `hooks.signal` between batches.
 */
export async function trainModel(dataset: RatingsDataset, options: Partial<TrainOptions> = {}, hooks: TrainHooks = {}): Promise<DaeModel> {
  const opts: TrainOptions = { ...defaultTrainOptions, ...options };
  const rowOf = validate(dataset, opts);
  const backend = await initBackend(opts.backend);
  const n = dataset.titleIds.length;
  const d = Math.round(opts.dimension);
  const random = seededRandom(opts.seed);

  const byUser = new Map<number, { titleId: number; value: number; ratedAt: number }[]>();
  for (const r of dataset.ratings) {
    let list = byUser.get(r.userId);
    if (!list) byUser.set(r.userId, (list = []));
    list.push(r);
  }
  const userIds = [...byUser.keys()].sort((a, b) => a - b);
  const train: SparseRow[] = [];
  const validation: { input: SparseRow; heldOut: Set<number> }[] = [];
  const ratedCount = new Int32Array(n);
  for (const userId of userIds) {
    const weights = historyWeights(byUser.get(userId)!, rowOf, opts);
    const rows = [...weights.keys()].sort((a, b) => a - b);
    let heldOut = new Set<number>();
    // Users with fewer than 5 titles give too little signal to hold any out.
    if (opts.validationFraction > 0 && rows.length >= 5 && validation.length < opts.validationUsers) {
      const count = Math.max(1, Math.round(rows.length * opts.validationFraction));
      heldOut = new Set(shuffleInPlace([...rows], random).slice(0, count));
    }
    const kept = rows.filter((row) => !heldOut.has(row));
    const sparse = { rows: Int32Array.from(kept), weights: Float32Array.from(kept, (row) => weights.get(row)!) };
    for (const row of kept) ratedCount[row]! += 1;
    train.push(sparse);
    if (heldOut.size > 0) validation.push({ input: sparse, heldOut });
  }

  const text = textMatrix(dataset);
  const seedOf = (k: number) => (opts.seed * 7919 + k) >>> 0;
  const glorot = (rows: number, cols: number, k: number) => tf.randomNormal([rows, cols], 0, Math.sqrt(2 / (rows + cols)), 'float32', seedOf(k));
  const encoderFree = tf.variable(glorot(n, d, 1), true, 'encoderFree');
  const encoderBias = tf.variable(tf.zeros([d]), true, 'encoderBias');
  const decoderFree = tf.variable(glorot(n, d, 2), true, 'decoderFree');
  const decoderBias = tf.variable(tf.zeros([n]), true, 'decoderBias');
  const textT = text ? tf.tensor2d(text.values, [n, text.dim]) : undefined;
  const encoderText = text ? tf.variable(glorot(text.dim, d, 3), true, 'encoderText') : undefined;
  const decoderText = text ? tf.variable(glorot(text.dim, d, 4), true, 'decoderText') : undefined;
  const trainable = [encoderFree, encoderBias, decoderFree, decoderBias, encoderText, decoderText].filter((v): v is tf.Variable => v !== undefined);
  const penalised = [encoderFree, decoderFree, encoderText, decoderText].filter((v): v is tf.Variable => v !== undefined);
  const optimizer = tf.train.adam(opts.learningRate);

  const dense = (batch: readonly SparseRow[]): tf.Tensor2D => {
    const values = new Float32Array(batch.length * n);
    batch.forEach((row, b) => {
      for (let i = 0; i < row.rows.length; i++) values[b * n + row.rows[i]!] = row.weights[i]!;
    });
    return tf.tensor2d(values, [batch.length, n]);
  };
  const encode = (input: tf.Tensor2D): tf.Tensor2D => {
    let pre = tf.matMul(input, encoderFree);
    if (textT && encoderText) pre = tf.add(pre, tf.matMul(tf.matMul(input, textT), encoderText));
    return tf.tanh(tf.add(pre, encoderBias));
  };
  const decode = (hidden: tf.Tensor2D): tf.Tensor2D => {
    let logits = tf.matMul(hidden, decoderFree, false, true);
    // (h P^T) T^T costs batch x textDim x titles, far less than forming T P (titles x textDim x d) per step.
    if (textT && decoderText) logits = tf.add(logits, tf.matMul(tf.matMul(hidden, decoderText, false, true), textT, false, true));
    return tf.add(logits, decoderBias);
  };
  const normalise = (x: tf.Tensor2D): tf.Tensor2D => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12));

  const validationNdcg = (): number => {
    if (validation.length === 0) return 0;
    let total = 0;
    const chunk = 256;
    for (let start = 0; start < validation.length; start += chunk) {
      const part = validation.slice(start, start + chunk);
      const scores = tf.tidy(() => {
        const x = dense(part.map((v) => v.input));
        return decode(encode(normalise(x))).dataSync() as Float32Array;
      });
      part.forEach((v, b) => {
        const own = scores.subarray(b * n, (b + 1) * n);
        const ranked = topK(own, opts.validationK, new Set(v.input.rows));
        total += ndcgAt(ranked, v.heldOut, opts.validationK);
      });
    }
    return total / validation.length;
  };

  const snapshot = () => trainable.map((v) => v.dataSync().slice() as Float32Array);
  let best: { epoch: number; ndcg: number; values: Float32Array[] } | undefined;
  const lossHistory: number[] = [];
  const validationHistory: number[] = [];
  const epochSeconds: number[] = [];
  const order = train.map((_, i) => i);
  let step = 0;
  let sinceBest = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const started = performance.now();
      shuffleInPlace(order, random);
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += opts.batchSize) {
        if (hooks.signal?.aborted) throw hooks.signal.reason ?? new Error('Training was aborted.');
        const batch = order.slice(start, start + opts.batchSize).map((i) => train[i]!);
        const target = dense(batch);
        const stepSeed = seedOf(1000 + step++);
        const cost = optimizer.minimize(
          () => {
            const input = opts.dropout > 0 ? tf.dropout(normalise(target), opts.dropout, undefined, stepSeed) : normalise(target);
            const logProbs = tf.logSoftmax(decode(encode(input as tf.Tensor2D)));
            const nll = tf.neg(tf.mean(tf.sum(tf.mul(logProbs, target), 1)));
            if (opts.l2 <= 0) return nll as tf.Scalar;
            const penalty = tf.addN(penalised.map((v) => tf.sum(tf.square(v))));
            return tf.add(nll, tf.mul(penalty, opts.l2 / 2)) as tf.Scalar;
          },
          true,
          trainable,
        );
        target.dispose();
        if (cost) {
          lossSum += (await cost.data())[0]!;
          cost.dispose();
        }
        batches += 1;
      }
      const loss = lossSum / Math.max(1, batches);
      lossHistory.push(loss);
      const metrics: EpochMetrics = { seconds: 0 };
      if (validation.length > 0) {
        const ndcg = validationNdcg();
        metrics.validationNdcg = ndcg;
        validationHistory.push(ndcg);
        if (!best || ndcg > best.ndcg) {
          best = { epoch, ndcg, values: snapshot() };
          sinceBest = 0;
        } else {
          sinceBest += 1;
        }
      }
      metrics.seconds = (performance.now() - started) / 1000;
      epochSeconds.push(metrics.seconds);
      await hooks.onEpoch?.(epoch, loss, metrics);
      // Let the event loop breathe (job progress, cancellation) between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      if (validation.length > 0 && sinceBest >= opts.patience) break;
    }
    if (best) trainable.forEach((v, i) => v.assign(tf.tensor(best!.values[i]!, v.shape)));

    const encoderRows = tf.tidy(() => (textT && encoderText ? tf.add(encoderFree, tf.matMul(textT, encoderText)) : encoderFree.clone()).dataSync() as Float32Array);
    const decoderRows = tf.tidy(() => (textT && decoderText ? tf.add(decoderFree, tf.matMul(textT, decoderText)) : decoderFree.clone()).dataSync() as Float32Array);
    const biases = decoderBias.dataSync() as Float32Array;
    const encoderBiasValues = encoderBias.dataSync().slice() as Float32Array;
    const coldBias = coldTitleBias(biases, ratedCount);
    const freeIn = encoderFree.dataSync();
    const freeOut = decoderFree.dataSync();
    const titleVectors = new Float32Array(n * (d + 1));
    const encoderOut = new Float32Array(n * d);
    for (let row = 0; row < n; row++) {
      const cold = ratedCount[row] === 0;
      for (let i = 0; i < d; i++) {
        // A title nobody rated in training has only noise (init + softmax push-down) in its free part:
        // drop it so its vector comes from the text projection alone.
        encoderOut[row * d + i] = cold ? encoderRows[row * d + i]! - freeIn[row * d + i]! : encoderRows[row * d + i]!;
        titleVectors[row * (d + 1) + i] = cold ? decoderRows[row * d + i]! - freeOut[row * d + i]! : decoderRows[row * d + i]!;
      }
      titleVectors[row * (d + 1) + d] = cold ? coldBias : biases[row]!;
    }
    return new DaeModel({
      backend,
      hidden: d,
      titleIds: [...dataset.titleIds],
      titleVectors,
      encoderRows: encoderOut,
      encoderBias: encoderBiasValues,
      weighting: { weighting: opts.weighting, recencyHalfLifeDays: opts.recencyHalfLifeDays },
      training: {
        options: { ...opts },
        users: train.length,
        ratings: dataset.ratings.length,
        textDimension: text?.dim ?? 0,
        coldTitles: ratedCount.reduce((c, x) => c + (x === 0 ? 1 : 0), 0),
        lossHistory,
        validationNdcg: validationHistory,
        bestEpoch: best?.epoch ?? lossHistory.length,
        epochSeconds,
      },
    });
  } finally {
    for (const v of trainable) v.dispose();
    textT?.dispose();
    optimizer.dispose();
  }
}

/** Bias for titles without training ratings: the median bias of titles rated exactly once (a rare-title prior). */
function coldTitleBias(biases: Float32Array, ratedCount: Int32Array): number {
  const rare: number[] = [];
  for (let row = 0; row < biases.length; row++) if (ratedCount[row] === 1) rare.push(biases[row]!);
  if (rare.length === 0) for (let row = 0; row < biases.length; row++) if (ratedCount[row]! > 0) rare.push(biases[row]!);
  if (rare.length === 0) return 0;
  rare.sort((a, b) => a - b);
  return rare[Math.floor(rare.length / 2)]!;
}
