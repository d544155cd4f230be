/**
 * Offline replay of a model version on logged impressions: the replay estimator of Li, Chu, Langford and Wang,
 * "Unbiased offline evaluation of contextual-bandit-based news article recommendation algorithms" (WSDM 2011).
 *
 * Each logged slot (a member shown title `a` at list position p, rewarded 1 when they accepted it) is an event.
 * The evaluated policy ranks for the same member with their history as of that moment; when its title at p is
 * `a` the event "matches" and its reward counts. The estimate is the mean reward over matched events. It is
 * unbiased for the policy's acceptance only when the logging policy chose each slot's title uniformly at random
 * among the candidates; tastebud's logs come from its own (deterministic) rankings, so there the figure is the
 * acceptance on the slots where the evaluated version agrees with what was shown, and says nothing about titles
 * nobody was shown. The ranked-hit measure (of the accepted impressions, the share the version would have put in
 * its list of the same length) needs no such assumption, but it too only sees titles that were shown.
 */

/** One logged slot. */
export interface LoggedImpression {
  userId: number;
  titleId: number;
  position: number;
  shownAt: Date;
  /** Rated >= 4 within 7 days (src/online/measures.ts). */
  accepted: boolean;
}

/** A logged list: one /recommend answer, its slots in position order. */
export interface LoggedBatch {
  userId: number;
  shownAt: Date;
  slots: readonly LoggedImpression[];
}

/** The evaluated policy: the list it would show `userId` at `at`, `count` titles long, best first. */
export type ReplayPolicy = (userId: number, at: Date, count: number) => readonly number[];

export interface ReplayResult {
  batches: number;
  slots: number;
  /** Slots where the policy's title at the logged position is the logged one. */
  matched: number;
  matchRate: number | null;
  /** The replay estimate: accepted / matched (Li et al.); null with no match. */
  replayAcceptance: number | null;
  /** Accepted / slots under the logging policy, for comparison. */
  loggedAcceptance: number | null;
  /** Accepted slots. */
  positives: number;
  /** Accepted slots whose title is anywhere in the policy's list of the batch's length. */
  positivesRanked: number;
  rankedHitRate: number | null;
  /** Whether the logging policy was declared uniform-random (only then is replayAcceptance unbiased). */
  uniformLogging: boolean;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/**
 * Groups slots into batches: per member in time order, a batch starts at each position 0 (every /recommend
 * answer has exactly one); slots before a member's first position 0 start a batch of their own.
 */
export function batchesOf(impressions: readonly LoggedImpression[]): LoggedBatch[] {
  const sorted = [...impressions].sort((a, b) => a.userId - b.userId || a.shownAt.getTime() - b.shownAt.getTime() || a.position - b.position);
  const batches: { userId: number; shownAt: Date; slots: LoggedImpression[] }[] = [];
  for (const s of sorted) {
    const last = batches.at(-1);
    if (!last || last.userId !== s.userId || s.position === 0 || s.position <= last.slots.at(-1)!.position) batches.push({ userId: s.userId, shownAt: s.shownAt, slots: [s] });
    else last.slots.push(s);
  }
  return batches;
}

/** Replays `policy` over the logged batches. */
export function replay(batches: readonly LoggedBatch[], policy: ReplayPolicy, options: { uniformLogging?: boolean } = {}): ReplayResult {
  let slots = 0;
  let matched = 0;
  let matchedAccepted = 0;
  let positives = 0;
  let positivesRanked = 0;
  for (const batch of batches) {
    const length = Math.max(...batch.slots.map((s) => s.position)) + 1;
    const list = policy(batch.userId, batch.shownAt, length);
    const ranked = new Set(list);
    for (const slot of batch.slots) {
      slots++;
      if (slot.accepted) positives++;
      if (slot.accepted && ranked.has(slot.titleId)) positivesRanked++;
      if (list[slot.position] === slot.titleId) {
        matched++;
        if (slot.accepted) matchedAccepted++;
      }
    }
  }
  return {
    batches: batches.length,
    slots,
    matched,
    matchRate: ratio(matched, slots),
    replayAcceptance: ratio(matchedAccepted, matched),
    loggedAcceptance: ratio(positives, slots),
    positives,
    positivesRanked,
    rankedHitRate: ratio(positivesRanked, positives),
    uniformLogging: options.uniformLogging ?? false,
  };
}

/** What the figures mean, printed with them. */
export function replayCaveat(result: Pick<ReplayResult, 'uniformLogging' | 'matched'>): string {
  if (result.uniformLogging) {
    return 'The logs were declared uniform-random: the replay acceptance is an unbiased estimate of the acceptance this version would have had (Li et al., WSDM 2011), with about `matched` events of evidence.';
  }
  return [
    "Caveat: these impressions were chosen by tastebud's own rankings, not uniformly at random, so the replay",
    'acceptance is NOT an unbiased estimate of how this version would do online (Li et al., WSDM 2011 need a',
    'uniform-random logging policy). It is the acceptance on the slots where this version would have shown the',
    'same title at the same position; the match rate says how often that was. The ranked-hit rate is the share of',
    'accepted titles this version would have put in a list of the same length. Neither can tell how members would',
    'have reacted to titles they were never shown; only an online test (or uniform-random exploration) can.',
  ].join('\n');
}
