import { historyWeights, latestByRow, ratingsByUser, type HistoryWeighting } from './history.ts';
import type { SparseRow } from './train.ts';
import type { Rating } from './types.ts';

/** How a user's history is cut into rating sessions. */
export interface SessionOptions extends HistoryWeighting {
  /** A pause longer than this between two consecutive ratings of a user starts a new session. */
  sessionGapMinutes: number;
  /** How much a session's co-occurrences count next to the whole history's (0: sessions not used). Only the `spectral` architecture uses sessions. */
  sessionWeight: number;
}

const MINUTE_MS = 60_000;

/**
 * Each user's ratings cut into sessions: runs of ratings with no pause longer than `sessionGapMinutes`
 * between neighbours in time. A session becomes a row with the user's own input weights scaled by
 * sqrt(sessionWeight), so stacking these rows under the users' rows adds `sessionWeight` x the sessions'
 * co-occurrence counts to the Gram matrix X^T X: titles rated in one sitting count as more closely related
 * than titles that only share a user. A title rated twice belongs to the session of its latest rating
 * (the one the user's row keeps). Users are taken in id order and sessions in time order, so the rows are
 * the same for the same ratings in any order.
 */
export function sessionRows(ratings: readonly Rating[], rowOf: ReadonlyMap<number, number>, options: SessionOptions): SparseRow[] {
  if (!(options.sessionWeight > 0)) return [];
  const scale = Math.sqrt(options.sessionWeight);
  const gap = options.sessionGapMinutes * MINUTE_MS;
  const out: SparseRow[] = [];
  for (const history of ratingsByUser(ratings).values()) {
    const weights = historyWeights(history, rowOf, options);
    const timeline = [...latestByRow(history, rowOf)]
      .filter(([row]) => weights.has(row))
      .map(([row, rating]) => [row, rating.ratedAt] as const)
      .sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    let session: number[] = [];
    const close = () => {
      if (session.length === 0) return;
      const rows = Int32Array.from(session).sort();
      out.push({ rows, weights: Float32Array.from(rows, (row) => weights.get(row)! * scale) });
      session = [];
    };
    timeline.forEach(([row, at], i) => {
      if (i > 0 && at - timeline[i - 1]![1] > gap) close();
      session.push(row);
    });
    close();
  }
  return out;
}
