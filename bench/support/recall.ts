/**
 * HNSW recall against exact search, shared by bench/index.ts (trained and generated vectors) and
 * bench/serving-scale.ts (the active model version of a database).
 */
import type { TitleFilter, TitleIndex } from '../../src/index/title-index.ts';
import { percentile } from './timing.ts';

/** The search breadths a sweep tries, smallest first. */
export const EF_VALUES = [10, 20, 50, 100, 200, 400, 800];

/** One ef's recall@k and query time (ms). */
export interface Sweep {
  ef: number;
  recall: number;
  p50: number;
  p99: number;
}

/**
 * recall@k over `recallQueries` queries (exact answers computed once, under the same filter) and timing over all
 * queries, per ef. `filters[i]`, when given, is query i's filter, applied inside the graph search as in production.
 * The index's own ef is restored afterwards.
 */
export function sweep(index: TitleIndex, queries: Float32Array[], recallQueries: number, filters?: TitleFilter[], k = 10, efs: readonly number[] = EF_VALUES): Sweep[] {
  const started = performance.now();
  const exact = queries.slice(0, recallQueries).map((q, i) => new Set(index.exactSearch(q, k, filters?.[i]).map((m) => m.titleId)));
  console.log(`  exact top-${k}${filters ? ' (filtered)' : ''} for ${exact.length} queries: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const ownEf = index.ef;
  const results: Sweep[] = [];
  for (const ef of efs) {
    index.ef = ef;
    for (let i = 0; i < Math.min(50, queries.length); i++) index.search(queries[i]!, k, filters?.[i]);
    const times: number[] = [];
    let hits = 0;
    let wanted = 0;
    queries.forEach((q, i) => {
      const t0 = performance.now();
      const found = index.search(q, k, filters?.[i]);
      times.push(performance.now() - t0);
      if (i < exact.length) {
        hits += found.filter((m) => exact[i]!.has(m.titleId)).length;
        wanted += exact[i]!.size;
      }
    });
    times.sort((a, b) => a - b);
    // Over the exact answers' sizes: a filter may leave fewer than k titles (k when it does not).
    const row = { ef, recall: hits / Math.max(1, wanted), p50: percentile(times, 50), p99: percentile(times, 99) };
    results.push(row);
    console.log(`  ef=${String(ef).padStart(4)}  recall@${k} ${row.recall.toFixed(4)}  p50 ${row.p50.toFixed(3)} ms  p99 ${row.p99.toFixed(3)} ms`);
  }
  index.ef = ownEf;
  const enough = results.find((r) => r.recall >= 0.98);
  console.log(enough ? `  smallest ef with recall@${k} >= 0.98: ${enough.ef}` : `  no ef reached recall@${k} 0.98`);
  return results;
}

/**
 * /recommend's filter per query: the user's own excluded titles (rated and hidden) plus `standIns` more, the
 * best-scored titles left, standing in for hidden ones (the hardest case: they sit where the search looks first).
 */
export function productionFilters(index: TitleIndex, queries: Float32Array[], excluded: ReadonlySet<number>[], standIns = 5): TitleFilter[] {
  return queries.map((q, i) => {
    const out = new Set(excluded[i]);
    for (const m of index.exactSearch(q, standIns, (id) => !excluded[i]!.has(id))) out.add(m.titleId);
    return (id: number) => !out.has(id);
  });
}
