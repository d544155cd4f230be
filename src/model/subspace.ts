import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { TrainOptions } from './options.ts';
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
}

/**
 * Randomised subspace iteration for the top eigenpairs of G = X^T X + S^T S (`matrix`: the first `users` rows are
 * the users' X, the rest the session and window rows S) without forming G: each pass computes Z = G Q as sparse products over the rows (cost ratings x k;
 * src/model/sparse-rows.ts), then re-orthonormalises through the eigen-decomposition of the small Z^T Z. The
 * Rayleigh-Ritz step on the last basis gives the eigenpairs. Dense memory is the k x titles basis and Z only.
 */
export async function decompose(matrix: SparseRowMatrix, users: number, columns: WarmColumns, d: number, opts: TrainOptions, hooks: TrainHooks): Promise<Spectrum> {
  const m = columns.size;
  const kept = Math.min(d, m);
  const k = Math.min(kept + OVERSAMPLE, m);
  const traceG = matrix.squaredSum();
  const start = tf.randomNormal([k, m], 0, 1, 'float32', opts.seed >>> 0) as tf.Tensor2D;
  let basis = orthonormalRows(start);
  start.dispose();
  const record: Pick<Spectrum, 'lossHistory' | 'epochSeconds' | 'epochCpuSeconds'> = { lossHistory: [], epochSeconds: [], epochCpuSeconds: [] };
  let ritz: { values: Float64Array; rotation: Matrix } | undefined;
  let previous: Float64Array | undefined;
  try {
    const passes = Math.max(1, Math.round(opts.epochs));
    for (let pass = 1; pass <= passes; pass++) {
      throwIfAborted(hooks);
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const zt = gramTimesBasis(matrix, basis);
      // Rayleigh quotient of the current basis: Q^T G Q = Q^T Z.
      ritz = symmetricEigen(smallProduct(basis, zt), k);
      const loss = ridgeLoss(ritz.values, kept, opts.l2, traceG, users);
      record.lossHistory.push(loss);
      const converged = previous !== undefined && settled(previous, ritz.values, kept);
      previous = ritz.values;
      const last = converged || pass === passes;
      if (!last) {
        basis.dispose();
        basis = orthonormalRows(zt);
      }
      zt.dispose();
      record.epochSeconds.push((performance.now() - started) / 1000);
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
  }
}

/** Z^T = (G Q)^T as a k x titles tensor for the basis rows Q^T (k x titles): one sparse pass over every Gram row. */
export function gramTimesBasis(matrix: SparseRowMatrix, basis: tf.Tensor2D): tf.Tensor2D {
  const [k, m] = basis.shape;
  const q = tf.transpose(basis);
  const qValues = q.dataSync() as Float32Array;
  q.dispose();
  const z = matrix.gramTimes(qValues, k);
  return tf.tidy(() => tf.transpose(tf.tensor2d(new Float32Array(z), [m, k])) as tf.Tensor2D);
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
