import * as tf from '@tensorflow/tfjs';
import { ndcgAt, topK } from '../eval/metrics.ts';
import { seededRandom } from '../lib/random.ts';
import { fillColdTitles } from './cold-titles.ts';
import { EmbeddingModel } from './embedding-model.ts';
import { runEpochs } from './epochs.ts';
import type { TrainOptions } from './options.ts';
import { fastMatMul, matMulConstLeft, matMulConstRight } from './plain-matmul.ts';
import type { TextMatrix } from './text-map.ts';
import { commonWeights, type TrainContext, type Trainer } from './trainer.ts';
import { carveTraining, textMatrix, type ValidationUser } from './training-data.ts';
import type { RatingsDataset, SparseRow } from './types.ts';

/** The Mult-DAE's weights and its forward pass (encode: history -> hidden, decode: hidden -> logits). */
interface Network {
  encoderFree: tf.Variable;
  encoderBias: tf.Variable;
  /** Kept as d x titles so the forward pass is a plain (untransposed) matmul; see fastMatMul. */
  decoderFree: tf.Variable;
  decoderBias: tf.Variable;
  encoderText: tf.Variable | undefined;
  decoderText: tf.Variable | undefined;
  textT: tf.Tensor2D | undefined;
  textTT: tf.Tensor2D | undefined;
  trainable: tf.Variable[];
  penalised: tf.Variable[];
  encode(input: tf.Tensor2D): tf.Tensor2D;
  decode(hidden: tf.Tensor2D): tf.Tensor2D;
}

const seedOf = (opts: TrainOptions, k: number) => (opts.seed * 7919 + k) >>> 0;

/** The weights, seeded from `opts.seed`; the in-graph text projection only with `graphText`. */
function buildNetwork(n: number, opts: TrainOptions, ratedCount: Int32Array, graphText: TextMatrix | undefined): Network {
  const d = Math.round(opts.dimension);
  const glorot = (rows: number, cols: number, k: number) => tf.randomNormal([rows, cols], 0, Math.sqrt(2 / (rows + cols)), 'float32', seedOf(opts, k));
  const encoderFree = tf.variable(glorot(n, d, 1), true, 'encoderFree');
  const encoderBias = tf.variable(tf.zeros([d]), true, 'encoderBias');
  const decoderFree = tf.variable(tf.transpose(glorot(n, d, 2)), true, 'decoderFree');
  // Start from the popularity ranking (log frequency), so early epochs spend no time learning it.
  const decoderBias = tf.variable(tf.tensor1d(Float32Array.from(ratedCount, (c) => Math.log(c + 0.5))), true, 'decoderBias');
  const textT = graphText ? tf.tensor2d(graphText.values, [n, graphText.dim]) : undefined;
  const textTT = textT ? (tf.transpose(textT) as tf.Tensor2D) : undefined;
  const encoderText = graphText ? tf.variable(glorot(graphText.dim, d, 3), true, 'encoderText') : undefined;
  const decoderText = graphText ? tf.variable(glorot(d, graphText.dim, 4), true, 'decoderText') : undefined;
  const defined = (vs: (tf.Variable | undefined)[]) => vs.filter((v): v is tf.Variable => v !== undefined);
  return {
    encoderFree,
    encoderBias,
    decoderFree,
    decoderBias,
    encoderText,
    decoderText,
    textT,
    textTT,
    trainable: defined([encoderFree, encoderBias, decoderFree, decoderBias, encoderText, decoderText]),
    penalised: defined([encoderFree, decoderFree, encoderText, decoderText]),
    encode(input) {
      let pre = matMulConstLeft(input, encoderFree as tf.Tensor2D);
      if (textT && encoderText) pre = tf.add(pre, tf.matMul(tf.matMul(input, textT), encoderText));
      return tf.tanh(tf.add(pre, encoderBias)) as tf.Tensor2D;
    },
    decode(hidden) {
      let logits = fastMatMul(hidden, decoderFree as tf.Tensor2D);
      // (h P) T^T costs batch x textDim x titles, far less than forming T P^T (titles x textDim x d) per step.
      if (textT && textTT && decoderText) logits = tf.add(logits, matMulConstRight(tf.matMul(hidden, decoderText as tf.Tensor2D), textTT, textT));
      return tf.add(logits, decoderBias);
    },
  };
}

/** Dense batch x titles multi-hot rows of the users' weights. */
function dense(batch: readonly SparseRow[], n: number): tf.Tensor2D {
  const values = new Float32Array(batch.length * n);
  batch.forEach((row, b) => {
    for (let i = 0; i < row.rows.length; i++) values[b * n + row.rows[i]!] = row.weights[i]!;
  });
  return tf.tensor2d(values, [batch.length, n]);
}

const normalise = (x: tf.Tensor2D): tf.Tensor2D => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12));

/** Mean nDCG@k of the validation users' held-out titles under the network's current weights. */
function validationNdcg(net: Network, validation: readonly ValidationUser[], n: number, k: number): number {
  if (validation.length === 0) return 0;
  let total = 0;
  const chunk = 256;
  for (let start = 0; start < validation.length; start += chunk) {
    const part = validation.slice(start, start + chunk);
    // Read the data outside tidy: tidy walks a returned value, and walking a big typed array is very slow.
    const logits = tf.tidy(() =>
      net.decode(
        net.encode(
          normalise(
            dense(
              part.map((v) => v.input),
              n,
            ),
          ),
        ),
      ),
    );
    const scores = logits.dataSync() as Float32Array;
    logits.dispose();
    part.forEach((v, b) => {
      const ranked = topK(scores.subarray(b * n, (b + 1) * n), k, new Set(v.input.rows));
      total += ndcgAt(ranked, v.heldOut, k);
    });
  }
  return total / validation.length;
}

/** One Adam step on a batch: dropout on the normalised input, multinomial log-likelihood plus L2; returns the loss. */
async function step(net: Network, optimizer: tf.Optimizer, batch: readonly SparseRow[], n: number, opts: TrainOptions, stepSeed: number): Promise<number | undefined> {
  const target = dense(batch, n);
  const cost = optimizer.minimize(
    () => {
      const input = opts.dropout > 0 ? tf.dropout(normalise(target), opts.dropout, undefined, stepSeed) : normalise(target);
      const logProbs = tf.logSoftmax(net.decode(net.encode(input as tf.Tensor2D)));
      const nll = tf.neg(tf.mean(tf.sum(tf.mul(logProbs, target), 1)));
      if (opts.l2 <= 0) return nll as tf.Scalar;
      const penalty = tf.addN(net.penalised.map((v) => tf.sum(tf.square(v))));
      return tf.add(nll, tf.mul(penalty, opts.l2 / 2)) as tf.Scalar;
    },
    true,
    net.trainable,
  );
  target.dispose();
  if (!cost) return undefined;
  const value = (await cost.data())[0]!;
  cost.dispose();
  return value;
}

/** The served rows: titles x (d + 1) title vectors (decoder row, bias) and titles x d encoder rows, text projection folded in. */
function servedRows(net: Network, n: number, d: number): { titleVectors: Float32Array; encoderRows: Float32Array; encoderBias: Float32Array } {
  const read = (make: () => tf.Tensor): Float32Array => {
    const t = tf.tidy(make);
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return values;
  };
  const { textT, encoderText, decoderText } = net;
  const encoderRows = read(() => (textT && encoderText ? tf.add(net.encoderFree, tf.matMul(textT, encoderText)) : net.encoderFree.clone()));
  const decoderRows = read(() => {
    const free = tf.transpose(net.decoderFree);
    return textT && decoderText ? tf.add(free, tf.matMul(textT, tf.transpose(decoderText))) : free;
  });
  const biases = net.decoderBias.dataSync() as Float32Array;
  const titleVectors = new Float32Array(n * (d + 1));
  for (let row = 0; row < n; row++) {
    titleVectors.set(decoderRows.subarray(row * d, (row + 1) * d), row * (d + 1));
    titleVectors[row * (d + 1) + d] = biases[row]!;
  }
  return { titleVectors, encoderRows: encoderRows.slice(), encoderBias: net.encoderBias.dataSync().slice() as Float32Array };
}

/**
 * Trains the Mult-DAE (src/model/README.md): batches are dense multi-hot rows built on the fly from sparse user
 * histories, so the graph has no gather (whose gradient is missing on wasm and pathologically slow on cpu) and
 * memory stays O(batch x titles). Honours `hooks.signal` between batches.
 */
async function trainMultDae(dataset: RatingsDataset, opts: TrainOptions, { rowOf, backend, hooks }: TrainContext): Promise<EmbeddingModel> {
  const n = dataset.titleIds.length;
  const d = Math.round(opts.dimension);
  const random = seededRandom(opts.seed);
  const carved = carveTraining(dataset, rowOf, opts, random);
  const { train, validation, ratedCount } = carved;
  const text = textMatrix(dataset);
  const net = buildNetwork(n, opts, ratedCount, opts.textProjection ? text : undefined);
  const optimizer = tf.train.adam(opts.learningRate);
  let steps = 0;
  try {
    const record = await runEpochs(
      { opts, data: carved, random, hooks },
      {
        step: async (batch) => (await step(net, optimizer, batch, n, opts, seedOf(opts, 1000 + steps++))) ?? 0,
        epochLoss: (sum, batches) => sum / Math.max(1, batches),
        validationNdcg: () => validationNdcg(net, validation, n, opts.validationK),
        snapshot: () => net.trainable.map((v) => v.dataSync().slice() as Float32Array),
      },
    );
    const { best } = record;
    if (best) net.trainable.forEach((v, i) => v.assign(tf.tensor(best.values[i]!, v.shape)));
    const { titleVectors, encoderRows, encoderBias } = servedRows(net, n, d);
    const cold = fillColdTitles(text, ratedCount, titleVectors, encoderRows, d, 'full');
    return new EmbeddingModel({
      ...commonWeights(dataset, opts, backend),
      titleVectors,
      encoderRows,
      encoderBias,
      training: {
        options: { ...opts },
        users: train.length,
        ratings: dataset.ratings.length,
        textDimension: text?.dim ?? 0,
        coldTitles: cold,
        lossHistory: record.lossHistory,
        validationNdcg: record.validationHistory,
        bestEpoch: best?.epoch ?? record.lossHistory.length,
        epochSeconds: record.epochSeconds,
      },
    });
  } finally {
    for (const v of net.trainable) v.dispose();
    net.textT?.dispose();
    net.textTT?.dispose();
    optimizer.dispose();
  }
}

export const multDaeTrainer: Trainer = { architecture: 'mult-dae', train: trainMultDae };
