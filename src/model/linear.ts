import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../lib/random.ts';
import { fillColdTitles } from './cold-titles.ts';
import { EmbeddingModel } from './embedding-model.ts';
import { runEpochs } from './epochs.ts';
import type { TrainOptions } from './options.ts';
import { commonWeights, type TrainContext, type Trainer } from './trainer.ts';
import { carveTraining, textMatrix } from './training-data.ts';
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
async function trainLinear(dataset: RatingsDataset, opts: TrainOptions, { rowOf, backend, hooks }: TrainContext): Promise<EmbeddingModel> {
  const d = Math.round(opts.dimension);
  const random = seededRandom(opts.seed);
  const carved = carveTraining(dataset, rowOf, opts, random);
  const { train, validation, ratedCount } = carved;
  const columns = new WarmColumns(ratedCount);
  const m = columns.size;
  const users = train.length;
  const seedOf = (k: number) => (opts.seed * 7919 + k) >>> 0;
  const u = tf.variable(tf.randomNormal([m, d], 0, opts.initScale, 'float32', seedOf(1)), true, 'linearU');
  const vt = tf.variable(tf.randomNormal([d, m], 0, opts.initScale, 'float32', seedOf(2)), true, 'linearVt');
  const bias = tf.variable(tf.zeros([m]), true, 'linearBias');
  const optimizer = tf.train.adam(opts.learningRate);
  const weights = { u, vt, bias };
  const trainable = [u, vt, bias];
  const snapshot = () => trainable.map((t) => t.dataSync().slice() as Float32Array);
  try {
    const record = await runEpochs(
      { opts, data: carved, random, hooks },
      {
        step: (batch) => step(weights, optimizer, columns.dense(batch), batch.length, opts.l2 * (batch.length / users)),
        epochLoss: (sum) => sum / users,
        validationNdcg: () =>
          columns.validationNdcg(validation, opts.validationK, (rows) => {
            const scores = tf.tidy(() => tf.add(tf.matMul(tf.matMul(tf.tensor2d(columns.dense(rows), [rows.length, m]), u), vt), bias));
            const values = scores.dataSync() as Float32Array;
            scores.dispose();
            return values;
          }),
        snapshot,
      },
    );
    const [uValues, vtValues, biasValues] = record.best ? record.best.values : snapshot();
    const { titleVectors, encoderRows } = servedRows(columns, dataset.titleIds.length, d, uValues!, vtValues!, biasValues!);
    const cold = fillColdTitles(textMatrix(dataset), ratedCount, titleVectors, encoderRows, d, 'rare-titles');
    return new EmbeddingModel({
      ...commonWeights(dataset, opts, backend),
      titleVectors,
      encoderRows,
      encoderBias: new Float32Array(d),
      encoding: 'linear',
      training: {
        options: { ...opts },
        users,
        ratings: dataset.ratings.length,
        trainedTitles: m,
        coldTitles: cold,
        lossHistory: record.lossHistory,
        validationNdcg: record.validationHistory,
        bestEpoch: record.best?.epoch ?? record.lossHistory.length,
        epochSeconds: record.epochSeconds,
        epochCpuSeconds: record.epochCpuSeconds,
      },
    });
  } finally {
    for (const t of trainable) t.dispose();
    optimizer.dispose();
  }
}

/**
 * One Adam step on a dense batch (rows x warm titles) with the hand-written gradients of the self-excluding
 * squared error plus `penalty` (the batch's share of l2) x (|U|^2 + |V|^2); returns the batch's loss.
 */
function step(weights: { u: tf.Variable; vt: tf.Variable; bias: tf.Variable }, optimizer: tf.Optimizer, xValues: Float32Array, rowsInBatch: number, penalty: number): number {
  const { u, vt, bias } = weights;
  const m = bias.shape[0]!;
  const lossTensor = tf.tidy(() => {
    const x = tf.tensor2d(xValues, [rowsInBatch, m]);
    const v = tf.transpose(vt) as tf.Tensor2D;
    const self = tf.sum(tf.mul(u, v), 1);
    const h = tf.matMul(x, u);
    const err = tf.sub(tf.sub(tf.add(tf.matMul(h, vt), bias), tf.mul(x, self)), x) as tf.Tensor2D;
    const dy = tf.mul(err, 2) as tf.Tensor2D;
    const dSelf = tf.neg(tf.sum(tf.mul(dy, x), 0));
    const dh = tf.matMul(dy, v);
    const gradU = tf.add(tf.add(tf.matMul(tf.transpose(x), dh), tf.mul(tf.expandDims(dSelf, 1), v)), tf.mul(u, 2 * penalty));
    const gradV = tf.add(tf.matMul(tf.transpose(h), dy), tf.transpose(tf.add(tf.mul(tf.expandDims(dSelf, 1), u), tf.mul(v, 2 * penalty))));
    optimizer.applyGradients([
      { name: 'linearU', tensor: gradU },
      { name: 'linearVt', tensor: gradV },
      { name: 'linearBias', tensor: tf.sum(dy, 0) },
    ]);
    return tf.add(tf.sum(tf.square(err)), tf.mul(tf.add(tf.sum(tf.square(u)), tf.sum(tf.square(vt))), penalty));
  });
  const value = lossTensor.dataSync()[0]!;
  lossTensor.dispose();
  return value;
}

/** Title vectors (V row, bias) and encoder rows (U row) over all titles; cold titles stay zero for fillColdTitles. */
function servedRows(columns: WarmColumns, n: number, d: number, uValues: Float32Array, vtValues: Float32Array, biasValues: Float32Array): { titleVectors: Float32Array; encoderRows: Float32Array } {
  const m = columns.size;
  const titleVectors = new Float32Array(n * (d + 1));
  const encoderRows = new Float32Array(n * d);
  columns.warm.forEach((row, col) => {
    for (let i = 0; i < d; i++) {
      titleVectors[row * (d + 1) + i] = vtValues[i * m + col]!;
      encoderRows[row * d + i] = uValues[col * d + i]!;
    }
    titleVectors[row * (d + 1) + d] = biasValues[col]!;
  });
  return { titleVectors, encoderRows };
}

export const linearTrainer: Trainer = { architecture: 'linear', train: trainLinear };
