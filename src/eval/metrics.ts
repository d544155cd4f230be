/**
 * Ranking metrics for the implicit protocol: every held-out title of a user is relevant (binary
 * relevance), `ranked` is the recommended list best first (already without the user's training titles).
 * Conventions, stated once so the numbers can be compared with papers:
 * - recall@k divides by min(k, |relevant|) (so a perfect list scores 1 even when |relevant| > k);
 * - nDCG@k uses gain 1 / log2(rank + 1) and the ideal DCG of min(k, |relevant|) hits;
 * - AP@k (MAP@k when averaged) divides by min(k, |relevant|);
 * - MRR is computed on the top-k list (0 when no relevant title is in it).
 */

const discount = (rank0: number): number => 1 / Math.log2(rank0 + 2);

function hitsAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): boolean[] {
  return ranked.slice(0, k).map((id) => relevant.has(id));
}

/** Fraction of the top k that is relevant (a list shorter than k still divides by k). */
export function precisionAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  if (k <= 0) return 0;
  return hitsAt(ranked, relevant, k).filter(Boolean).length / k;
}

/** Relevant titles found in the top k over min(k, |relevant|); 0 when nothing is relevant. */
export function recallAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  const denominator = Math.min(k, relevant.size);
  if (denominator === 0) return 0;
  return hitsAt(ranked, relevant, k).filter(Boolean).length / denominator;
}

/** Binary-relevance nDCG@k with the ideal list holding min(k, |relevant|) hits. */
export function ndcgAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  const idealHits = Math.min(k, relevant.size);
  if (idealHits === 0) return 0;
  let dcg = 0;
  hitsAt(ranked, relevant, k).forEach((hit, i) => {
    if (hit) dcg += discount(i);
  });
  let ideal = 0;
  for (let i = 0; i < idealHits; i++) ideal += discount(i);
  return dcg / ideal;
}

/** Average precision over the top k, divided by min(k, |relevant|). */
export function averagePrecisionAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  const denominator = Math.min(k, relevant.size);
  if (denominator === 0) return 0;
  let hits = 0;
  let sum = 0;
  hitsAt(ranked, relevant, k).forEach((hit, i) => {
    if (hit) {
      hits += 1;
      sum += hits / (i + 1);
    }
  });
  return sum / denominator;
}

/** 1 / rank of the first relevant title within the top k, else 0. */
export function reciprocalRankAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  const first = hitsAt(ranked, relevant, k).indexOf(true);
  return first < 0 ? 0 : 1 / (first + 1);
}

/** 1 when at least one relevant title is in the top k. */
export function hitAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  return hitsAt(ranked, relevant, k).some(Boolean) ? 1 : 0;
}

/** Share of the catalogue that appears in at least one user's top k. */
export function catalogueCoverage(lists: Iterable<readonly number[]>, catalogueSize: number, k: number): number {
  if (catalogueSize <= 0) return 0;
  const seen = new Set<number>();
  for (const list of lists) for (const id of list.slice(0, k)) seen.add(id);
  return seen.size / catalogueSize;
}

/**
 * Intra-list diversity: 1 - mean cosine over every pair of titles in a user's top k, averaged over users with
 * at least two titles, with `vectorOf` the titles' feature vectors (genre multi-hot in `tastebud eval`). A title
 * without a vector counts as unlike every other (cosine 0). 0 when no list has two titles.
 */
export function intraListDiversity(lists: Iterable<readonly number[]>, vectorOf: (titleId: number) => Float32Array | undefined, k: number): number {
  let total = 0;
  let users = 0;
  for (const list of lists) {
    const vectors = list.slice(0, k).map(vectorOf);
    if (vectors.length < 2) continue;
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < vectors.length; i++) {
      for (let j = i + 1; j < vectors.length; j++) {
        sum += cosineOf(vectors[i], vectors[j]);
        pairs += 1;
      }
    }
    total += 1 - sum / pairs;
    users += 1;
  }
  return users === 0 ? 0 : total / users;
}

function cosineOf(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (!a || !b || a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Mean metrics over users plus catalogue coverage, as printed by `tastebud eval`. */
export interface MetricSummary {
  k: number;
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  mrr: number;
  hitRate: number;
  coverage: number;
}

/**
 * Averages every metric over the users in `relevantByUser` (users with no relevant titles are left
 * out); a user with no list counts as an empty list, scoring 0.
 */
export function summarise(listsByUser: ReadonlyMap<number, readonly number[]>, relevantByUser: ReadonlyMap<number, ReadonlySet<number>>, k: number, catalogueSize: number): MetricSummary {
  const totals = { precision: 0, recall: 0, ndcg: 0, map: 0, mrr: 0, hitRate: 0 };
  let users = 0;
  for (const [user, relevant] of relevantByUser) {
    if (relevant.size === 0) continue;
    const ranked = listsByUser.get(user) ?? [];
    users += 1;
    totals.precision += precisionAt(ranked, relevant, k);
    totals.recall += recallAt(ranked, relevant, k);
    totals.ndcg += ndcgAt(ranked, relevant, k);
    totals.map += averagePrecisionAt(ranked, relevant, k);
    totals.mrr += reciprocalRankAt(ranked, relevant, k);
    totals.hitRate += hitAt(ranked, relevant, k);
  }
  const mean = (x: number) => (users === 0 ? 0 : x / users);
  return {
    k,
    users,
    precision: mean(totals.precision),
    recall: mean(totals.recall),
    ndcg: mean(totals.ndcg),
    map: mean(totals.map),
    mrr: mean(totals.mrr),
    hitRate: mean(totals.hitRate),
    coverage: catalogueCoverage(listsByUser.values(), catalogueSize, k),
  };
}

/**
 * Indices of the k largest scores, best first, skipping `exclude`d indices and ties broken by lower
 * index (deterministic). Partial selection: O(n log k).
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  if (k <= 0) return idx;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (idx.length === k && !(s > val[k - 1]!)) continue;
    if (exclude?.has(i)) continue;
    let pos: number;
    if (idx.length < k) {
      pos = idx.length;
      idx.push(i);
      val.push(s);
    } else {
      pos = k - 1;
      idx[pos] = i;
      val[pos] = s;
    }
    while (pos > 0 && s > val[pos - 1]!) {
      idx[pos] = idx[pos - 1]!;
      val[pos] = val[pos - 1]!;
      idx[pos - 1] = i;
      val[pos - 1] = s;
      pos -= 1;
    }
  }
  return idx;
}
