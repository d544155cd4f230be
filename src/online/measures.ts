import type { OnlineReport, OnlineRow } from './report.ts';

/**
 * The online measures (issue #19 item 3): how members reacted to what they were shown, per model version and per
 * day. Plain functions over rows a source gives (src/online/prisma-source.ts reads them from the database).
 */

export const DAY_MS = 86_400_000;
/** A shown title counts as rated (and accepted) only when the member rated it within this long after. */
export const RESPONSE_WINDOW_MS = 7 * DAY_MS;
/** A rating at least this high accepts the suggestion. */
export const ACCEPT_AT = 4;

/** One suggestion shown to a member, with what the member did about its title. */
export interface ShownSuggestion {
  userId: number;
  titleId: number;
  position: number;
  /** null: popular picks made without a model. */
  modelVersion: number | null;
  shownAt: Date;
  /** How long /recommend took to rank the batch (the same on every row of it); null when not recorded. */
  latencyMs: number | null;
  /** Whether the member holds any reaction on the suggestion's message. */
  reacted: boolean;
  /** The member's rating of the title now (created / last changed), if any. */
  rating: { value: number; createdAt: Date; updatedAt: Date } | null;
  /** When the member hid the title, if they did. */
  hiddenAt: Date | null;
  /** How many users rated the title (its popularity, for novelty). */
  titleRatingCount: number;
}

export interface OnlineData {
  shown: readonly ShownSuggestion[];
  /** Titles in the catalogue (coverage's denominator). */
  catalogueTitles: number;
  /** Users with at least one rating (novelty's denominator). */
  ratingUsers: number;
}

export interface DateRange {
  since: Date;
  until: Date;
}

/** Reads what was shown in [since, until) and what members did about it. */
export type OnlineDataSource = (range: DateRange) => Promise<OnlineData>;

const within = (at: Date | null | undefined, shownAt: Date) => !!at && at.getTime() >= shownAt.getTime() && at.getTime() - shownAt.getTime() <= RESPONSE_WINDOW_MS;

/** The member's rating of a shown title when it was made (or last changed) within the window; its current value. */
export function ratingInWindow(s: Pick<ShownSuggestion, 'rating' | 'shownAt'>): number | undefined {
  if (!s.rating) return undefined;
  return within(s.rating.updatedAt, s.shownAt) || within(s.rating.createdAt, s.shownAt) ? s.rating.value : undefined;
}

/** Nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Self-information of a title in bits: -log2 of the share of users who rated it (at least one, at most all). */
export function selfInformation(ratingCount: number, users: number): number {
  if (users <= 0) return 0;
  return Math.log2(users / Math.min(users, Math.max(1, ratingCount)));
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** The measures of one group of shown suggestions. */
export function measure(rows: readonly ShownSuggestion[], data: Pick<OnlineData, 'catalogueTitles' | 'ratingUsers'>, modelVersion: number | null): OnlineRow {
  let rated = 0;
  let accepted = 0;
  let ratingSum = 0;
  let hidden = 0;
  let reacted = 0;
  let novelty = 0;
  const titles = new Set<number>();
  const latencies: number[] = [];
  for (const s of rows) {
    const value = ratingInWindow(s);
    if (value !== undefined) {
      rated++;
      ratingSum += value;
      if (value >= ACCEPT_AT) accepted++;
    }
    if (within(s.hiddenAt, s.shownAt)) hidden++;
    if (s.reacted) reacted++;
    titles.add(s.titleId);
    novelty += selfInformation(s.titleRatingCount, data.ratingUsers);
    // One latency per /recommend batch: every batch has exactly one first suggestion.
    if (s.position === 0 && s.latencyMs !== null) latencies.push(s.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  return {
    modelVersion,
    shown: rows.length,
    rated,
    accepted,
    acceptance: ratio(accepted, rows.length),
    meanRating: ratio(ratingSum, rated),
    hideRate: ratio(hidden, rows.length),
    reactionRate: ratio(reacted, rows.length),
    coverage: rows.length > 0 ? ratio(titles.size, data.catalogueTitles) : null,
    novelty: ratio(novelty, rows.length),
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
  };
}

const versionOrder = (a: number | null, b: number | null) => (a ?? -1) - (b ?? -1);

/** Groups rows by a key, keeping each group's model version. */
function groupBy<K>(rows: readonly ShownSuggestion[], key: (s: ShownSuggestion) => K): Map<K, ShownSuggestion[]> {
  const groups = new Map<K, ShownSuggestion[]>();
  for (const s of rows) {
    const k = key(s);
    const group = groups.get(k);
    if (group) group.push(s);
    else groups.set(k, [s]);
  }
  return groups;
}

/** The online report over [since, until): one row per model version, and one per (UTC day, version). */
export function onlineReport(data: OnlineData, range: DateRange, now: Date = new Date()): OnlineReport {
  const shown = data.shown.filter((s) => s.shownAt >= range.since && s.shownAt < range.until);
  const byVersion = [...groupBy(shown, (s) => s.modelVersion)].map(([version, rows]) => measure(rows, data, version)).sort((a, b) => versionOrder(a.modelVersion, b.modelVersion));
  const byDay = [...groupBy(shown, (s) => `${s.shownAt.toISOString().slice(0, 10)} ${s.modelVersion ?? ''}`)]
    .map(([, rows]) => ({ day: rows[0]!.shownAt.toISOString().slice(0, 10), ...measure(rows, data, rows[0]!.modelVersion) }))
    .sort((a, b) => a.day.localeCompare(b.day) || versionOrder(a.modelVersion, b.modelVersion));
  return { since: range.since.toISOString(), until: range.until.toISOString(), generatedAt: now.toISOString(), byVersion, byDay };
}

/** The report from a source: reads [since, until) and measures it. */
export async function reportFrom(source: OnlineDataSource, range: DateRange, now: Date = new Date()): Promise<OnlineReport> {
  if (!(range.since < range.until)) throw new RangeError(`since (${range.since.toISOString()}) must be before until (${range.until.toISOString()}).`);
  return onlineReport(await source(range), range, now);
}
