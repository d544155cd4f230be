import { Worker } from 'node:worker_threads';
import { gramTimesRange, type SparseRowMatrix } from './sparse-rows.ts';

/**
 * Below this many stored entries a pass stays in one thread: on ml-latest-small (about 0.3M entries with the
 * session and window rows) a pass takes well under a second, and starting workers and adding their partial sums
 * would not pay (bench/training.ts must not get slower).
 */
export const PARALLEL_MIN_ENTRIES = 2_000_000;

/**
 * The worker's whole program. It is evaluated as a script (`eval: true`), so it needs no entry file: the one
 * kernel, `gramTimesRange`, arrives as its source text, which is the same under tsx, vitest and compiled dist/.
 * `__name` is esbuild's keep-names helper, which a transpiled kernel may call; here it does nothing.
 */
const WORKER_SOURCE = `
const __name = (fn) => fn;
${gramTimesRange.toString()}
const { parentPort, workerData } = require('node:worker_threads');
const { k, rowStart, rowEnd } = workerData;
const offsets = new Int32Array(workerData.offsets);
const cols = new Int32Array(workerData.cols);
const values = new Float32Array(workerData.values);
const q = new Float32Array(workerData.q);
const out = new Float64Array(workerData.out);
parentPort.on('message', () => {
  out.fill(0);
  gramTimesRange(offsets, cols, values, q, k, out, rowStart, rowEnd);
  parentPort.postMessage('done');
});
`;

/**
 * The sparse passes `Z = G Q` of one decomposition, over `threads` threads: the rows are split into ranges of
 * about equal entries (the cost of a row is its entries x k); the main thread sums the first range and each worker
 * one other into its own partial Z (float64), and the main thread adds the partials. Every array the workers read
 * or write lives in SharedArrayBuffers (the rows from `SparseRowMatrix.from`, Q and the partials allocated once
 * here), so a pass copies nothing between threads. The result equals the one-thread pass up to the order of the
 * float64 additions. With one thread, or fewer than `minEntries` entries, it is the one-thread pass.
 */
export class GramPasses {
  private constructor(
    private readonly matrix: SparseRowMatrix,
    private readonly k: number,
    /** Threads a pass runs on (the main one included). */
    readonly threads: number,
    private readonly ranges: readonly (readonly [number, number])[],
    private readonly workers: readonly Worker[],
    private readonly q: Float32Array | undefined,
    private readonly partials: readonly Float64Array[],
  ) {}

  /** Passes over `matrix` with k basis vectors on up to `threads` threads (see the class comment for when fewer). */
  static open(matrix: SparseRowMatrix, k: number, threads: number, minEntries = PARALLEL_MIN_ENTRIES): GramPasses {
    const entries = matrix.cols.length;
    const wanted = Math.max(1, Math.min(Math.floor(threads), matrix.rowCount));
    if (wanted === 1 || entries < minEntries || !(matrix.cols.buffer instanceof SharedArrayBuffer)) {
      return new GramPasses(matrix, k, 1, [[0, matrix.rowCount]], [], undefined, []);
    }
    const m = matrix.columnCount;
    const ranges = rowRanges(matrix.offsets, wanted);
    const q = new Float32Array(new SharedArrayBuffer(4 * m * k));
    const partials = ranges.map(() => new Float64Array(new SharedArrayBuffer(8 * m * k)));
    const workers = ranges.slice(1).map(
      ([rowStart, rowEnd], i) =>
        new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: {
            k,
            rowStart,
            rowEnd,
            offsets: matrix.offsets.buffer,
            cols: matrix.cols.buffer,
            values: matrix.values.buffer,
            q: q.buffer,
            out: partials[i + 1]!.buffer,
          },
        }),
    );
    return new GramPasses(matrix, k, ranges.length, ranges, workers, q, partials);
  }

  /** Z = G Q for Q given as columns x k (row-major); returns Z as columns x k in float32. */
  async times(q: Float32Array): Promise<Float32Array> {
    const { matrix, k } = this;
    if (this.workers.length === 0) return Float32Array.from(matrix.gramTimes(q, k));
    this.q!.set(q);
    const done = this.workers.map((worker) => passDone(worker));
    for (const worker of this.workers) worker.postMessage('pass');
    // The main thread's own share while the workers run theirs.
    const own = this.partials[0]!;
    own.fill(0);
    gramTimesRange(matrix.offsets, matrix.cols, matrix.values, this.q!, k, own, this.ranges[0]![0], this.ranges[0]![1]);
    await Promise.all(done);
    const z = new Float32Array(own.length);
    for (let i = 0; i < z.length; i++) {
      let sum = own[i]!;
      for (let p = 1; p < this.partials.length; p++) sum += this.partials[p]![i]!;
      z[i] = sum;
    }
    return z;
  }

  /** Stops the workers; the passes cannot be used afterwards. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** Resolves when `worker` reports its pass done; rejects if it fails or exits first. */
function passDone(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`A training worker thread exited (code ${code}) during a sparse pass.`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** `parts` consecutive row ranges [start, end) with about equal entries each (non-empty ranges only). */
export function rowRanges(offsets: Int32Array, parts: number): [number, number][] {
  const rows = offsets.length - 1;
  const entries = offsets[rows]!;
  const ranges: [number, number][] = [];
  let start = 0;
  for (let p = 1; p <= parts && start < rows; p++) {
    let end = rows;
    if (p < parts) {
      // First row whose start offset reaches p / parts of the entries.
      const target = (entries * p) / parts;
      let lo = start + 1;
      let hi = rows;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (offsets[mid]! < target) lo = mid + 1;
        else hi = mid;
      }
      end = lo;
    }
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}
