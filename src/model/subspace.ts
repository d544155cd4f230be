import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { TrainOptions } from './options.ts';
import { GramPasses } from './parallel-gram.ts';
import type { SparseRowMatrix } from './sparse-rows.ts';
import { throwIfAborted, type TrainHooks } from './trainer.ts';
import type { WarmColumns } from './warm-columns.ts';

/** Extra directions carried through the subspace iteration so the d kept ones converge faster. */
const OVERSAMPLE = 10;
/** Subspace iteration stops once no kept eigenvalue moves by more than this share of the largest one. */
const CONVERGED = 1e-6;

/** The top-d eigenpairs of the warm titles' Gram matrix X^T X, largest first. */
export interface Spectrum {
  columns: WarmColumns;
  /** Eigenvalues (squared singular values of X), descending. */
  values: Float64Array;
  /** d x columns, row j is eigenvector j. */
  vectors: Float32Array;
  /** Ridge objective per pass (for the loss chart): (trace(G) - sum s^2 / (s + lambda)) / users. */
  lossHistory: number[];
  epochSeconds: number[];
  epochCpuSeconds: number[];
  /** Threads the sparse passes ran on (1: in the main thread only). */
  threads: number;
  /** Rows of the first basis taken from a warm start (0: a cold, random start). */
  warmStarted: number;
  /**
   * How far the kept eigenvalues moved in the last pass, as a share of the largest (NaN after one pass): the
   * tolerance this fit reached, which a refit warm-started from it stops at ({@link WarmBasis}).
   */
  movement: number;
}

/**
 * A warm start: basis rows over the warm columns (row-major, at most k rows; the rest of the basis is random) and
 * the movement the earlier fit had reached when it stopped. The warm-started fit stops once its eigenvalues move
 * by no more than that (or {@link CONVERGED}, if larger), so it ends as converged as the earlier fit, not more:
 * with the default 6-pass cap a cold fit stops at the cap, well above 1e-6, and so would every refit.
 */
export interface WarmBasis {
  rows: Float32Array;
  tolerance: number;
}

/**
 * Randomised subspace iteration for the top eigenpairs of G = X^T X + S^T S (`matrix`: the first `users` rows are
 * the users' X, the rest the session and window rows S) without forming G: each pass computes Z = G Q as sparse products over the rows (cost ratings x k;
 * src/model/sparse-rows.ts, on `opts.trainThreads` threads: src/model/parallel-gram.ts), then re-orthonormalises
 * through the small Z^T Z. The Rayleigh-Ritz step on the last basis gives the eigenpairs. Dense memory is the
 * k x titles basis and Z only. A `start` ({@link WarmBasis}) seeds the basis: a refit starting from its gate fit's
 * eigenvectors reaches the gate fit's tolerance in fewer passes. Stops when no kept eigenvalue moves by more than
 * the tolerance x the largest, or after `opts.epochs` passes.
 */
export async function decompose(matrix: SparseRowMatrix, users: number, columns: WarmColumns, d: number, opts: TrainOptions, hooks: TrainHooks, start?: WarmBasis): Promise<Spectrum> {
  const m = columns.size;
  const kept = Math.min(d, m);
  const k = Math.min(kept + OVERSAMPLE, m);
  const traceG = matrix.squaredSum();
  let basis = startingBasis(k, m, opts.seed, start?.rows);
  const tolerance = Math.max(CONVERGED, start?.tolerance ?? 0);
  const passes = GramPasses.open(matrix, k, opts.trainThreads);
  const record: Pick<Spectrum, 'lossHistory' | 'epochSeconds' | 'epochCpuSeconds' | 'threads' | 'warmStarted' | 'movement'> = {
    lossHistory: [],
    epochSeconds: [],
    epochCpuSeconds: [],
    threads: passes.threads,
    warmStarted: Math.min(k, Math.floor((start?.rows.length ?? 0) / m)),
    movement: Number.NaN,
  };
  let ritz: { values: Float64Array; rotation: Matrix } | undefined;
  let previous: Float64Array | undefined;
  try {
    const most = Math.max(1, Math.round(opts.epochs));
    for (let pass = 1; pass <= most; pass++) {
      throwIfAborted(hooks);
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const zt = await gramTimesBasis(passes, basis);
      // Rayleigh quotient of the current basis: Q^T G Q = Q^T Z.
      ritz = symmetricEigen(smallProduct(basis, zt), k);
      const loss = ridgeLoss(ritz.values, kept, opts.l2, traceG, users);
      record.lossHistory.push(loss);
      record.movement = previous === undefined ? Number.NaN : movement(previous, ritz.values, kept);
      const converged = record.movement <= tolerance;
      previous = ritz.values;
      const last = converged || pass === most;
      if (!last) {
        basis.dispose();
        basis = orthonormalRows(zt);
      }
      zt.dispose();
      record.epochSeconds.push((performance.now() - started) / 1000);
      // Process-wide: the worker threads' CPU time is included.
      const cpu = process.cpuUsage(cpuStarted);
      record.epochCpuSeconds.push((cpu.user + cpu.system) / 1e6);
      await hooks.onEpoch?.(pass, loss, { seconds: record.epochSeconds.at(-1)! });
      await new Promise((resolve) => setImmediate(resolve));
      if (last) break;
    }
    // Eigenvectors in the basis' coordinates -> rows over the warm titles.
    const rotationT = ritz!.rotation.transpose().subMatrix(0, kept - 1, 0, k - 1);
    const vectors = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(rotationT.to1DArray()), [kept, k]), basis));
    const values = vectors.dataSync().slice() as Float32Array;
    vectors.dispose();
    return { columns, values: ritz!.values.slice(0, kept).map((s) => Math.max(0, s)), vectors: values, ...record };
  } finally {
    basis.dispose();
    await passes.close();
  }
}

/**
 * The first orthonormal k x m basis: `start`'s rows (a warm start) and seeded Gaussian rows for the rest, or all
 * Gaussian. The Gaussian rows are drawn as before whatever the start, so a cold start is unchanged.
 */
function startingBasis(k: number, m: number, seed: number, start: Float32Array | undefined): tf.Tensor2D {
  const random = tf.randomNormal([k, m], 0, 1, 'float32', seed >>> 0) as tf.Tensor2D;
  const seeded = Math.min(k, Math.floor((start?.length ?? 0) / m));
  if (seeded === 0) {
    const basis = orthonormalRows(random);
    random.dispose();
    return basis;
  }
  // Random rows scaled to about unit length like the start's, so the Gram matrix the orthonormalisation factors is
  // well scaled (Cholesky-QR keeps the span of the leading rows, the start's, whatever the scale).
  const initial = tf.tidy(() => tf.concat([tf.tensor2d(start!.subarray(0, seeded * m), [seeded, m]), tf.mul(random.slice([seeded, 0], [k - seeded, m]), 1 / Math.sqrt(m))]) as tf.Tensor2D);
  random.dispose();
  const basis = orthonormalRows(initial);
  initial.dispose();
  return basis;
}

/** Z^T = (G Q)^T as a k x titles tensor for the basis rows Q^T (k x titles): one sparse pass over every Gram row. */
export async function gramTimesBasis(passes: GramPasses, basis: tf.Tensor2D): Promise<tf.Tensor2D> {
  const [k, m] = basis.shape;
  const q = tf.transpose(basis);
  const qValues = q.dataSync() as Float32Array;
  q.dispose();
  const z = await passes.times(qValues);
  return tf.tidy(() => tf.transpose(tf.tensor2d(z, [m, k])) as tf.Tensor2D);
}

/** The ridge objective at this pass, per user: (trace(G) - sum over kept s of s^2 / (s + lambda)) / users. */
function ridgeLoss(ritzValues: Float64Array, kept: number, l2: number, traceG: number, users: number): number {
  const lambda = l2 * (ritzValues[0] ?? 0);
  let explained = 0;
  for (let j = 0; j < kept; j++) {
    const s = Math.max(0, ritzValues[j]!);
    explained += (s * s) / (s + lambda || 1);
  }
  return (traceG - explained) / Math.max(1, users);
}

/** The largest move of a kept Ritz value since the last pass, as a share of the largest value. */
function movement(before: Float64Array, after: Float64Array, kept: number): number {
  const scale = Math.abs(after[0] ?? 0) || 1;
  let most = 0;
  for (let j = 0; j < kept; j++) most = Math.max(most, Math.abs(after[j]! - before[j]!));
  return most / scale;
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
 * Orthonormal rows spanning the rows of `zt` (k x m), as `mix` x `zt` for a k x k `mix` computed from the small
 * Z^T Z: by Cholesky-QR when Z^T Z is well conditioned (the usual case: a k x k factorisation, k^3 / 3), else by
 * its eigen-decomposition, which also copes with directions that have no energy. Consumes nothing: the caller
 * disposes `zt`.
 */
function orthonormalRows(zt: tf.Tensor2D): tf.Tensor2D {
  const k = zt.shape[0];
  const gram = smallProduct(zt, zt);
  const mix = choleskyWhitening(gram, k) ?? eigenWhitening(gram, k);
  return tf.tidy(() => tf.matMul(tf.tensor2d(mix, [k, k]), zt));
}

/**
 * With Z^T Z = L L^T (Cholesky), the rows of L^-1 Z^T are orthonormal: returns L^-1 (row-major), or undefined when
 * a pivot falls below 1e-10 of the largest diagonal entry (a direction with numerically no energy).
 */
function choleskyWhitening(gram: Float64Array, k: number): Float32Array | undefined {
  let top = 0;
  for (let i = 0; i < k; i++) top = Math.max(top, gram[i * k + i]!);
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = (gram[i * k + j]! + gram[j * k + i]!) / 2;
      for (let p = 0; p < j; p++) sum -= l[i * k + p]! * l[j * k + p]!;
      if (i === j) {
        if (!(sum > top * 1e-10)) return undefined;
        l[i * k + i] = Math.sqrt(sum);
      } else {
        l[i * k + j] = sum / l[j * k + j]!;
      }
    }
  }
  // L^-1 by forward substitution, one column of the identity at a time (lower triangular like L).
  const inverse = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    for (let i = c; i < k; i++) {
      let sum = i === c ? 1 : 0;
      for (let p = c; p < i; p++) sum -= l[i * k + p]! * inverse[p * k + c]!;
      inverse[i * k + c] = sum / l[i * k + i]!;
    }
  }
  return Float32Array.from(inverse);
}

/**
 * With Z^T Z = R diag(mu) R^T, the rows of diag(mu^-1/2) R^T Z^T are orthonormal: returns that mix. Directions
 * with (numerically) no energy become zero rows; they end with zero eigenvalues, hence zero weight.
 */
function eigenWhitening(gram: Float64Array, k: number): Float32Array {
  const { values, rotation } = symmetricEigen(gram, k);
  const top = values[0] ?? 0;
  const mix = new Float32Array(k * k);
  for (let i = 0; i < k; i++) {
    const mu = values[i]!;
    const scale = mu > top * 1e-10 && mu > 0 ? 1 / Math.sqrt(mu) : 0;
    for (let j = 0; j < k; j++) mix[i * k + j] = rotation.get(j, i) * scale;
  }
  return mix;
}
