import type { GroupStrategy } from './types.ts';

/** One member's percentiles over the candidate pool (index i = pool title i). */
export interface MemberPercentiles {
  memberId: string;
  values: Float64Array;
}

export interface AggregateInput {
  strategy: GroupStrategy;
  /** Members with ratings only (neutral members have no say). At least one. */
  percentiles: readonly MemberPercentiles[];
  count: number;
  miseryPercentile: number;
  goodPercentile: number;
  /** For 'fair': member id → recent nights won by that member's favourite. */
  fairHistory: ReadonlyMap<string, number>;
}

export interface Pick {
  /** Index into the pool. */
  index: number;
  score: number;
}

/** Per-title mean and minimum over the members. */
function summaries(percentiles: readonly MemberPercentiles[]): { mean: Float64Array; min: Float64Array } {
  const n = percentiles[0]!.values.length;
  const mean = new Float64Array(n);
  const min = new Float64Array(n).fill(Infinity);
  for (const { values } of percentiles) {
    for (let i = 0; i < n; i++) {
      mean[i]! += values[i]! / percentiles.length;
      if (values[i]! < min[i]!) min[i] = values[i]!;
    }
  }
  return { mean, min };
}

/** The best `count` indices by `primary`, ties by `secondary`, then by pool order. */
function best(indices: readonly number[], count: number, primary: Float64Array, secondary: Float64Array): number[] {
  return [...indices].sort((a, b) => primary[b]! - primary[a]! || secondary[b]! - secondary[a]! || a - b).slice(0, count);
}

/**
 * Ranks the pool for the group. Every strategy works on per-member percentiles (0..1), so members weigh the
 * same whatever the size of their raw scores:
 * - average: mean percentile (utilitarian; one member's strong dislike can be outvoted);
 * - least-misery: the lowest member's percentile (ties by mean): nobody is left out, but the group's
 *   overall fit counts only to break ties;
 * - average-without-misery (default): mean percentile over the titles no member has below the misery
 *   percentile; if fewer than `count` titles clear it, the rest are filled in least-misery order;
 * - fair: like average-without-misery, but built one pick at a time with member weights 1 / (1 + recent wins
 *   + good fits already in this list), so members whose favourites won lately, or who already have a title
 *   they like in the list, give way to the others.
 */
export function aggregateScores(input: AggregateInput): Pick[] {
  const { percentiles, count, miseryPercentile } = input;
  const { mean, min } = summaries(percentiles);
  const all = Array.from({ length: mean.length }, (_, i) => i);
  if (input.strategy === 'average') return best(all, count, mean, min).map((index) => ({ index, score: mean[index]! }));
  if (input.strategy === 'least-misery') return best(all, count, min, mean).map((index) => ({ index, score: min[index]! }));
  const safe = all.filter((i) => min[i]! >= miseryPercentile);
  const fill = (taken: number): number[] =>
    taken >= count
      ? []
      : best(
          all.filter((i) => min[i]! < miseryPercentile),
          count - taken,
          min,
          mean,
        );
  if (input.strategy === 'average-without-misery') {
    const chosen = best(safe, count, mean, min);
    return [...chosen.map((index) => ({ index, score: mean[index]! })), ...fill(chosen.length).map((index) => ({ index, score: mean[index]! }))];
  }
  const chosen = fairPicks(input, safe, mean);
  return [...chosen, ...fill(chosen.length).map((index) => ({ index, score: mean[index]! }))];
}

/** Greedy weighted picks for 'fair' among the titles that clear the misery bar. */
function fairPicks(input: AggregateInput, safe: readonly number[], mean: Float64Array): Pick[] {
  const { percentiles, count, goodPercentile, fairHistory } = input;
  const satisfied = percentiles.map((p) => Math.max(0, fairHistory.get(p.memberId) ?? 0));
  const remaining = new Set(safe);
  const picks: Pick[] = [];
  while (picks.length < count && remaining.size > 0) {
    const weights = satisfied.map((s) => 1 / (1 + s));
    const total = weights.reduce((a, b) => a + b, 0);
    let bestIndex = -1;
    let bestScore = -Infinity;
    for (const i of remaining) {
      let score = 0;
      for (let m = 0; m < percentiles.length; m++) score += weights[m]! * percentiles[m]!.values[i]!;
      score /= total;
      if (score > bestScore || (score === bestScore && (mean[i]! > mean[bestIndex]! || (mean[i] === mean[bestIndex] && i < bestIndex)))) {
        bestScore = score;
        bestIndex = i;
      }
    }
    remaining.delete(bestIndex);
    picks.push({ index: bestIndex, score: bestScore });
    percentiles.forEach((p, m) => {
      if (p.values[bestIndex]! >= goodPercentile) satisfied[m]! += 1;
    });
  }
  return picks;
}
