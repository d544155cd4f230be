import { ndcgAt } from '../eval/metrics.ts';
import { groupByUser } from '../eval/protocol.ts';
import { seededRandom, shuffleInPlace } from '../lib/random.ts';
import type { TrainOptions } from '../model/options.ts';
import type { Rating, RatingsDataset, TrainedModel } from '../model/types.ts';
import { MemoryCatalog } from '../recommend/catalog.ts';
import { popularityOrder, popularTitles } from '../recommend/popular.ts';
import type { TitleInfo } from '../recommend/types.ts';
import { rankForGroup } from './rank.ts';
import { GROUP_STRATEGIES, type CandidateTitle, type GroupMember, type GroupSettings } from './types.ts';

/**
 * The offline evaluation of movie-night recommendations: synthetic groups of training users, each member's
 * held-out titles as ground truth. Everything is passed in (ratings, titles, trainer); no files, no database.
 */

export type GroupKind = 'random' | 'similar';

export interface GroupEvaluationInput {
  train: readonly Rating[];
  test: readonly Rating[];
  /** The catalogue: id, name and genres of every title that may be picked. */
  titles: readonly { titleId: number; name: string; genres: readonly string[] }[];
  /** List length (the night's candidate count, 3 to 8). */
  k: number;
  /** Group sizes to draw, e.g. [2, 3, 4, 5, 6]. */
  sizes: readonly number[];
  /** Groups drawn per size and kind. */
  groupsPerCell: number;
  /** Seeds the groups and the random member; training gets `trainOptions.seed`. */
  seed: number;
  /** A held-out rating at or below this means the member disliked the title. */
  dislikedAt: number;
  /** Similar-taste groups draw the other members from the first member's nearest users (cosine of vectors). */
  similarNeighbours: number;
  /** Aggregation settings for every strategy (the misery percentile under test). */
  settings?: Partial<GroupSettings>;
  trainOptions?: Partial<TrainOptions>;
  trainer: (dataset: RatingsDataset, options: Partial<TrainOptions>) => Promise<TrainedModel>;
}

export interface MethodResult {
  method: string;
  /** nDCG@k of the group list for each member, averaged over members, then over groups. */
  meanNdcg: number;
  /** The worst member's nDCG@k, averaged over groups (misery). */
  worstNdcg: number;
  /** Share of groups where some member's held-out ratings mark every one of the top 3 as disliked. */
  allTop3Disliked: number;
  /** Share of groups where some member's held-out ratings mark at least one of the top 3 as disliked. */
  anyTop3Disliked: number;
}

export interface GroupEvaluationReport {
  k: number;
  seed: number;
  groups: Record<GroupKind, number>;
  sizes: readonly number[];
  dislikedAt: number;
  settings: Partial<GroupSettings>;
  /** Per kind of group, one row per method. */
  results: Record<GroupKind | 'all', MethodResult[]>;
  trainRatings: number;
  testRatings: number;
  trainSeconds: number;
}

/** Scores of every catalogue title for one user, computed once per user and shared by every method. */
class ScoreTable {
  private readonly rows = new Map<number, Float32Array>();
  private readonly vectors = new Map<number, Float32Array>();
  readonly columnOf: Map<number, number>;

  constructor(
    private readonly model: TrainedModel,
    private readonly histories: ReadonlyMap<number, Rating[]>,
  ) {
    this.columnOf = new Map(model.titleIds.map((id, i) => [id, i]));
  }

  vector(userId: number): Float32Array {
    let v = this.vectors.get(userId);
    if (!v) this.vectors.set(userId, (v = this.model.userVector(this.histories.get(userId) ?? [])));
    return v;
  }

  row(userId: number): Float32Array {
    let row = this.rows.get(userId);
    if (row) return row;
    const user = this.vector(userId);
    const d = this.model.dimension;
    const n = this.model.titleIds.length;
    const t = this.model.titleVectors;
    row = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += user[i]! * t[j * d + i]!;
      row[j] = s;
    }
    this.rows.set(userId, row);
    return row;
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Random groups (any users) and similar-taste groups (a random user and some of their nearest users). */
export function drawGroups(
  users: readonly number[],
  input: Pick<GroupEvaluationInput, 'sizes' | 'groupsPerCell' | 'seed' | 'similarNeighbours'>,
  vectorOf: (userId: number) => Float32Array,
): Record<GroupKind, number[][]> {
  const random = seededRandom(input.seed);
  const out: Record<GroupKind, number[][]> = { random: [], similar: [] };
  const neighbours = new Map<number, number[]>();
  const nearest = (user: number): number[] => {
    let list = neighbours.get(user);
    if (!list) {
      const v = vectorOf(user);
      list = users
        .filter((u) => u !== user)
        .map((u) => ({ u, c: cosine(v, vectorOf(u)) }))
        .sort((a, b) => b.c - a.c || a.u - b.u)
        .slice(0, input.similarNeighbours)
        .map((x) => x.u);
      neighbours.set(user, list);
    }
    return list;
  };
  for (const size of input.sizes) {
    if (size > users.length) throw new RangeError(`A group of ${size} needs at least ${size} users; the data has ${users.length}.`);
    for (let g = 0; g < input.groupsPerCell; g++) {
      out.random.push(shuffleInPlace([...users], random).slice(0, size));
      const first = users[Math.floor(random() * users.length)]!;
      out.similar.push([first, ...shuffleInPlace([...nearest(first)], random).slice(0, size - 1)]);
    }
  }
  return out;
}

/** The catalogue with training-split rating counts and means, for the popularity baseline and candidates. */
function trainingCatalog(titles: GroupEvaluationInput['titles'], train: readonly Rating[]): MemoryCatalog {
  const stats = new Map<number, { n: number; sum: number }>();
  for (const r of train) {
    const s = stats.get(r.titleId) ?? { n: 0, sum: 0 };
    s.n += 1;
    s.sum += r.value;
    stats.set(r.titleId, s);
  }
  return new MemoryCatalog(
    titles.map((t): TitleInfo => {
      const s = stats.get(t.titleId);
      return { id: t.titleId, name: t.name, year: null, genres: t.genres, kind: 'movie', ratingCount: s?.n ?? 0, ratingMean: s ? s.sum / s.n : null };
    }),
  );
}

interface GroupTruth {
  relevant: Map<number, Set<number>>;
  disliked: Map<number, Set<number>>;
}

/** Every member's nDCG@k of one list, and whether some member's held-out ratings call the top 3 disliked. */
function scoreList(list: readonly number[], members: readonly number[], truth: GroupTruth, k: number): { mean: number; worst: number; all3: boolean; any3: boolean } {
  const ndcgs = members.map((m) => ndcgAt(list, truth.relevant.get(m)!, k));
  const top3 = list.slice(0, 3);
  const disliked = members.map((m) => top3.filter((id) => truth.disliked.get(m)!.has(id)).length);
  return {
    mean: ndcgs.reduce((a, b) => a + b, 0) / ndcgs.length,
    worst: Math.min(...ndcgs),
    all3: top3.length > 0 && disliked.some((n) => n === top3.length),
    any3: disliked.some((n) => n > 0),
  };
}

class Tally {
  private readonly sums = new Map<string, { mean: number; worst: number; all3: number; any3: number; n: number }>();

  add(method: string, score: ReturnType<typeof scoreList>): void {
    const s = this.sums.get(method) ?? { mean: 0, worst: 0, all3: 0, any3: 0, n: 0 };
    s.mean += score.mean;
    s.worst += score.worst;
    s.all3 += score.all3 ? 1 : 0;
    s.any3 += score.any3 ? 1 : 0;
    s.n += 1;
    this.sums.set(method, s);
  }

  results(): MethodResult[] {
    return [...this.sums].map(([method, s]) => ({ method, meanNdcg: s.mean / s.n, worstNdcg: s.worst / s.n, allTop3Disliked: s.all3 / s.n, anyTop3Disliked: s.any3 / s.n }));
  }
}

/**
 * Trains the model on `train` with the given trainer, draws random and similar-taste groups of users who have
 * held-out titles, and scores every strategy of {@link rankForGroup} against two baselines: the most popular
 * titles no member has rated (popularTitles, the one definition of popular) and one random member's own list.
 * Every list leaves out every member's training titles; every held-out title of a member is relevant to them.
 */
export async function evaluateGroups(input: GroupEvaluationInput): Promise<GroupEvaluationReport> {
  const started = performance.now();
  const model = await trainForGroups(input);
  return scoreGroups(model, input, (performance.now() - started) / 1000);
}

/** The model of an evaluation: the given trainer on the training ratings over the whole catalogue. */
export function trainForGroups(input: Pick<GroupEvaluationInput, 'titles' | 'train' | 'trainer' | 'trainOptions'>): Promise<TrainedModel> {
  const titleIds = [...new Set([...input.titles.map((t) => t.titleId), ...input.train.map((r) => r.titleId)])].sort((a, b) => a - b);
  return input.trainer({ ratings: [...input.train], titleIds }, input.trainOptions ?? {});
}

/** {@link evaluateGroups} with the model already trained (tuning scores one model under several settings). */
export function scoreGroups(model: TrainedModel, input: GroupEvaluationInput, trainSeconds = 0): GroupEvaluationReport {
  const histories = groupByUser(input.train);
  const truth: GroupTruth = { relevant: new Map(), disliked: new Map() };
  for (const [userId, list] of groupByUser(input.test)) {
    if (!histories.has(userId)) continue;
    truth.relevant.set(userId, new Set(list.map((r) => r.titleId)));
    truth.disliked.set(userId, new Set(list.filter((r) => r.value <= input.dislikedAt).map((r) => r.titleId)));
  }
  const scores = new ScoreTable(model, histories);
  const users = [...truth.relevant.keys()].sort((a, b) => a - b);
  const groups = drawGroups(users, input, (u) => scores.vector(u));
  const catalog = trainingCatalog(input.titles, input.train);
  const popularity = new Map(popularityOrder(catalog).map((e) => [e.title.id, e.popularity]));
  const candidates: CandidateTitle[] = input.titles.map((t) => ({ titleId: t.titleId, name: t.name, genres: t.genres, popularity: popularity.get(t.titleId) ?? 0 }));
  const random = seededRandom(input.seed ^ 0x5bd1e995);
  const tallies = { random: new Tally(), similar: new Tally(), all: new Tally() };
  for (const kind of ['random', 'similar'] as const) {
    for (const group of groups[kind]) {
      const lists = groupLists(group, { input, scores, candidates, catalog, histories, random });
      for (const [method, list] of lists) {
        const score = scoreList(list, group, truth, input.k);
        tallies[kind].add(method, score);
        tallies.all.add(method, score);
      }
    }
  }
  return {
    k: input.k,
    seed: input.seed,
    groups: { random: groups.random.length, similar: groups.similar.length },
    sizes: input.sizes,
    dislikedAt: input.dislikedAt,
    settings: input.settings ?? {},
    results: { random: tallies.random.results(), similar: tallies.similar.results(), all: tallies.all.results() },
    trainRatings: input.train.length,
    testRatings: input.test.length,
    trainSeconds,
  };
}

interface GroupContext {
  input: GroupEvaluationInput;
  scores: ScoreTable;
  candidates: CandidateTitle[];
  catalog: MemoryCatalog;
  histories: ReadonlyMap<number, Rating[]>;
  random: () => number;
}

/** The list of every method for one group, by method name. */
function groupLists(group: readonly number[], ctx: GroupContext): Map<string, number[]> {
  const { input, scores, candidates } = ctx;
  const seen = new Set<number>();
  for (const m of group) for (const r of ctx.histories.get(m) ?? []) seen.add(r.titleId);
  const members: GroupMember[] = group.map((u) => ({ id: String(u), displayName: String(u), vector: scores.vector(u) }));
  const predict = (member: GroupMember, titleId: number) => {
    const column = scores.columnOf.get(titleId);
    return column === undefined ? undefined : scores.row(Number(member.id))[column];
  };
  const common = { candidates, predict, count: input.k, seenTitleIds: seen, escape: (t: string) => t, ...(input.settings ? { settings: input.settings } : {}) };
  const lists = new Map<string, number[]>();
  for (const strategy of GROUP_STRATEGIES)
    lists.set(
      strategy,
      rankForGroup({ ...common, members, strategy }).map((c) => c.titleId),
    );
  lists.set(
    'popular unseen',
    popularTitles(ctx.catalog, input.k, (id) => !seen.has(id)).map((r) => r.titleId),
  );
  const one = members[Math.floor(ctx.random() * members.length)]!;
  lists.set(
    'one random member',
    rankForGroup({ ...common, members: [one], strategy: 'average' }).map((c) => c.titleId),
  );
  return lists;
}

/** The report as a plain-text table, one block per kind of group. */
export function formatGroupReport(report: GroupEvaluationReport): string {
  const k = report.k;
  const header = ['method', `mean nDCG@${k}`, `worst-member nDCG@${k}`, 'all top-3 disliked', 'any top-3 disliked'];
  const lines: string[] = [];
  for (const kind of ['all', 'random', 'similar'] as const) {
    const rows = report.results[kind].map((r) => [r.method, r.meanNdcg.toFixed(4), r.worstNdcg.toFixed(4), r.allTop3Disliked.toFixed(3), r.anyTop3Disliked.toFixed(3)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    const n = kind === 'all' ? report.groups.random + report.groups.similar : report.groups[kind];
    lines.push(`${kind} groups (${n}):`, fmt(header), ...rows.map(fmt), '');
  }
  lines.push(
    `groups of ${report.sizes.join(', ')} users; seed ${report.seed}; disliked = held-out rating <= ${report.dislikedAt}; settings ${JSON.stringify(report.settings)}`,
    `train ${report.trainRatings} ratings, test ${report.testRatings} ratings; every held-out title relevant to its member; members' training titles left out of every list`,
  );
  return lines.join('\n') + '\n';
}

/** Tuning: the misery percentile chosen by the default strategy's (mean + worst-member nDCG) / 2 on the carve. */
export function chooseMisery(reports: readonly GroupEvaluationReport[]): number {
  const objective = (r: GroupEvaluationReport) => {
    const row = r.results.all.find((x) => x.method === 'average-without-misery')!;
    return (row.meanNdcg + row.worstNdcg) / 2;
  };
  return [...reports].sort((a, b) => objective(b) - objective(a))[0]!.settings.miseryPercentile!;
}

/** The --tune table: every misery percentile with the two strategies it changes, all groups. */
export function formatTuning(reports: readonly GroupEvaluationReport[]): string {
  const k = reports[0]?.k ?? 0;
  const lines = [`misery  avg-w/o-misery mean/worst nDCG@${k}  any-top3-disliked   fair mean/worst nDCG@${k}`];
  for (const r of reports) {
    const awm = r.results.all.find((x) => x.method === 'average-without-misery')!;
    const fair = r.results.all.find((x) => x.method === 'fair')!;
    lines.push(
      `${r.settings.miseryPercentile!.toFixed(2).padStart(6)}  ${awm.meanNdcg.toFixed(4)} / ${awm.worstNdcg.toFixed(4)}         ${awm.anyTop3Disliked.toFixed(3)}               ${fair.meanNdcg.toFixed(4)} / ${fair.worstNdcg.toFixed(4)}`,
    );
  }
  lines.push('', `chosen misery percentile (best (mean + worst) / 2 of average-without-misery): ${chooseMisery(reports)}`);
  lines.push(`validation carve of the training split, seed ${reports[0]?.seed}; the reported test split was not used`);
  return lines.join('\n') + '\n';
}
