/** The reaction scale: which emoji means which rating, plus the rating values /rate accepts. Pure. */

/** What a reaction means: a rating of some stars, or "not interested" (hide, not a rating). */
export type ReactionMeaning = { kind: 'rating'; value: number } | { kind: 'hide' };

/** The reactions the bot adds under every suggestion, in the order they appear. */
export const SUGGESTION_REACTIONS = ['😍', '👍', '😐', '👎', '🙈'] as const;

const byEmoji = new Map<string, ReactionMeaning>([
  ['😍', { kind: 'rating', value: 5 }],
  ['👍', { kind: 'rating', value: 4 }],
  ['😐', { kind: 'rating', value: 3 }],
  ['👎', { kind: 'rating', value: 1 }],
  ['🙈', { kind: 'hide' }],
  ['1\u20e3', { kind: 'rating', value: 1 }],
  ['2\u20e3', { kind: 'rating', value: 2 }],
  ['3\u20e3', { kind: 'rating', value: 3 }],
  ['4\u20e3', { kind: 'rating', value: 4 }],
  ['5\u20e3', { kind: 'rating', value: 5 }],
]);

/** The rating emoji (in canonical form) with their values, and the hide emoji: the scale as SQL needs it. */
export const RATING_EMOJI: readonly { emoji: string; value: number }[] = [...byEmoji].flatMap(([emoji, m]) => (m.kind === 'rating' ? [{ emoji, value: m.value }] : []));
export const HIDE_EMOJI: readonly string[] = [...byEmoji].flatMap(([emoji, m]) => (m.kind === 'hide' ? [emoji] : []));

/**
 * Every scale emoji from "least" to "most": hiding first, then ratings by value (a face before the keycap
 * of the same value). Replaying held reactions in this order gives the same outcome on every run.
 */
export const SCALE_ORDER: readonly string[] = [...HIDE_EMOJI, ...[...RATING_EMOJI].sort((a, b) => a.value - b.value).map((e) => e.emoji)];

/**
 * The canonical form of a unicode emoji: variation selectors (U+FE0F, clients differ in sending it on
 * keycaps) and skin-tone modifiers (👍🏽 means the same as 👍) removed.
 */
export function normaliseEmoji(name: string): string {
  return name.replace(/[\ufe0e\ufe0f]/gu, '').replace(/[\u{1f3fb}-\u{1f3ff}]/gu, '');
}

/**
 * What a reaction means, or undefined for anything outside the scale. Custom server emoji (those with
 * an id) never count, even when named like a scale emoji.
 */
export function reactionMeaning(emoji: { name: string | null; id?: string | null } | string): ReactionMeaning | undefined {
  const { name, id } = typeof emoji === 'string' ? { name: emoji, id: null } : emoji;
  if (id || !name) return undefined;
  return byEmoji.get(normaliseEmoji(name));
}

/** Lowest and highest score of /rate. */
export const SCORE_RANGE = { min: 1, max: 5 } as const;

/** A score outside 1-5 or not on a half step; the message says what is accepted. */
export class ScoreError extends Error {
  override name = 'ScoreError';
}

/** Checks a /rate score: 1 to 5 in half steps (3.5 is fine, 3.7 is not). Returns it unchanged. */
export function checkScore(value: number): number {
  if (!Number.isFinite(value) || value < SCORE_RANGE.min || value > SCORE_RANGE.max) {
    throw new ScoreError(`The score must be between ${SCORE_RANGE.min} and ${SCORE_RANGE.max} (halves allowed, e.g. 3.5); got ${value}.`);
  }
  if (value * 2 !== Math.round(value * 2)) {
    throw new ScoreError(`The score must be a whole or half number such as 3 or 3.5; got ${value}.`);
  }
  return value;
}

/** A reaction a member holds on one suggestion message. */
export interface HeldReaction {
  emoji: string;
  createdAt: Date;
}

/** What a member's held reactions on one message add up to. */
export interface ReactionDecision {
  /** Rating from the newest held rating reaction; undefined when none is held. */
  rating: number | undefined;
  /** Whether the member holds 🙈 on the message. */
  hidden: boolean;
}

/**
 * Decides a member's rating from the reactions they still hold on a message: the newest rating
 * reaction wins (ties broken by the higher value, so the result never depends on row order);
 * 🙈 hides independently of any rating.
 */
export function decideFromReactions(held: readonly HeldReaction[]): ReactionDecision {
  let rating: number | undefined;
  let newest = -Infinity;
  let hidden = false;
  for (const reaction of held) {
    const meaning = reactionMeaning(reaction.emoji);
    if (!meaning) continue;
    if (meaning.kind === 'hide') {
      hidden = true;
      continue;
    }
    const at = reaction.createdAt.getTime();
    if (at > newest || (at === newest && meaning.value > (rating ?? -Infinity))) {
      newest = at;
      rating = meaning.value;
    }
  }
  return { rating, hidden };
}

/** One line that explains the scale, for /help and suggestion footers. */
export const SCALE_LEGEND = '😍 5 · 👍 4 · 😐 3 · 👎 1 · 🙈 not interested · 1️⃣-5️⃣ exact stars';
