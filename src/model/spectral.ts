import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { DaeModel, SPECTRAL_ARCHITECTURE } from './dae-model.ts';
import { fillColdTitles } from './linear.ts';
import { sessionRows, windowRows } from './sessions.ts';
import { carveTraining, seededRandom, type SparseRow, type TrainHooks, type TrainOptions } from './train.ts';
import type { RatingsDataset } from './types.ts';
import { WarmColumns } from './warm-columns.ts';

/** Users per dense batch in a pass over the rating matrix (memory: batch x warm titles floats). */
const BATCH = 256;
/** Extra directions carried through the subspace iteration so the d kept ones converge faster. */
const OVERSAMPLE = 10;
/** Subspace iteration stops once no kept eigenvalue moves by more than this share of the largest one. */
const CONVERGED = 1e-6;

/** The top-d eigenpairs of the warm titles' Gram matrix X^T X, largest first. */
interface Spectrum {
  columns: WarmColumns;
  /** Eigenvalues (squared singular values of X), descending. */
  values: Float64Array;
  /** d x columns, row j is eigenvector j. */
  vectors: Float32Array;
  /** Ridge objective per pass (for the loss chart): (trace(G) - sum s^2 / (s + lambda)) / users. */
  lossHistory: number[];
  epochSeconds: number[];
  epochCpuSeconds: number[];
}

/**
 * Trains the closed-form linear autoencoder (see src/model/README.md): scores = x W with
 * W = V diag(s / (s + lambda)) V^T, served as encoder rows = title rows = V diag(sqrt(s / (s + lambda))),
 * where V holds the top-d eigenvectors of the Gram matrix X^T X of the training users' histories and s its
 * eigenvalues. That W minimises the autoencoder's squared error plus
 * lambda |W|^2 among rank-d weights, so we compute it instead of approaching it with SGD. The eigenvectors come
 * from a randomised subspace iteration whose passes over the rating matrix are TensorFlow.js matMuls on dense
 * user batches (plain, untransposed products: what the wasm backend runs fast); only the small k x k
 * eigenproblems run in ml-matrix. `epochs` caps the passes (it stops sooner once the eigenvalues settle);
 * lambda is `l2` times the largest eigenvalue, so it scales with the data (a new server's few ratings are not
 * over-shrunk).
 */
export async function trainSpectral(dataset: RatingsDataset, opts: TrainOptions, rowOf: Map<number, number>, backend: string, hooks: TrainHooks): Promise<DaeModel> {
  const [model] = await trainSpectralVariants(dataset, opts, rowOf, backend, hooks, [{ l2: opts.l2, dimension: opts.dimension }]);
  return model!;
}

/**
 * One model per `(l2, dimension)` variant from a single decomposition at the largest dimension asked for: the
 * eigenpairs do not depend on l2, and the top d of a rank-D subspace iteration (D >= d) are the top d. What
 * bench/tune.ts uses to search l2 and d cheaply; `trainSpectral` is the one-variant case.
 */
export async function trainSpectralVariants(
  dataset: RatingsDataset,
  opts: TrainOptions,
  rowOf: Map<number, number>,
  backend: string,
  hooks: TrainHooks,
  variants: readonly { l2: number; dimension: number }[],
): Promise<DaeModel[]> {
  const widest = Math.max(...variants.map((v) => Math.round(v.dimension)));
  // No validation carve: the hyperparameters are chosen by bench/tune.ts on carves of the tuning seeds' training data.
  const full = carveTraining(dataset, rowOf, { ...opts, validationFraction: 0 }, seededRandom(opts.seed));
  // Session and window rows both join the Gram matrix as extra sparse rows (src/model/sessions.ts).
  const sessions = sessionRows(dataset.ratings, rowOf, opts);
  const windows = windowRows(dataset.ratings, rowOf, opts);
  const spectrum = await decompose(full.train, [...sessions, ...windows], new WarmColumns(full.ratedCount), widest, opts, hooks);
  return variants.map((variant) => {
    const d = Math.round(variant.dimension);
    const kept = Math.min(d, spectrum.values.length);
    const m = spectrum.columns.size;
    const truncated = { ...spectrum, values: spectrum.values.slice(0, kept), vectors: spectrum.vectors.slice(0, kept * m) };
    return assemble(dataset, { ...opts, l2: variant.l2, dimension: d }, full, { sessions: sessions.length, windows: windows.length }, truncated, backend);
  });
}

/** The served model from a spectrum: shrunk rows for the warm titles, text-mapped rows for the cold ones. */
function assemble(
  dataset: RatingsDataset,
  opts: TrainOptions,
  full: { train: readonly SparseRow[]; ratedCount: Int32Array },
  context: { sessions: number; windows: number },
  spectrum: Spectrum,
  backend: string,
): DaeModel {
  const d = Math.round(opts.dimension);
  // Both sides carry sqrt(s / (s + lambda)): the product is W, and title vectors live in the same shrunk space
  // as the user vectors, which is what the HNSW index and similar() compare.
  const rows = shrunkRows(spectrum, opts.l2);
  const { warm } = spectrum.columns;
  const n = dataset.titleIds.length;
  const m = warm.length;
  const titleVectors = new Float32Array(n * (d + 1));
  const encoderRows = new Float32Array(n * d);
  const kept = spectrum.values.length;
  warm.forEach((row, col) => {
    for (let j = 0; j < kept; j++) {
      titleVectors[row * (d + 1) + j] = rows[j * m + col]!;
      encoderRows[row * d + j] = rows[j * m + col]!;
    }
  });
  const cold = fillColdTitles(dataset, warm, full.ratedCount, titleVectors, encoderRows, d);
  return new DaeModel({
    backend,
    hidden: d,
    titleIds: [...dataset.titleIds],
    titleVectors,
    encoderRows,
    encoderBias: new Float32Array(d),
    weighting: { weighting: opts.weighting, recencyHalfLifeDays: opts.recencyHalfLifeDays },
    encoding: 'linear',
    architecture: SPECTRAL_ARCHITECTURE,
    training: {
      options: { ...opts },
      users: full.train.length,
      ...context,
      ratings: dataset.ratings.length,
      trainedTitles: m,
      coldTitles: cold,
      lossHistory: spectrum.lossHistory,
      bestEpoch: spectrum.lossHistory.length,
      epochSeconds: spectrum.epochSeconds,
      epochCpuSeconds: spectrum.epochCpuSeconds,
    },
  });
}

/** d x columns: eigenvector j scaled by sqrt(s_j / (s_j + lambda)), lambda = shrinkage * s_max. */
function shrunkRows(spectrum: Spectrum, shrinkage: number): Float32Array {
  const m = spectrum.columns.size;
  const out = new Float32Array(spectrum.vectors.length);
  const lambda = shrinkage * (spectrum.values[0] ?? 0);
  spectrum.values.forEach((s, j) => {
    const f = s > 0 ? Math.sqrt(s / (s + lambda)) : 0;
    for (let c = 0; c < m; c++) out[j * m + c] = spectrum.vectors[j * m + c]! * f;
  });
  return out;
}

/**
 * Randomised subspace iteration for the top eigenpairs of G = X^T X + S^T S (users' rows X, sessions' rows S)
 * without forming G: each pass computes Z^T = sum over user batches of (X_b Q)^T X_b plus the same for the
 * session rows, then re-orthonormalises through the eigen-decomposition of the small Z^T Z. The Rayleigh-Ritz
 * step on the last basis gives the eigenpairs.
 */
async function decompose(rows: readonly SparseRow[], sessions: readonly SparseRow[], columns: WarmColumns, d: number, opts: TrainOptions, hooks: TrainHooks): Promise<Spectrum> {
  const m = columns.size;
  const kept = Math.min(d, m);
  const k = Math.min(kept + OVERSAMPLE, m);
  let traceG = 0;
  for (const r of [...rows, ...sessions]) for (const w of r.weights) traceG += w * w;
  const batches: tf.Tensor2D[] = [];
  for (let start = 0; start < rows.length; start += BATCH) {
    const part = rows.slice(start, start + BATCH);
    batches.push(tf.tensor2d(columns.dense(part), [part.length, m]));
  }
  const start = tf.randomNormal([k, m], 0, 1, 'float32', opts.seed >>> 0) as tf.Tensor2D;
  let basis = orthonormalRows(start);
  start.dispose();
  const lossHistory: number[] = [];
  const epochSeconds: number[] = [];
  const epochCpuSeconds: number[] = [];
  let ritz: { values: Float64Array; rotation: Matrix } | undefined;
  let previous: Float64Array | undefined;
  try {
    const passes = Math.max(1, Math.round(opts.epochs));
    for (let pass = 1; pass <= passes; pass++) {
      if (hooks.signal?.aborted) throw hooks.signal.reason ?? new Error('Training was aborted.');
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const zt = tf.tidy(() => {
        const q = tf.transpose(basis);
        let acc = tf.zeros([k, m]) as tf.Tensor2D;
        for (const xb of batches) acc = tf.add(acc, tf.matMul(tf.transpose(tf.matMul(xb, q)), xb));
        if (sessions.length === 0) return acc;
        const sessionPart = tf.tensor2d(sparseGramTimes(sessions, columns, q.dataSync() as Float32Array, k), [m, k]);
        return tf.add(acc, tf.transpose(sessionPart)) as tf.Tensor2D;
      });
      // Rayleigh quotient of the current basis: Q^T G Q = Q^T Z.
      ritz = symmetricEigen(smallProduct(basis, zt), k);
      const lambda = opts.l2 * (ritz.values[0] ?? 0);
      let explained = 0;
      for (let j = 0; j < kept; j++) {
        const s = Math.max(0, ritz.values[j]!);
        explained += (s * s) / (s + lambda || 1);
      }
      const loss = (traceG - explained) / Math.max(1, rows.length);
      lossHistory.push(loss);
      const converged = previous !== undefined && settled(previous, ritz.values, kept);
      previous = ritz.values;
      const last = converged || pass === passes;
      if (!last) {
        basis.dispose();
        basis = orthonormalRows(zt);
      }
      zt.dispose();
      epochSeconds.push((performance.now() - started) / 1000);
      const cpu = process.cpuUsage(cpuStarted);
      epochCpuSeconds.push((cpu.user + cpu.system) / 1e6);
      await hooks.onEpoch?.(pass, loss, { seconds: epochSeconds.at(-1)! });
      await new Promise((resolve) => setImmediate(resolve));
      if (last) break;
    }
    // Eigenvectors in the basis' coordinates -> rows over the warm titles.
    const rotationT = ritz!.rotation.transpose().subMatrix(0, kept - 1, 0, k - 1);
    const vectors = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(rotationT.to1DArray()), [kept, k]), basis));
    const values = vectors.dataSync().slice() as Float32Array;
    vectors.dispose();
    return { columns, values: ritz!.values.slice(0, kept).map((s) => Math.max(0, s)), vectors: values, lossHistory, epochSeconds, epochCpuSeconds };
  } finally {
    basis.dispose();
    for (const b of batches) b.dispose();
  }
}

/**
 * (S Q)^T S as an m x k matrix (row-major) for sparse rows S and the basis Q given as m x k: session rows hold
 * a dozen titles each, so a plain loop over their entries is thousands of times less work than dense matMuls
 * over thousands of mostly empty rows.
 */
function sparseGramTimes(rows: readonly SparseRow[], columns: WarmColumns, q: Float32Array, k: number): Float32Array {
  const out = new Float32Array(columns.size * k);
  const h = new Float64Array(k);
  for (const r of rows) {
    h.fill(0);
    for (let i = 0; i < r.rows.length; i++) {
      const base = columns.colOf[r.rows[i]!]! * k;
      const w = r.weights[i]!;
      for (let j = 0; j < k; j++) h[j]! += w * q[base + j]!;
    }
    for (let i = 0; i < r.rows.length; i++) {
      const base = columns.colOf[r.rows[i]!]! * k;
      const w = r.weights[i]!;
      for (let j = 0; j < k; j++) out[base + j]! += w * h[j]!;
    }
  }
  return out;
}

/** Whether the kept Ritz values moved by less than {@link CONVERGED} of the largest since the last pass. */
function settled(before: Float64Array, after: Float64Array, kept: number): boolean {
  const scale = Math.abs(after[0] ?? 0) || 1;
  for (let j = 0; j < kept; j++) if (Math.abs(after[j]! - before[j]!) > CONVERGED * scale) return false;
  return true;
}

/** A (k x m) times B (k x m) transposed, as a small k x k matrix (plain matMul on B^T). */
function smallProduct(a: tf.Tensor2D, b: tf.Tensor2D): Float64Array {
  const product = tf.tidy(() => tf.matMul(a, tf.transpose(b)));
  const values = Float64Array.from(product.dataSync());
  product.dispose();
  return values;
}

/** Eigenvalues (descending) and eigenvectors (columns, same order) of a symmetric k x k matrix. */
function symmetricEigen(values: Float64Array, k: number): { values: Float64Array; rotation: Matrix } {
  const sym = new Matrix(k, k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sym.set(i, j, (values[i * k + j]! + values[j * k + i]!) / 2);
  const evd = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
  const rotation = new Matrix(k, k);
  order.forEach(([, from], to) => rotation.setColumn(to, evd.eigenvectorMatrix.getColumn(from)));
  return { values: Float64Array.from(order, ([v]) => v), rotation };
}

/**
 * Orthonormal rows spanning the rows of `zt` (k x m): with Z^T Z = R diag(mu) R^T, the rows of
 * diag(mu^-1/2) R^T Z^T are orthonormal. Directions with (numerically) no energy become zero rows; they
 * end with zero eigenvalues, hence zero weight. Consumes nothing: the caller disposes `zt`.
 */
function orthonormalRows(zt: tf.Tensor2D): tf.Tensor2D {
  const k = zt.shape[0];
  const { values, rotation } = symmetricEigen(smallProduct(zt, zt), k);
  const top = values[0] ?? 0;
  const mix = new Float32Array(k * k);
  for (let i = 0; i < k; i++) {
    const mu = values[i]!;
    const scale = mu > top * 1e-10 && mu > 0 ? 1 / Math.sqrt(mu) : 0;
    for (let j = 0; j < k; j++) mix[i * k + j] = rotation.get(j, i) * scale;
  }
  return tf.tidy(() => tf.matMul(tf.tensor2d(mix, [k, k]), zt));
}
