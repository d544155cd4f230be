/**
 * Ranking a kind the member has rated nothing of. The model can only reach such a kind through what its titles are
 * about (text-side vectors), and bench/cross-kind.ts measured that alone below plain popularity-in-kind for those
 * members, so the two are blended: the model's score and popularity (log of 1 + the title's rating count), each
 * standardised over the titles on offer, weighted by {@link CROSS_KIND_POPULARITY_WEIGHT}. A kind nobody has rated
 * has no popularity to add, and ranks by the model alone.
 */

/**
 * Share of popularity in the blend, 0 (model only) to 1 (popularity only). Chosen by `bench/cross-kind.ts --seeds
 * 101 --popularity-weights 0,0.2,...,1` on tuning seed 101 (its own generated books and hold-out; reported seeds took
 * no part): nDCG@10 of held-out books rose from 0.2977 (model) to 0.4486 at 0.95, above popularity alone (0.4342).
 * Standardised popularity spreads much wider than the model's cross-kind scores, so the model mostly reorders
 * titles of similar popularity.
 */
export const CROSS_KIND_POPULARITY_WEIGHT = 0.95;

export interface KindCandidate {
  titleId: number;
  /** The model's score (inner product with the member's vector). */
  score: number;
  ratingCount: number;
}

export interface BlendedCandidate {
  titleId: number;
  /** The blended, standardised score the ranking uses. */
  score: number;
  /** Popularity weighed at least as much as the model in this title's place, and it is above the kind's usual. */
  byPopularity: boolean;
  /** The model's own (standardised) term is positive: the title is close to the member's taste. */
  closeToTaste: boolean;
}

/** Every candidate with its blended score, best first (ties by id, so rankings repeat). */
export function blendWithPopularity(candidates: readonly KindCandidate[], weight: number): BlendedCandidate[] {
  const model = standardise(candidates.map((c) => c.score));
  const popularity = standardise(candidates.map((c) => Math.log1p(Math.max(0, c.ratingCount))));
  return candidates
    .map((c, i) => {
      const fromModel = (1 - weight) * model[i]!;
      const fromPopularity = weight * popularity[i]!;
      return { titleId: c.titleId, score: fromModel + fromPopularity, byPopularity: fromPopularity > 0 && fromPopularity >= fromModel, closeToTaste: fromModel > 0 };
    })
    .sort((a, b) => b.score - a.score || a.titleId - b.titleId);
}

/** (x - mean) / sd; all zeros when the values do not vary (no popularity in a kind nobody rated). */
function standardise(values: readonly number[]): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  if (!(sd > 1e-12)) return out;
  for (let i = 0; i < n; i++) out[i] = (values[i]! - mean) / sd;
  return out;
}

/** Who makes a title of a kind popular, for reasons: "popular among readers". */
export function audienceOf(kind: string): string {
  const audiences: Record<string, string> = { movie: 'viewers', show: 'viewers', book: 'readers', game: 'players', music: 'listeners' };
  return audiences[kind] ?? 'members';
}
