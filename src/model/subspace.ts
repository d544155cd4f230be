import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { TrainOptions } from './options.ts';
import { throwIfAborted, type TrainHooks } from './trainer.ts';
import type { SparseRow } from './types.ts';
import type { WarmColumns } from './warm-columns.ts';

/** Users per dense batch in a pass over the rating matrix (memory: batch x warm titles floats). */
const BATCH = 256;
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
 * Randomised subspace iteration for the top eigenpairs of G = X^T X + S^T S (users' rows X, sessions' rows S)
 * without forming G: each pass computes Z^T = sum over user batches of (X_b Q)^T X_b plus the same for the
 * session rows, then re-orthonormalises through the eigen-decomposition of the small Z^T Z. The Rayleigh-Ritz
 * step on the last basis gives the eigenpairs.
 */
export async function decompose(rows: readonly SparseRow[], sessions: readonly SparseRow[], columns: WarmColumns, d: number, opts: TrainOptions, hooks: TrainHooks): Promise<Spectrum> {
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
      throwIfAborted(hooks);
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
