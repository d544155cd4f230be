import { buildReason, fitOf } from './explain.ts';
import { aggregateScores, type MemberPercentiles } from './strategies.ts';
import {
  DEFAULT_GROUP_STRATEGY,
  defaultGroupSettings,
  GROUP_STRATEGIES,
  GroupInputError,
  MAX_GROUP_COUNT,
  MIN_GROUP_COUNT,
  type CandidateTitle,
  type GroupCandidate,
  type GroupPredictor,
  type GroupRankInput,
  type GroupSettings,
  type GroupStrategy,
  type MemberPrediction,
} from './types.ts';

export * from './types.ts';

/**
 * Group recommendations for a movie night: which titles suit everyone taking part. Plain data in, plain data
 * out; the bot builds the members' vectors and the predictor from the serving model (README.md here says how
 * the aggregation works and why).
 */

/** Checks the input and returns the settled strategy, settings and the pool of allowed candidates. */
function checkInput(input: GroupRankInput): { strategy: GroupStrategy; settings: GroupSettings; pool: CandidateTitle[] } {
  const strategy = input.strategy ?? DEFAULT_GROUP_STRATEGY;
  if (!GROUP_STRATEGIES.includes(strategy)) throw new GroupInputError(`Unknown strategy "${String(strategy)}"; use one of ${GROUP_STRATEGIES.join(', ')}.`);
  if (!Number.isInteger(input.count) || input.count < MIN_GROUP_COUNT || input.count > MAX_GROUP_COUNT) {
    throw new GroupInputError(`Candidates must be a whole number from ${MIN_GROUP_COUNT} to ${MAX_GROUP_COUNT}, got ${String(input.count)}.`);
  }
  if (input.members.length === 0) throw new GroupInputError('A group needs at least one member.');
  const ids = new Set(input.members.map((m) => m.id));
  if (ids.size !== input.members.length) throw new GroupInputError('Each member may take part only once (repeated member id).');
  const settings = { ...defaultGroupSettings, ...input.settings };
  if (!(settings.miseryPercentile >= 0 && settings.miseryPercentile <= settings.goodPercentile && settings.goodPercentile <= 1)) {
    throw new GroupInputError('Settings need 0 <= miseryPercentile <= goodPercentile <= 1.');
  }
  const excluded = new Set(input.hiddenTitleIds ?? []);
  if (!input.includeSeen) for (const id of input.seenTitleIds ?? []) excluded.add(id);
  const pool = input.candidates.filter((c) => !excluded.has(c.titleId));
  return { strategy, settings, pool };
}

/**
 * Percentile of each pool title among a member's scores (0 = their last, 1 = their first; ties share the
 * mean rank). Titles the model cannot score count as the member's last. Scale-free, so members whose raw
 * scores differ in size (a long history gives larger dot products) weigh the same.
 */
export function memberPercentiles(scores: ArrayLike<number | undefined>): Float64Array {
  const n = scores.length;
  const out = new Float64Array(n);
  if (n <= 1) return out.fill(n === 1 ? 1 : 0);
  const order = Array.from({ length: n }, (_, i) => i);
  const value = (i: number) => scores[i] ?? -Infinity;
  order.sort((a, b) => value(a) - value(b) || a - b);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && value(order[end]!) === value(order[start]!)) end++;
    const rank = (start + end - 1) / 2 / (n - 1);
    for (let i = start; i < end; i++) out[order[i]!] = rank;
    start = end;
  }
  return out;
}

/**
 * The `count` best titles for the group under the chosen strategy, best first, each with every member's fit
 * and a reason line. Fewer when the pool is smaller. Throws {@link GroupInputError} for bad input.
 */
export function rankForGroup(input: GroupRankInput): GroupCandidate[] {
  const { strategy, settings, pool } = checkInput(input);
  if (pool.length === 0) return [];
  const rated = input.members.filter((m) => m.vector !== null);
  const neutralMembers = input.members.filter((m) => m.vector === null).map((m) => m.id);
  const percentiles: MemberPercentiles[] = rated.map((member) => ({
    memberId: member.id,
    values: memberPercentiles(pool.map((c) => input.predict(member, c.titleId))),
  }));
  const picks =
    percentiles.length === 0
      ? popularityPicks(pool, input.count)
      : aggregateScores({
          strategy,
          percentiles,
          count: input.count,
          miseryPercentile: settings.miseryPercentile,
          goodPercentile: settings.goodPercentile,
          fairHistory: input.fairHistory ?? new Map(),
        });
  const byId = new Map(percentiles.map((p) => [p.memberId, p.values]));
  return picks.map(({ index, score }) => {
    const title = pool[index]!;
    const perMember = input.members.map((m): MemberPrediction => {
      const values = byId.get(m.id);
      const predicted = values ? values[index]! : 0.5;
      return { memberId: m.id, predicted, fit: values ? fitOf(predicted, settings) : 'ok' };
    });
    const reason = buildReason({ title, members: input.members, perMember, neutralMembers, escape: input.escape, similarity: input.similarity, settings });
    return { titleId: title.titleId, groupScore: score, perMember, reason, neutralMembers };
  });
}

/** Nobody has ratings: the most popular titles, scored by their popularity percentile in the pool. */
function popularityPicks(pool: readonly CandidateTitle[], count: number): { index: number; score: number }[] {
  const percentile = memberPercentiles(pool.map((c) => c.popularity));
  return pool
    .map((_, index) => ({ index, score: percentile[index]! }))
    .sort((a, b) => b.score - a.score || pool[a.index]!.titleId - pool[b.index]!.titleId)
    .slice(0, count);
}

/** The predictor over a model's title vectors: dot(member vector, title vector), as the recommender scores. */
export function dotProductPredictor(vectorOf: (titleId: number) => Float32Array | undefined): GroupPredictor {
  return (member, titleId) => {
    const title = vectorOf(titleId);
    const vector = member.vector;
    if (!title || !vector) return undefined;
    let dot = 0;
    const n = Math.min(title.length, vector.length);
    for (let i = 0; i < n; i++) dot += vector[i]! * title[i]!;
    return dot;
  };
}
