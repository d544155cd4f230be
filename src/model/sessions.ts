import { historyWeights, latestByRow, userHistories, type HistoryWeighting } from './history.ts';
import type { RatingList, SparseRow } from './types.ts';

/** How a user's history is cut into rating sessions and sequence windows (extra rows of the Gram matrix). */
export interface SessionOptions extends HistoryWeighting {
  /** A pause longer than this between two consecutive ratings of a user starts a new session. */
  sessionGapMinutes: number;
  /** How much a session's co-occurrences count next to the whole history's (0: sessions not used). Only the `spectral` architecture uses sessions. */
  sessionWeight: number;
  /** Consecutive ratings (in time order) per sequence window; windows overlap by half (0: windows not used). */
  windowLength: number;
  /** How much a window's co-occurrences count next to the whole history's (0: windows not used). `spectral` only. */
  windowWeight: number;
}

const MINUTE_MS = 60_000;

/** One user's titles in rating order (ties by row) with their input weights. */
interface Timeline {
  rows: number[];
  times: number[];
  weights: Map<number, number>;
}

/**
 * Each user's timeline, users in id order: the titles that count in the history (the latest rating of a title
 * rated twice; unknown titles and zero weights skipped), sorted by rating time, ties by row. One user at a time:
 * every user's timeline at once cost about 60 bytes a rating of heap on top of the rows made from them.
 */
function* timelines(ratings: RatingList, rowOf: ReadonlyMap<number, number>, options: HistoryWeighting): Generator<Timeline> {
  for (const history of userHistories(ratings)) {
    const weights = historyWeights(history, rowOf, options);
    const timeline = [...latestByRow(history, rowOf)]
      .filter(([row]) => weights.has(row))
      .map(([row, rating]) => [row, rating.ratedAt] as const)
      .sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    yield { rows: timeline.map(([row]) => row), times: timeline.map(([, at]) => at), weights };
  }
}

/**
 * Hands out a row's two arrays as views of shared blocks: a typed array of its own costs ~250 bytes beyond its
 * entries (the ArrayBuffer, its backing store), and ml-32m makes millions of session and window rows.
 */
class RowBlocks {
  private rows = new Int32Array(0);
  private weights = new Float32Array(0);
  private used = 0;

  row(entries: number): SparseRow {
    if (this.used + entries > this.rows.length) {
      const size = Math.max(entries, 1 << 16);
      this.rows = new Int32Array(size);
      this.weights = new Float32Array(size);
      this.used = 0;
    }
    const at = this.used;
    this.used += entries;
    return { rows: this.rows.subarray(at, at + entries), weights: this.weights.subarray(at, at + entries) };
  }
}

/** A sparse row over the given title rows (sorted), each with the user's input weight times `scale`. */
function rowOver(blocks: RowBlocks, titleRows: readonly number[], weights: ReadonlyMap<number, number>, scale: number): SparseRow {
  const out = blocks.row(titleRows.length);
  out.rows.set(titleRows);
  out.rows.sort();
  out.rows.forEach((row, i) => (out.weights[i] = weights.get(row)! * scale));
  return out;
}

/**
 * Each user's ratings cut into sessions: runs of ratings with no pause longer than `sessionGapMinutes`
 * between neighbours in time. A session becomes a row with the user's own input weights scaled by
 * sqrt(sessionWeight), so stacking these rows under the users' rows adds `sessionWeight` x the sessions'
 * co-occurrence counts to the Gram matrix X^T X: titles rated in one sitting count as more closely related
 * than titles that only share a user. A title rated twice belongs to the session of its latest rating
 * (the one the user's row keeps). Users are taken in id order and sessions in time order, so the rows are
 * the same for the same ratings in any order.
 */
export function sessionRows(ratings: RatingList, rowOf: ReadonlyMap<number, number>, options: SessionOptions): SparseRow[] {
  if (!(options.sessionWeight > 0)) return [];
  const scale = Math.sqrt(options.sessionWeight);
  const gap = options.sessionGapMinutes * MINUTE_MS;
  const out: SparseRow[] = [];
  const blocks = new RowBlocks();
  for (const { rows, times, weights } of timelines(ratings, rowOf, options)) {
    let first = 0;
    for (let i = 1; i <= rows.length; i++) {
      if (i < rows.length && times[i]! - times[i - 1]! <= gap) continue;
      out.push(rowOver(blocks, rows.slice(first, i), weights, scale));
      first = i;
    }
  }
  return out;
}

/**
 * Each user's ratings in time order cut into overlapping windows of `windowLength` consecutive ratings (a new
 * window every half length; the last one ends at the user's latest rating; a shorter history is one window),
 * each a row weighted by sqrt(windowWeight) like a session. Titles rated next to each other (the same page of
 * a listing, one series in order) count as related beyond their session, whose size no longer matters: a
 * window adds the same number of co-occurrences whether it lies in a sitting of ten ratings or of five hundred.
 */
export function windowRows(ratings: RatingList, rowOf: ReadonlyMap<number, number>, options: SessionOptions): SparseRow[] {
  const length = Math.round(options.windowLength);
  if (!(options.windowWeight > 0) || !(length > 0)) return [];
  const scale = Math.sqrt(options.windowWeight);
  const stride = Math.max(1, Math.ceil(length / 2));
  const out: SparseRow[] = [];
  const blocks = new RowBlocks();
  for (const { rows, weights } of timelines(ratings, rowOf, options)) {
    if (rows.length === 0) continue;
    for (let start = 0; ; start += stride) {
      const end = Math.min(rows.length, start + length);
      out.push(rowOver(blocks, rows.slice(start, end), weights, scale));
      if (end === rows.length) break;
    }
  }
  return out;
}
