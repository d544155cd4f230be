import { ndcgAt, topK } from '../eval/metrics.ts';
import type { SparseRow } from './types.ts';

/**
 * The compact column space of the linear models: only titles with at least one training rating take part in
 * training; `warm[col]` is the dataset row of column `col`, `colOf[row]` the column of a row (or -1).
 */
export class WarmColumns {
  readonly warm: number[] = [];
  readonly colOf: Int32Array;

  constructor(ratedCount: Int32Array) {
    this.colOf = new Int32Array(ratedCount.length).fill(-1);
    for (let row = 0; row < ratedCount.length; row++) if (ratedCount[row]! > 0) this.colOf[row] = this.warm.push(row) - 1;
  }

  get size(): number {
    return this.warm.length;
  }

  /** Dense batch x columns matrix of the users' weights (row-major). */
  dense(rows: readonly SparseRow[]): Float32Array {
    const m = this.warm.length;
    const values = new Float32Array(rows.length * m);
    rows.forEach((r, b) => {
      for (let i = 0; i < r.rows.length; i++) values[b * m + this.colOf[r.rows[i]!]!] = r.weights[i]!;
    });
    return values;
  }

  /**
   * Mean nDCG@k of the held-out titles of validation users, ranking columns by `score` (batch x columns scores
   * of the given input rows) with each user's input titles removed.
   */
  validationNdcg(validation: readonly { input: SparseRow; heldOut: ReadonlySet<number> }[], k: number, score: (rows: SparseRow[]) => Float32Array): number {
    if (validation.length === 0) return 0;
    const m = this.warm.length;
    let total = 0;
    const chunk = 256;
    for (let start = 0; start < validation.length; start += chunk) {
      const part = validation.slice(start, start + chunk);
      const values = score(part.map((v) => v.input));
      part.forEach((v, b) => {
        const seen = new Set<number>();
        for (const row of v.input.rows) seen.add(this.colOf[row]!);
        const ranked = topK(values.subarray(b * m, (b + 1) * m), k, seen).map((col) => this.warm[col]!);
        total += ndcgAt(ranked, v.heldOut, k);
      });
    }
    return total / validation.length;
  }
}
