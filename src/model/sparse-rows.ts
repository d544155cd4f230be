import type { SparseRow } from './types.ts';
import type { WarmColumns } from './warm-columns.ts';

/**
 * Training rows (users, sessions, windows) in compressed sparse row form over the warm columns: `offsets[r]` to
 * `offsets[r + 1]` index row r's entries in `cols` and `values`. Memory and every product are proportional to
 * the number of entries (ratings), never rows x columns.
 */
export class SparseRowMatrix {
  readonly offsets: Int32Array;
  readonly cols: Int32Array;
  readonly values: Float32Array;

  private constructor(
    readonly columnCount: number,
    offsets: Int32Array,
    cols: Int32Array,
    values: Float32Array,
  ) {
    this.offsets = offsets;
    this.cols = cols;
    this.values = values;
  }

  /** The rows of every group in order (dataset title rows mapped to their warm column). */
  static from(groups: readonly (readonly SparseRow[])[], columns: WarmColumns): SparseRowMatrix {
    let rowCount = 0;
    let entries = 0;
    for (const group of groups) {
      rowCount += group.length;
      for (const r of group) entries += r.rows.length;
    }
    // Shared memory, so the parallel passes' worker threads read the rows in place.
    const offsets = sharedArray(Int32Array, 4, rowCount + 1);
    const cols = sharedArray(Int32Array, 4, entries);
    const values = sharedArray(Float32Array, 4, entries);
    let row = 0;
    let at = 0;
    for (const group of groups) {
      for (const r of group) {
        for (let i = 0; i < r.rows.length; i++) cols[at + i] = columns.colOf[r.rows[i]!]!;
        values.set(r.weights, at);
        at += r.rows.length;
        offsets[++row] = at;
      }
    }
    return new SparseRowMatrix(columns.size, offsets, cols, values);
  }

  get rowCount(): number {
    return this.offsets.length - 1;
  }

  /** trace(X^T X): the sum of the squared entries. */
  squaredSum(): number {
    let sum = 0;
    for (const w of this.values) sum += w * w;
    return sum;
  }

  /**
   * X^T X Q = sum over rows x of x^T (x Q), for Q given as columns x k (row-major); returns columns x k. Each row
   * costs 2 x entries x k multiply-adds, so a pass costs ratings x k, and only Q and the result are dense. This is
   * the one-thread pass; src/model/parallel-gram.ts splits the same kernel over row ranges in worker threads.
   */
  gramTimes(q: Float32Array, k: number): Float64Array {
    const out = new Float64Array(this.columnCount * k);
    gramTimesRange(this.offsets, this.cols, this.values, q, k, out, 0, this.rowCount);
    return out;
  }
}

/**
 * Typed arrays over a SharedArrayBuffer: worker threads read them without a copy (src/model/parallel-gram.ts), and
 * in one thread they behave like any typed array.
 */
function sharedArray<T>(make: new (buffer: SharedArrayBuffer) => T, bytesPerEntry: number, length: number): T {
  return new make(new SharedArrayBuffer(bytesPerEntry * length));
}

/**
 * out += sum over rows r in [rowStart, rowEnd) of x_r^T (x_r Q): the sparse pass's kernel over a row range of the
 * compressed rows (`offsets`, `cols`, `values`), Q columns x k row-major, out columns x k. It must stay
 * self-contained (no imports, no outer names, no nested functions): worker threads run its source text
 * (`gramTimesRange.toString()`), which is how it runs the same under tsx, vitest and compiled dist/. The inner
 * loops are unrolled by four: about 1.5x faster in V8 than the plain loop (measured on this machine).
 */
export function gramTimesRange(offsets: Int32Array, cols: Int32Array, values: Float32Array, q: Float32Array, k: number, out: Float64Array, rowStart: number, rowEnd: number): void {
  const h = new Float64Array(k);
  const k4 = k - (k % 4);
  for (let r = rowStart; r < rowEnd; r++) {
    const first = offsets[r]!;
    const end = offsets[r + 1]!;
    if (first === end) continue;
    h.fill(0);
    // h = x Q
    for (let e = first; e < end; e++) {
      const base = cols[e]! * k;
      const w = values[e]!;
      let j = 0;
      for (; j < k4; j += 4) {
        h[j]! += w * q[base + j]!;
        h[j + 1]! += w * q[base + j + 1]!;
        h[j + 2]! += w * q[base + j + 2]!;
        h[j + 3]! += w * q[base + j + 3]!;
      }
      for (; j < k; j++) h[j]! += w * q[base + j]!;
    }
    // out += x^T h
    for (let e = first; e < end; e++) {
      const base = cols[e]! * k;
      const w = values[e]!;
      let j = 0;
      for (; j < k4; j += 4) {
        out[base + j]! += w * h[j]!;
        out[base + j + 1]! += w * h[j + 1]!;
        out[base + j + 2]! += w * h[j + 2]!;
        out[base + j + 3]! += w * h[j + 3]!;
      }
      for (; j < k; j++) out[base + j]! += w * h[j]!;
    }
  }
}
