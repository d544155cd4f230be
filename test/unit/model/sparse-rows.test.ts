import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/lib/random.ts';
import { initBackend } from '../../../src/model/backend.ts';
import { SparseRowMatrix } from '../../../src/model/sparse-rows.ts';
import { GramPasses, rowRanges } from '../../../src/model/parallel-gram.ts';
import { gramTimesBasis } from '../../../src/model/subspace.ts';
import type { SparseRow } from '../../../src/model/types.ts';
import { WarmColumns } from '../../../src/model/warm-columns.ts';

// 120 users over 300 titles (every third title never rated, so warm columns differ from dataset rows), with
// heavy-tailed title popularity, plus 80 short "session" rows weighted like sessions.ts weights them.
const TITLES = 300;
function rows(count: number, length: () => number, weight: () => number, random: () => number): SparseRow[] {
  return Array.from({ length: count }, () => {
    const titles = new Set<number>();
    const size = length();
    while (titles.size < size) {
      const t = Math.floor(random() ** 2 * TITLES);
      if (t % 3 !== 2) titles.add(t);
    }
    const sorted = Int32Array.from(titles).sort();
    return { rows: sorted, weights: Float32Array.from(sorted, () => weight()) };
  });
}

function fixture() {
  const random = seededRandom(3);
  const users = rows(
    120,
    () => 5 + Math.floor(random() * 40),
    () => 0.2 + random() * 0.8,
    random,
  );
  const sessions = rows(
    80,
    () => 2 + Math.floor(random() * 6),
    () => Math.SQRT2,
    random,
  );
  const ratedCount = new Int32Array(TITLES);
  for (const u of users) for (const row of u.rows) ratedCount[row]! += 1;
  for (const s of sessions) for (const row of s.rows) ratedCount[row] = Math.max(1, ratedCount[row]!);
  return { users, sessions, columns: new WarmColumns(ratedCount) };
}

describe('sparse Gram products', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('computes X^T X Q exactly as the dense product of the same rows', () => {
    const { users, sessions, columns } = fixture();
    const m = columns.size;
    const k = 7;
    const random = seededRandom(5);
    const q = Float32Array.from({ length: m * k }, () => random() - 0.5);
    const matrix = SparseRowMatrix.from([users, sessions], columns);
    expect(matrix.rowCount).toBe(users.length + sessions.length);
    const sparse = matrix.gramTimes(q, k);
    const dense = new Float64Array(m * k);
    for (const r of [...users, ...sessions]) {
      const x = new Float64Array(m);
      r.rows.forEach((row, i) => (x[columns.colOf[row]!] = r.weights[i]!));
      for (let a = 0; a < m; a++) {
        if (x[a] === 0) continue;
        for (let b = 0; b < m; b++) for (let j = 0; j < k; j++) dense[a * k + j]! += x[a]! * x[b]! * q[b * k + j]!;
      }
    }
    const scale = Math.max(...dense.map(Math.abs));
    for (let i = 0; i < dense.length; i++) expect(Math.abs(sparse[i]! - dense[i]!)).toBeLessThan(1e-9 * scale);
    let squares = 0;
    for (const r of [...users, ...sessions]) for (const w of r.weights) squares += w * w;
    expect(matrix.squaredSum()).toBeCloseTo(squares, 9);
  });

  it('sparse pass equals dense pass on small data: one subspace-iteration pass matches dense user batches to 1e-4', async () => {
    const { users, sessions, columns } = fixture();
    const m = columns.size;
    const k = 12;
    const basis = tf.randomNormal([k, m], 0, 1, 'float32', 9) as tf.Tensor2D;
    const sparse = await gramTimesBasis(GramPasses.open(SparseRowMatrix.from([users, sessions], columns), k, 1), basis);
    // The pass as it was computed before: dense batches of user rows, sum_b (X_b Q)^T X_b, in TensorFlow.js.
    const dense = tf.tidy(() => {
      const q = tf.transpose(basis);
      let acc = tf.zeros([k, m]) as tf.Tensor2D;
      for (let start = 0; start < users.length + sessions.length; start += 64) {
        const part = [...users, ...sessions].slice(start, start + 64);
        const xb = tf.tensor2d(columns.dense(part), [part.length, m]);
        acc = tf.add(acc, tf.matMul(tf.transpose(tf.matMul(xb, q)), xb));
      }
      return acc;
    });
    const a = sparse.dataSync();
    const b = dense.dataSync();
    const scale = Math.max(...b.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([basis, sparse, dense]);
  });

  it('never densifies the rows: memory is the entries, not rows x columns', () => {
    const { users, sessions, columns } = fixture();
    const matrix = SparseRowMatrix.from([users, sessions], columns);
    const entries = [...users, ...sessions].reduce((sum, r) => sum + r.rows.length, 0);
    expect(matrix.cols.length).toBe(entries);
    expect(matrix.values.length).toBe(entries);
    expect(entries).toBeLessThan(((users.length + sessions.length) * columns.size) / 5);
  });

  it('a pass split over worker threads equals the one-thread pass, and really runs on those threads', async () => {
    const { users, sessions, columns } = fixture();
    const matrix = SparseRowMatrix.from([users, sessions], columns);
    const k = 9;
    const random = seededRandom(11);
    const q = Float32Array.from({ length: columns.size * k }, () => random() - 0.5);
    const single = Float32Array.from(matrix.gramTimes(q, k));
    const scale = Math.max(...single.map(Math.abs));
    for (const threads of [2, 3]) {
      const passes = GramPasses.open(matrix, k, threads, 0);
      try {
        expect(passes.threads).toBe(threads);
        // Twice: the workers are reused and their partial sums start from zero each pass.
        for (let pass = 0; pass < 2; pass++) {
          const parallel = await passes.times(q);
          let worst = 0;
          for (let i = 0; i < single.length; i++) worst = Math.max(worst, Math.abs(parallel[i]! - single[i]!));
          expect(worst).toBeLessThan(1e-6 * scale);
        }
      } finally {
        await passes.close();
      }
    }
  });

  it('stays in one thread for one thread or little data', () => {
    const { users, sessions, columns } = fixture();
    const matrix = SparseRowMatrix.from([users, sessions], columns);
    expect(GramPasses.open(matrix, 4, 1, 0).threads).toBe(1);
    expect(GramPasses.open(matrix, 4, 2).threads).toBe(1);
  });

  it('splits rows into ranges of about equal entries', () => {
    // Rows of 1, 1, 1, 1, 8, 1, 1, 2 entries (16 in all).
    const offsets = Int32Array.from([0, 1, 2, 3, 4, 12, 13, 14, 16]);
    expect(rowRanges(offsets, 2)).toEqual([
      [0, 5],
      [5, 8],
    ]);
    expect(rowRanges(offsets, 1)).toEqual([[0, 8]]);
    const four = rowRanges(offsets, 4);
    expect(four[0]![0]).toBe(0);
    expect(four.at(-1)![1]).toBe(8);
    for (let i = 1; i < four.length; i++) expect(four[i]![0]).toBe(four[i - 1]![1]);
  });
});
