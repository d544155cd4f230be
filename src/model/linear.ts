import * as tf from '@tensorflow/tfjs';
import { DaeModel } from './dae-model.ts';
import { carveTraining, coldTitleBias, fitTextMap, seededRandom, shuffleInPlace, textMatrix, type TrainHooks, type TrainOptions, type EpochMetrics } from './train.ts';
import type { RatingsDataset } from './types.ts';
import { WarmColumns } from './warm-columns.ts';

/**
 * Trains the linear low-rank autoencoder (see src/model/README.md): scores = x U V^T + b, where x is a
 * user's raw history row, U and V are titles x d. The loss is squared error over every (user, title)
 * cell with the self-contribution x_j (U_j . V_j) removed from title j's score (as EASE's zero diagonal
 * does), so the model cannot reconstruct a title from itself and must predict it from the others, plus
 * an L2 penalty on U and V. Only titles rated in training take part; cold titles get vectors from text.
 * Gradients are written out by hand: every product is a plain (untransposed) matMul, which is what the
 * wasm backend runs fast.
 */
export async function trainLinear(dataset: RatingsDataset, opts: TrainOptions, rowOf: Map<number, number>, backend: string, hooks: TrainHooks): Promise<DaeModel> {
  const n = dataset.titleIds.length;
  const d = Math.round(opts.dimension);
  const random = seededRandom(opts.seed);
  const { train, validation, ratedCount } = carveTraining(dataset, rowOf, opts, random);
  const columns = new WarmColumns(ratedCount);
  const { warm } = columns;
  const m = warm.length;
  const users = train.length;

  const seedOf = (k: number) => (opts.seed * 7919 + k) >>> 0;
  const scale = opts.initScale;
  const u = tf.variable(tf.randomNormal([m, d], 0, scale, 'float32', seedOf(1)), true, 'linearU');
  const vt = tf.variable(tf.randomNormal([d, m], 0, scale, 'float32', seedOf(2)), true, 'linearVt');
  const bias = tf.variable(tf.zeros([m]), true, 'linearBias');
  const optimizer = tf.train.adam(opts.learningRate);

  /** Scores of dense input rows (batch x m) with the user's own titles' self-contribution kept. */
  const scoresOf = (x: tf.Tensor2D): tf.Tensor2D => tf.add(tf.matMul(tf.matMul(x, u), vt), bias);

  const step = (xValues: Float32Array, rowsInBatch: number): number => {
    const lossTensor = tf.tidy(() => {
      const x = tf.tensor2d(xValues, [rowsInBatch, m]);
      const v = tf.transpose(vt) as tf.Tensor2D;
      const self = tf.sum(tf.mul(u, v), 1);
      const h = tf.matMul(x, u);
      const err = tf.sub(tf.sub(tf.add(tf.matMul(h, vt), bias), tf.mul(x, self)), x) as tf.Tensor2D;
      const share = rowsInBatch / users;
      const dy = tf.mul(err, 2) as tf.Tensor2D;
      const dSelf = tf.neg(tf.sum(tf.mul(dy, x), 0));
      const dh = tf.matMul(dy, v);
      const gradU = tf.add(tf.add(tf.matMul(tf.transpose(x), dh), tf.mul(tf.expandDims(dSelf, 1), v)), tf.mul(u, 2 * opts.l2 * share));
      const gradV = tf.add(tf.matMul(tf.transpose(h), dy), tf.transpose(tf.add(tf.mul(tf.expandDims(dSelf, 1), u), tf.mul(v, 2 * opts.l2 * share))));
      optimizer.applyGradients([
        { name: 'linearU', tensor: gradU },
        { name: 'linearVt', tensor: gradV },
        { name: 'linearBias', tensor: tf.sum(dy, 0) },
      ]);
      return tf.add(tf.sum(tf.square(err)), tf.mul(tf.add(tf.sum(tf.square(u)), tf.sum(tf.square(vt))), opts.l2 * share));
    });
    const value = lossTensor.dataSync()[0]!;
    lossTensor.dispose();
    return value;
  };

  const validationNdcg = (): number =>
    columns.validationNdcg(validation, opts.validationK, (rows) => {
      const scores = tf.tidy(() => scoresOf(tf.tensor2d(columns.dense(rows), [rows.length, m])));
      const values = scores.dataSync() as Float32Array;
      scores.dispose();
      return values;
    });

  const trainable = [u, vt, bias];
  const snapshot = () => trainable.map((t) => t.dataSync().slice() as Float32Array);
  let best: { epoch: number; ndcg: number; values: Float32Array[] } | undefined;
  const lossHistory: number[] = [];
  const validationHistory: number[] = [];
  const epochSeconds: number[] = [];
  const epochCpuSeconds: number[] = [];
  const order = train.map((_, i) => i);
  let sinceBest = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      shuffleInPlace(order, random);
      let lossSum = 0;
      for (let start = 0; start < order.length; start += opts.batchSize) {
        if (hooks.signal?.aborted) throw hooks.signal.reason ?? new Error('Training was aborted.');
        const batch = order.slice(start, start + opts.batchSize).map((i) => train[i]!);
        lossSum += step(columns.dense(batch), batch.length);
      }
      const loss = lossSum / users;
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
      const cpu = process.cpuUsage(cpuStarted);
      epochSeconds.push(metrics.seconds);
      epochCpuSeconds.push((cpu.user + cpu.system) / 1e6);
      await hooks.onEpoch?.(epoch, loss, metrics);
      await new Promise((resolve) => setImmediate(resolve));
      if (validation.length > 0 && sinceBest >= opts.patience) break;
    }
    const [uValues, vtValues, biasValues] = best ? best.values : snapshot();

    const titleVectors = new Float32Array(n * (d + 1));
    const encoderRows = new Float32Array(n * d);
    warm.forEach((row, col) => {
      for (let i = 0; i < d; i++) {
        titleVectors[row * (d + 1) + i] = vtValues![i * m + col]!;
        encoderRows[row * d + i] = uValues![col * d + i]!;
      }
      titleVectors[row * (d + 1) + d] = biasValues![col]!;
    });
    const cold = fillColdTitles(dataset, warm, ratedCount, titleVectors, encoderRows, d);
    return new DaeModel({
      backend,
      hidden: d,
      titleIds: [...dataset.titleIds],
      titleVectors,
      encoderRows,
      encoderBias: new Float32Array(d),
      weighting: { weighting: opts.weighting, recencyHalfLifeDays: opts.recencyHalfLifeDays },
      encoding: 'linear',
      training: {
        options: { ...opts },
        users,
        ratings: dataset.ratings.length,
        trainedTitles: m,
        coldTitles: cold,
        lossHistory,
        validationNdcg: validationHistory,
        bestEpoch: best?.epoch ?? lossHistory.length,
        epochSeconds,
        epochCpuSeconds,
      },
    });
  } finally {
    for (const t of trainable) t.dispose();
    optimizer.dispose();
  }
}

/**
 * How far to trust the text map for a title nobody rated: the least-squares factor that maps the text map's
 * predictions for titles rated once onto their learned vectors (bias left out), in [0, 1]. The map predicts
 * something like the average of similar rated titles, which would rank above nearly every rare title.
 */
function rareTitleTrust(predict: (row: number) => Float32Array, titleVectors: Float32Array, ratedCount: Int32Array, d: number): number {
  let cross = 0;
  let self = 0;
  ratedCount.forEach((count, row) => {
    if (count !== 1) return;
    const predicted = predict(row);
    for (let i = 0; i < d; i++) {
      cross += predicted[i]! * titleVectors[row * (d + 1) + i]!;
      self += predicted[i]! * predicted[i]!;
    }
  });
  return self > 0 ? Math.min(1, Math.max(0, cross / self)) : 1;
}

/**
 * Gives titles without training ratings the rows their text predicts (ridge map fitted on warm titles),
 * or, without text, a zero vector and a rare-title bias. Returns how many titles were cold.
 */
export function fillColdTitles(dataset: RatingsDataset, warm: readonly number[], ratedCount: Int32Array, titleVectors: Float32Array, encoderRows: Float32Array, d: number): number {
  const n = dataset.titleIds.length;
  const coldRows: number[] = [];
  for (let row = 0; row < n; row++) if (ratedCount[row] === 0) coldRows.push(row);
  if (coldRows.length === 0) return 0;
  const text = textMatrix(dataset);
  const biases = Float32Array.from({ length: n }, (_, row) => titleVectors[row * (d + 1) + d]!);
  const coldBias = coldTitleBias(biases, ratedCount);
  const predictOut = text ? fitTextMap(text, warm, titleVectors, d + 1, 1) : undefined;
  const predictIn = text ? fitTextMap(text, warm, encoderRows, d, 1) : undefined;
  const trust = predictOut ? rareTitleTrust(predictOut, titleVectors, ratedCount, d) : 1;
  for (const row of coldRows) {
    const hasText = text !== undefined && text.values.subarray(row * text.dim, (row + 1) * text.dim).some((x) => x !== 0);
    if (hasText && predictOut && predictIn) {
      const out = predictOut(row);
      for (let i = 0; i < d; i++) out[i]! *= trust;
      titleVectors.set(out, row * (d + 1));
      encoderRows.set(predictIn(row), row * d);
    } else {
      titleVectors[row * (d + 1) + d] = coldBias;
    }
  }
  return coldRows.length;
}
