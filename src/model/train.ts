import * as tf from '@tensorflow/tfjs';
import { ndcgAt, topK } from '../eval/metrics.ts';
import { initBackend, type BackendPreference } from './backend.ts';
import { DaeModel } from './dae-model.ts';
import { trainLinear } from './linear.ts';
import { trainSpectral, trainSpectralVariants } from './spectral.ts';
import { historyWeights, ratingsByUser } from './history.ts';
import type { SessionOptions } from './sessions.ts';
import type { RatingsDataset } from './types.ts';
import { seededRandom, shuffleInPlace } from '../lib/random.ts';
export { seededRandom, shuffleInPlace } from '../lib/random.ts';

/** Training settings. Defaults ({@link defaultTrainOptions}) were tuned on a validation split of ml-latest-small. */
export interface TrainOptions extends SessionOptions {
  /**
   * `spectral` (default): the linear autoencoder solved in closed form (src/model/spectral.ts).
   * `linear`: the linear low-rank autoencoder with self-exclusion trained by Adam (src/model/linear.ts).
   * `mult-dae`: the tanh Mult-DAE with a softmax likelihood (the first architecture).
   */
  architecture: 'spectral' | 'linear' | 'mult-dae';
  /** Standard deviation of the linear model's initial weights. */
  initScale: number;
  /** Hidden size d of the user/title space; served vectors have d + 1 components (bias folded in). */
  dimension: number;
  /**
   * Upper bound on epochs; early stopping on validation nDCG usually ends sooner. For `spectral`: the number of
   * subspace-iteration passes over the rating matrix.
   */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Input dropout rate (the "denoising" in Mult-DAE; the linear model does not use it). */
  dropout: number;
  /** Seeds weight init, dropout masks, batch order and the validation carve. */
  seed: number;
  /**
   * L2 penalty on all weight matrices: per batch for the Mult-DAE, per pass over all users for the linear model.
   * For `spectral`: the ridge strength as a fraction of the largest eigenvalue of X^T X (so it scales with the
   * data).
   */
  l2: number;
  /**
   * Share of each user's titles held out of training to pick the best epoch; 0 trains on everything for `epochs`.
   * `spectral` has no epochs to pick and always trains on everything.
   */
  validationFraction: number;
  /** Stop after this many epochs without a better validation nDCG. */
  patience: number;
  /** k of the validation nDCG@k. */
  validationK: number;
  /** At most this many users are scored for validation (keeps big datasets cheap). */
  validationUsers: number;
  backend: BackendPreference;
  /**
   * Also learn text projections inside the network (title rows = free embedding + projected text).
   * Off by default: with free embeddings the projection gets little signal and costs time. Cold titles
   * get their vectors from the text map fitted after training either way.
   */
  textProjection: boolean;
}

/**
 * Production defaults: the closed-form linear autoencoder (src/model/README.md says why). The gradient-trained
 * architectures start from their own settings ({@link architectureDefaults}); explicit options override both.
 */
export const defaultTrainOptions: TrainOptions = {
  architecture: 'spectral',
  initScale: 0.03,
  dimension: 384,
  epochs: 6,
  batchSize: 128,
  learningRate: 2e-3,
  dropout: 0.5,
  seed: 42,
  // l2, dimension, sessionGapMinutes, sessionWeight, windowLength and windowWeight: chosen by `npx tsx bench/tune.ts`
  // on a validation carve of tuning seed 101's training split (validation nDCG@10 0.2021; BENCHMARKS.md, "Quality"),
  // never on a test split.
  l2: 0.12,
  validationFraction: 0.1,
  patience: 6,
  validationK: 10,
  validationUsers: 2000,
  backend: 'auto',
  textProjection: false,
  weighting: 'binary',
  recencyHalfLifeDays: undefined,
  sessionGapMinutes: 5,
  sessionWeight: 2,
  windowLength: 20,
  windowWeight: 1,
};

/** What each architecture changes in {@link defaultTrainOptions} (values tuned for it on ml-latest-small). */
export const architectureDefaults: Record<TrainOptions['architecture'], Partial<TrainOptions>> = {
  spectral: {},
  linear: { dimension: 256, epochs: 60, l2: 100 },
  'mult-dae': { dimension: 256, epochs: 30, batchSize: 32, learningRate: 5e-3, l2: 0.01, patience: 5 },
};

/** The options training will use: the architecture's defaults under the given ones. */
export function resolveTrainOptions(options: Partial<TrainOptions>): TrainOptions {
  const architecture = options.architecture ?? defaultTrainOptions.architecture;
  const known = Object.keys(architectureDefaults);
  if (!known.includes(architecture)) throw new TrainingInputError(`Training option architecture must be one of ${known.join(', ')} (got ${String(architecture)}).`);
  return { ...defaultTrainOptions, ...architectureDefaults[architecture], ...options, architecture };
}

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

export interface SparseRow {
  rows: Int32Array;
  weights: Float32Array;
}

export function validate(dataset: RatingsDataset, options: TrainOptions): Map<number, number> {
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
  if (!(options.sessionGapMinutes > 0)) throw new TrainingInputError(`Training option sessionGapMinutes must be a positive number of minutes (got ${String(options.sessionGapMinutes)}).`);
  if (!(options.sessionWeight >= 0 && Number.isFinite(options.sessionWeight))) {
    throw new TrainingInputError(`Training option sessionWeight must be 0 (sessions off) or a positive number (got ${String(options.sessionWeight)}).`);
  }
  if (!(Number.isInteger(options.windowLength) && options.windowLength >= 0)) {
    throw new TrainingInputError(`Training option windowLength must be a whole number of ratings, 0 for no windows (got ${String(options.windowLength)}).`);
  }
  if (!(options.windowWeight >= 0 && Number.isFinite(options.windowWeight))) {
    throw new TrainingInputError(`Training option windowWeight must be 0 (windows off) or a positive number (got ${String(options.windowWeight)}).`);
  }
  if (!(options.validationFraction >= 0 && options.validationFraction < 0.5)) {
    throw new TrainingInputError(`Training option validationFraction must be in [0, 0.5) (got ${options.validationFraction}).`);
  }
  return rowOf;
}

/** Title text matrix (titles x textDim, zero rows where text is unknown), or undefined with no text at all. */
export function textMatrix(dataset: RatingsDataset): { values: Float32Array; dim: number } | undefined {
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

/** Users' sparse input rows for training, the validation carve (held-out titles per user) and how often each title row is rated in training. */
export interface CarvedData {
  train: SparseRow[];
  validation: { input: SparseRow; heldOut: Set<number> }[];
  ratedCount: Int32Array;
}

/**
 * Groups ratings by user into sparse weighted rows and holds out `validationFraction` of the titles of
 * users with at least 5 titles (up to `validationUsers` users) to choose the best epoch.
 */
export function carveTraining(dataset: RatingsDataset, rowOf: ReadonlyMap<number, number>, opts: TrainOptions, random: () => number): CarvedData {
  const n = dataset.titleIds.length;
  const train: SparseRow[] = [];
  const validation: { input: SparseRow; heldOut: Set<number> }[] = [];
  const ratedCount = new Int32Array(n);
  for (const history of ratingsByUser(dataset.ratings).values()) {
    const weights = historyWeights(history, rowOf, opts);
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

  return { train, validation, ratedCount };
}

/**
 * Default-architecture models for several `(l2, dimension)` pairs from one decomposition (bench/tune.ts's search);
 * every other option as {@link trainModel}. Only the closed form can share the work this way.
 */
export async function trainSpectralModels(
  dataset: RatingsDataset,
  options: Partial<TrainOptions>,
  variants: readonly { l2: number; dimension: number }[],
  hooks: TrainHooks = {},
): Promise<DaeModel[]> {
  const opts = resolveTrainOptions({ ...options, architecture: 'spectral' });
  const rowOf = validate(dataset, opts);
  return trainSpectralVariants(dataset, opts, rowOf, await initBackend(opts.backend), hooks, variants);
}

/**
 * Trains a model of `options.architecture` (default `spectral`) on `dataset` and returns a servable model.
 * The Mult-DAE is trained here: batches are dense multi-hot rows built on the fly from sparse user histories, so the graph has no
 * gather (whose gradient is missing on wasm and pathologically slow on cpu) and memory stays
 * O(batch x titles). Honours `hooks.signal` between batches.
 */
export async function trainModel(dataset: RatingsDataset, options: Partial<TrainOptions> = {}, hooks: TrainHooks = {}): Promise<DaeModel> {
  const opts = resolveTrainOptions(options);
  const rowOf = validate(dataset, opts);
  const backend = await initBackend(opts.backend);
  if (opts.architecture === 'spectral') return trainSpectral(dataset, opts, rowOf, backend, hooks);
  if (opts.architecture === 'linear') return trainLinear(dataset, opts, rowOf, backend, hooks);
  const n = dataset.titleIds.length;
  const d = Math.round(opts.dimension);
  const random = seededRandom(opts.seed);

  const { train, validation, ratedCount } = carveTraining(dataset, rowOf, opts, random);

  const text = textMatrix(dataset);
  const graphText = opts.textProjection ? text : undefined;
  const seedOf = (k: number) => (opts.seed * 7919 + k) >>> 0;
  const glorot = (rows: number, cols: number, k: number) => tf.randomNormal([rows, cols], 0, Math.sqrt(2 / (rows + cols)), 'float32', seedOf(k));
  const encoderFree = tf.variable(glorot(n, d, 1), true, 'encoderFree');
  const encoderBias = tf.variable(tf.zeros([d]), true, 'encoderBias');
  // Decoder kept as d x titles so the forward pass is a plain (untransposed) matmul; see fastMatMul.
  const decoderFree = tf.variable(tf.transpose(glorot(n, d, 2)), true, 'decoderFree');
  // Start from the popularity ranking (log frequency), so early epochs spend no time learning it.
  const decoderBias = tf.variable(tf.tensor1d(Float32Array.from(ratedCount, (c) => Math.log(c + 0.5))), true, 'decoderBias');
  const textT = graphText ? tf.tensor2d(graphText.values, [n, graphText.dim]) : undefined;
  const textTT = textT ? tf.transpose(textT) : undefined;
  const encoderText = graphText ? tf.variable(glorot(graphText.dim, d, 3), true, 'encoderText') : undefined;
  const decoderText = graphText ? tf.variable(glorot(d, graphText.dim, 4), true, 'decoderText') : undefined;
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
    let pre = matMulConstLeft(input, encoderFree as tf.Tensor2D);
    if (textT && encoderText) pre = tf.add(pre, tf.matMul(tf.matMul(input, textT), encoderText));
    return tf.tanh(tf.add(pre, encoderBias)) as tf.Tensor2D;
  };
  const decode = (hidden: tf.Tensor2D): tf.Tensor2D => {
    let logits = fastMatMul(hidden, decoderFree as tf.Tensor2D);
    // (h P) T^T costs batch x textDim x titles, far less than forming T P^T (titles x textDim x d) per step.
    if (textT && textTT && decoderText) logits = tf.add(logits, matMulConstRight(tf.matMul(hidden, decoderText as tf.Tensor2D), textTT, textT));
    return tf.add(logits, decoderBias);
  };
  const normalise = (x: tf.Tensor2D): tf.Tensor2D => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12));

  const validationNdcg = (): number => {
    if (validation.length === 0) return 0;
    let total = 0;
    const chunk = 256;
    for (let start = 0; start < validation.length; start += chunk) {
      const part = validation.slice(start, start + chunk);
      // Read the data outside tidy: tidy walks a returned value, and walking a big typed array is very slow.
      const logits = tf.tidy(() => decode(encode(normalise(dense(part.map((v) => v.input))))));
      const scores = logits.dataSync() as Float32Array;
      logits.dispose();
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

    const read = (make: () => tf.Tensor): Float32Array => {
      const t = tf.tidy(make);
      const values = t.dataSync() as Float32Array;
      t.dispose();
      return values;
    };
    const encoderRows = read(() => (textT && encoderText ? tf.add(encoderFree, tf.matMul(textT, encoderText)) : encoderFree.clone()));
    const decoderRows = read(() => {
      const free = tf.transpose(decoderFree);
      return textT && decoderText ? tf.add(free, tf.matMul(textT, tf.transpose(decoderText))) : free;
    });
    const biases = decoderBias.dataSync() as Float32Array;
    const encoderBiasValues = encoderBias.dataSync().slice() as Float32Array;
    const titleVectors = new Float32Array(n * (d + 1));
    for (let row = 0; row < n; row++) {
      titleVectors.set(decoderRows.subarray(row * d, (row + 1) * d), row * (d + 1));
      titleVectors[row * (d + 1) + d] = biases[row]!;
    }
    const encoderOut = encoderRows.slice();
    // A title nobody rated in training has only noise (init, softmax push-down) in its rows: replace them
    // by what the title's text predicts (a ridge map fitted on rated titles), or by a rare-title prior.
    const cold: number[] = [];
    for (let row = 0; row < n; row++) if (ratedCount[row] === 0) cold.push(row);
    if (cold.length > 0) {
      const warm: number[] = [];
      for (let row = 0; row < n; row++) if (ratedCount[row]! > 0) warm.push(row);
      const coldBias = coldTitleBias(biases, ratedCount);
      const predictOut = text ? fitTextMap(text, warm, titleVectors, d + 1, 1) : undefined;
      const predictIn = text ? fitTextMap(text, warm, encoderRows, d, 1) : undefined;
      for (const row of cold) {
        const hasText = text !== undefined && text.values.subarray(row * text.dim, (row + 1) * text.dim).some((x) => x !== 0);
        if (hasText && predictOut && predictIn) {
          titleVectors.set(predictOut(row), row * (d + 1));
          encoderOut.set(predictIn(row), row * d);
        } else {
          titleVectors.fill(0, row * (d + 1), (row + 1) * (d + 1));
          titleVectors[row * (d + 1) + d] = coldBias;
          encoderOut.fill(0, row * d, (row + 1) * d);
        }
      }
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
        coldTitles: cold.length,
        lossHistory,
        validationNdcg: validationHistory,
        bestEpoch: best?.epoch ?? lossHistory.length,
        epochSeconds,
      },
    });
  } finally {
    for (const v of trainable) v.dispose();
    textT?.dispose();
    textTT?.dispose();
    optimizer.dispose();
  }
}

/*
 * tfjs-backend-wasm runs matMul with a transposed operand about 15x slower than an explicit transpose
 * followed by a plain matMul (measured here: 0.9 s vs 0.06 + 0.08 s for 32x9742 by 9742x256), and the
 * stock matMul gradient uses transposed operands. These replacements only ever call plain matMul.
 */
// tf.customGrad's typing only admits a fixed tuple of inputs; this is its actual shape.
type CustomGrad = (
  f: (...args: never[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] },
) => (...args: tf.Tensor[]) => tf.Tensor;

const fastMatMul = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D =>
  (tf.customGrad as unknown as CustomGrad)((x: tf.Tensor, y: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x as tf.Tensor2D, y as tf.Tensor2D]);
    return {
      value: tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D),
      gradFunc: (dy, saved) => {
        const [sa, sb] = saved as tf.Tensor2D[];
        return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb!)), tf.matMul(tf.transpose(sa!), dy as tf.Tensor2D)];
      },
    };
  })(a, b) as tf.Tensor2D;

/** input x weights where the input is data: its gradient is never used, so it is returned as zeros. */
const matMulConstLeft = (input: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D =>
  (tf.customGrad as unknown as CustomGrad)((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    // Saved, not closed over: the tape disposes forward-pass tensors it was not asked to keep.
    save([x]);
    return {
      value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
      gradFunc: (dy, saved) => [tf.zerosLike(saved[0]!), tf.matMul(tf.transpose(saved[0]! as tf.Tensor2D), dy as tf.Tensor2D)],
    };
  })(input, weights) as tf.Tensor2D;

/** a x constant, with the constant's transpose supplied so the gradient needs no transpose of it. */
const matMulConstRight = (a: tf.Tensor2D, constant: tf.Tensor2D, constantTransposed: tf.Tensor2D): tf.Tensor2D =>
  (tf.customGrad as unknown as CustomGrad)((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x as tf.Tensor2D]);
    return {
      value: tf.matMul(x as tf.Tensor2D, constant),
      gradFunc: (dy) => [tf.matMul(dy as tf.Tensor2D, constantTransposed)],
    };
  })(a) as tf.Tensor2D;

/**
 * Ridge regression from title text to `targets` rows (width `width`), fitted on the `warm` rows:
 * W = (X^T X + lambda I)^-1 X^T Y, solved by Cholesky (textDim is small: genres or a sentence encoder).
 * Returns a predictor for any row's text.
 */
export function fitTextMap(text: { values: Float32Array; dim: number }, warm: readonly number[], targets: Float32Array, width: number, lambda: number): (row: number) => Float32Array {
  const t = text.dim;
  const gram = new Float64Array(t * t);
  const xty = new Float64Array(t * width);
  for (const row of warm) {
    const x = text.values.subarray(row * t, (row + 1) * t);
    for (let i = 0; i < t; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let j = 0; j < t; j++) gram[i * t + j]! += xi * x[j]!;
      for (let j = 0; j < width; j++) xty[i * width + j]! += xi * targets[row * width + j]!;
    }
  }
  for (let i = 0; i < t; i++) gram[i * t + i]! += lambda;
  // Cholesky: gram = L L^T.
  const l = new Float64Array(t * t);
  for (let i = 0; i < t; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = gram[i * t + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * t + k]! * l[j * t + k]!;
      l[i * t + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * t + j]!;
    }
  }
  const w = new Float64Array(t * width);
  const z = new Float64Array(t);
  for (let c = 0; c < width; c++) {
    for (let i = 0; i < t; i++) {
      let sum = xty[i * width + c]!;
      for (let k = 0; k < i; k++) sum -= l[i * t + k]! * z[k]!;
      z[i] = sum / l[i * t + i]!;
    }
    for (let i = t - 1; i >= 0; i--) {
      let sum = z[i]!;
      for (let k = i + 1; k < t; k++) sum -= l[k * t + i]! * w[k * width + c]!;
      w[i * width + c] = sum / l[i * t + i]!;
    }
  }
  return (row) => {
    const x = text.values.subarray(row * t, (row + 1) * t);
    const out = new Float32Array(width);
    for (let i = 0; i < t; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let c = 0; c < width; c++) out[c]! += xi * w[i * width + c]!;
    }
    return out;
  };
}

/** Bias for titles without training ratings: the median bias of titles rated exactly once (a rare-title prior). */
export function coldTitleBias(biases: Float32Array, ratedCount: Int32Array): number {
  const rare: number[] = [];
  for (let row = 0; row < biases.length; row++) if (ratedCount[row] === 1) rare.push(biases[row]!);
  if (rare.length === 0) for (let row = 0; row < biases.length; row++) if (ratedCount[row]! > 0) rare.push(biases[row]!);
  if (rare.length === 0) return 0;
  rare.sort((a, b) => a - b);
  return rare[Math.floor(rare.length / 2)]!;
}
