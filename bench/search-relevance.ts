/** The title-search relevance set (bench/data/search-relevance.tsv) and its measures: top-1 accuracy and MRR@10. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const RELEVANCE_SET = fileURLToPath(new URL('./data/search-relevance.tsv', import.meta.url));

export interface RelevanceQuery {
  kind: string;
  split: 'tune' | 'held-out';
  query: string;
  /** movieId in ml-latest-small of the title that must come first. */
  movielensId: number;
  /** That title as movies.csv writes it. */
  title: string;
}

/** Reads the set; throws naming the line when a row is malformed. */
export async function loadRelevanceSet(path: string = RELEVANCE_SET): Promise<RelevanceQuery[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const out: RelevanceQuery[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#') || line.startsWith('kind\t')) return;
    const [kind, split, query, id, title] = line.split('\t');
    if (!kind || (split !== 'tune' && split !== 'held-out') || !query || !/^\d+$/.test(id ?? '') || !title) {
      throw new Error(`${path} line ${i + 1}: expected kind, split (tune|held-out), query, movie_id, title separated by tabs`);
    }
    out.push({ kind, split, query, movielensId: Number(id), title });
  });
  return out;
}

/** 1-based rank of the wanted title among the results, or null when it is not in them. */
export const rankOf = (resultIds: readonly number[], wanted: number): number | null => {
  const i = resultIds.indexOf(wanted);
  return i < 0 ? null : i + 1;
};

export interface Measures {
  n: number;
  top1: number;
  /** Mean reciprocal rank, counting ranks 1 to 10 (0 below). */
  mrr10: number;
}

export function measure(ranks: readonly (number | null)[]): Measures {
  const n = ranks.length;
  const top1 = ranks.filter((r) => r === 1).length / Math.max(1, n);
  const mrr10 = ranks.reduce<number>((sum, r) => sum + (r !== null && r <= 10 ? 1 / r : 0), 0) / Math.max(1, n);
  return { n, top1, mrr10 };
}
