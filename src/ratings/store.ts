import { TRANSACTION_LIMITS, type PrismaClient } from '../db/client.ts';
import { DEFAULT_RETRY, withDatabaseRetry, type RetryPolicy } from '../db/retry.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { forgetMember, type ForgetResult } from '../members/forget-me.ts';
import { findMember, isProfilePublic, memberProfile, memberUpsertSql, setProfilePublic, upsertMember, type Member, type MemberProfile } from '../members/members.ts';
import { userEmbeddingEventSql } from '../queue/outbox.ts';
import { recordSuggestions, type NewSuggestion } from '../suggestions/records.ts';
import { forgottenReactionToken } from './forgotten.ts';
import { checkScore, HIDE_EMOJI, normaliseEmoji, RATING_EMOJI, reactionMeaning } from './scale.ts';

/*
 * Ratings: the reaction and /rate statements, and the bot's RatingStore over them and the member,
 * forget-me and suggestion records (src/members, src/suggestions). The outage retry is src/db/retry.ts.
 */

/** What a reaction did; `ratingChanged` tells the caller to kick the outbox dispatcher. */
export type ReactionOutcome =
  | { kind: 'ignored'; reason: 'not-a-suggestion' | 'not-on-the-scale' | 'unknown-member' }
  | { kind: 'applied'; titleId: number; userId: number; rating: number | undefined; hidden: boolean; ratingChanged: boolean };

/** A rating change made through /rate. */
export interface CommandRatingResult {
  userId: number;
  titleId: number;
  value: number;
  /** The value before, if the member had rated the title already. */
  previous: number | undefined;
}

/** The time a statement writes, as the UTC wall clock Prisma reads `timestamp` columns as. */
const NOW = Prisma.sql`(statement_timestamp() AT TIME ZONE 'UTC')`;

/**
 * Applies a reaction added to or removed from a message. Only scale emoji on suggestion messages count.
 * The member's held reactions are kept in suggestion_reactions; the newest rating reaction on any
 * suggestion of that title decides their rating for the title, and removing the last one removes a rating that came
 * from a reaction (a rating set with /rate since then is left alone). 🙈 hides the title while held.
 * A rating change writes an outbox event in the same transaction. A removal never creates the member: someone
 * tastebud does not know (never met, or forgotten) holds nothing to remove; it only drops the removed reaction's
 * forgotten token, so adding it again later counts as a new act.
 *
 * Two statements in one transaction, because each round trip (and each Prisma call's CPU) is the cost of
 * a burst: the first finds the title, upserts the member and takes the lock; the second does the rest.
 */
export async function applyReaction(
  prisma: PrismaClient,
  input: { messageId: string; member: Member; emoji: { name: string | null; id?: string | null }; action: 'add' | 'remove' },
): Promise<ReactionOutcome> {
  const meaning = reactionMeaning(input.emoji);
  if (!meaning) return { kind: 'ignored', reason: 'not-on-the-scale' };
  const emoji = normaliseEmoji(input.emoji.name!);
  const { messageId, action } = input;
  return prisma.$transaction(async (tx) => {
    // Serialise concurrent reactions of one member on one title, so "latest wins" holds. The lock is taken
    // in a statement of its own: the next statement's snapshot then sees whatever the previous holder committed.
    const member =
      action === 'add'
        ? memberUpsertSql(input.member, Prisma.sql`WHERE EXISTS (SELECT 1 FROM s)`)
        : Prisma.sql`SELECT id FROM users WHERE source = 'discord' AND external_id = ${input.member.discordId}`;
    const unforget =
      action === 'remove'
        ? Prisma.sql`, f AS (DELETE FROM forgotten_reactions WHERE message_id = ${messageId} AND token = ${forgottenReactionToken(messageId, input.member.discordId, emoji)})`
        : Prisma.empty;
    const [target] = await tx.$queryRaw<{ titleId: number; userId: number | null }[]>`
      WITH s AS (SELECT title_id FROM suggestions WHERE message_id = ${messageId}),
      u AS (${member}) ${unforget}
      SELECT s.title_id AS "titleId", u.id AS "userId" FROM s LEFT JOIN u ON true LEFT JOIN LATERAL pg_advisory_xact_lock(u.id, s.title_id) AS locked ON true`;
    if (!target) return { kind: 'ignored', reason: 'not-a-suggestion' } as const;
    if (target.userId === null) return { kind: 'ignored', reason: 'unknown-member' } as const;
    const { titleId, userId } = target;
    const [result] = await tx.$queryRaw<{ rating: number | null; hidden: boolean; changed: boolean; before: number | null }[]>`${reactionSql({
      messageId,
      userId,
      titleId,
      emoji,
      action,
      kind: meaning.kind,
    })}`;
    const { rating, hidden, changed, before } = result!;
    return { kind: 'applied', titleId, userId, rating: rating ?? (changed ? undefined : (before ?? undefined)), hidden, ratingChanged: changed } as const;
  }, TRANSACTION_LIMITS);
}

/**
 * The statement that stores one reaction and settles its consequences, as decideFromReactions (scale.ts)
 * decides them: the newest held rating emoji on any suggestion of the title gives the rating (ties to
 * the higher value), a held 🙈 hides. Data-modifying CTEs do not see each other's writes, so `held` is
 * the rows from before with this event applied by hand; `before` is the rating before it.
 */
function reactionSql(r: { messageId: string; userId: number; titleId: number; emoji: string; action: 'add' | 'remove'; kind: 'rating' | 'hide' }): Prisma.Sql {
  const { messageId, userId, titleId, emoji } = r;
  // Only the CTEs this kind of event can need: planning the statement is a good part of its cost.
  const event =
    r.action === 'add'
      ? Prisma.sql`added AS (
          INSERT INTO suggestion_reactions (message_id, user_id, emoji, created_at)
          VALUES (${messageId}, ${userId}, ${emoji}, ${NOW})
          ON CONFLICT (message_id, user_id, emoji) DO UPDATE SET created_at = EXCLUDED.created_at
          RETURNING emoji, created_at)`
      : Prisma.sql`removed AS (DELETE FROM suggestion_reactions WHERE message_id = ${messageId} AND user_id = ${userId} AND emoji = ${emoji})`;
  const unrate =
    r.action === 'remove' && r.kind === 'rating'
      ? Prisma.sql`, unrated AS (
          DELETE FROM ratings WHERE user_id = ${userId} AND title_id = ${titleId} AND EXISTS (SELECT 1 FROM change WHERE action = 'delete'))`
      : Prisma.empty;
  const hide =
    r.kind === 'hide'
      ? Prisma.sql`, hid AS (
          INSERT INTO hidden_titles (user_id, title_id) SELECT ${userId}::int, ${titleId}::int FROM change WHERE hidden ON CONFLICT DO NOTHING),
        shown AS (DELETE FROM hidden_titles WHERE user_id = ${userId} AND title_id = ${titleId} AND EXISTS (SELECT 1 FROM change WHERE NOT hidden))`
      : Prisma.empty;
  return Prisma.sql`
    WITH scale (emoji, value) AS (SELECT * FROM unnest(${RATING_EMOJI.map((e) => e.emoji)}::text[], ${RATING_EMOJI.map((e) => e.value)}::real[])),
    ${event},
    held AS (
      SELECT h.emoji, h.created_at FROM suggestion_reactions h JOIN suggestions s ON s.message_id = h.message_id
      WHERE h.user_id = ${userId} AND s.title_id = ${titleId} AND NOT (h.message_id = ${messageId} AND h.emoji = ${emoji})
      ${r.action === 'add' ? Prisma.sql`UNION ALL SELECT emoji, created_at FROM added` : Prisma.empty}),
    decided AS MATERIALIZED (
      SELECT (SELECT scale.value FROM held JOIN scale ON scale.emoji = held.emoji ORDER BY held.created_at DESC, scale.value DESC LIMIT 1) AS rating,
        EXISTS (SELECT 1 FROM held WHERE held.emoji = ANY (${HIDE_EMOJI}::text[])) AS hidden),
    change AS MATERIALIZED (
      SELECT d.rating, d.hidden, b.value AS before,
        CASE
          WHEN d.rating IS NOT NULL AND (b.value IS DISTINCT FROM d.rating OR b.source IS DISTINCT FROM 'reaction') THEN 'set'
          WHEN d.rating IS NULL AND ${r.action === 'remove' && r.kind === 'rating'} AND b.source = 'reaction' THEN 'delete'
        END AS action
      FROM decided d LEFT JOIN ratings b ON b.user_id = ${userId} AND b.title_id = ${titleId}),
    rated AS (
      INSERT INTO ratings (user_id, title_id, value, source, updated_at)
      SELECT ${userId}::int, ${titleId}::int, rating, 'reaction'::rating_source, ${NOW} FROM change WHERE action = 'set'
      ON CONFLICT (user_id, title_id) DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at)
    ${unrate} ${hide},
    event AS (${userEmbeddingEventSql(userId, Prisma.sql`FROM change WHERE action IS NOT NULL`)})
    SELECT rating, hidden, action IS NOT NULL AS changed, before FROM change`;
}

/**
 * Sets a member's rating of a title from /rate (1-5 in halves) and writes the outbox event with it. One
 * statement, so one round trip and atomic without an explicit transaction: upsert the member, the rating
 * and the outbox row, and clear "not interested".
 */
export async function rateTitle(prisma: PrismaClient, member: Member, titleId: number, value: number): Promise<CommandRatingResult> {
  checkScore(value);
  // `before` reads the snapshot the statement started with, i.e. the rating as it was before this write.
  const [row] = await prisma.$queryRaw<{ userId: number; previous: number | null }[]>`
    WITH u AS (${memberUpsertSql(member)}),
    before AS (SELECT r.value FROM ratings r JOIN u ON r.user_id = u.id WHERE r.title_id = ${titleId}),
    rated AS (
      INSERT INTO ratings (user_id, title_id, value, source, updated_at)
      SELECT u.id, ${titleId}::int, ${value}::real, 'command'::rating_source, ${NOW} FROM u
      ON CONFLICT (user_id, title_id) DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
      RETURNING user_id),
    -- Rating a title is the opposite of "not interested".
    shown AS (DELETE FROM hidden_titles h USING u WHERE h.user_id = u.id AND h.title_id = ${titleId}),
    event AS (${userEmbeddingEventSql(Prisma.sql`user_id`, Prisma.sql`FROM rated`)})
    SELECT u.id AS "userId", (SELECT value FROM before) AS previous FROM u`;
  return { userId: row!.userId, titleId, value, previous: row!.previous ?? undefined };
}

/**
 * Removes a member's rating of a title (the HTTP API's DELETE) with its outbox event, in one statement like
 * {@link rateTitle}. Returns the value removed, or undefined when there was none (then nothing is written).
 */
export async function removeRating(prisma: PrismaClient, userId: number, titleId: number): Promise<number | undefined> {
  const [row] = await prisma.$queryRaw<{ value: number | null }[]>`
    WITH removed AS (DELETE FROM ratings WHERE user_id = ${userId} AND title_id = ${titleId} RETURNING user_id, value),
    event AS (${userEmbeddingEventSql(Prisma.sql`user_id`, Prisma.sql`FROM removed`)})
    SELECT (SELECT value FROM removed) AS value`;
  return row?.value ?? undefined;
}

/** Marks a title "not interested" for a user (as 🙈 does while held); true when it was not hidden before. */
export async function hideTitle(prisma: PrismaClient, userId: number, titleId: number): Promise<boolean> {
  const inserted = await prisma.$executeRaw`INSERT INTO hidden_titles (user_id, title_id) VALUES (${userId}, ${titleId}) ON CONFLICT DO NOTHING`;
  return inserted > 0;
}

/** The member's rating of one title, if any. */
export async function ratingOf(prisma: PrismaClient, discordId: string, titleId: number): Promise<number | undefined> {
  const row = await prisma.rating.findFirst({ where: { titleId, user: { source: 'discord', externalId: discordId } }, select: { value: true } });
  return row?.value;
}

/** The rating domain as the bot uses it, bound to one database. */
export interface RatingStore {
  findMember(discordId: string): Promise<number | undefined>;
  upsertMember(member: Member): Promise<number>;
  applyReaction(input: Parameters<typeof applyReaction>[1]): Promise<ReactionOutcome>;
  rate(member: Member, titleId: number, value: number): Promise<CommandRatingResult>;
  ratingOf(discordId: string, titleId: number): Promise<number | undefined>;
  recordSuggestions(member: Member, suggestions: readonly NewSuggestion[]): Promise<void>;
  forget(discordId: string): Promise<ForgetResult>;
  profile(discordId: string): Promise<MemberProfile | undefined>;
  /** Whether other members may see this member's /profile. */
  isProfilePublic(discordId: string): Promise<boolean>;
  /** Sets whether other members may see this member's /profile (creating the member row on first contact). */
  setProfilePublic(member: Member, isPublic: boolean): Promise<void>;
}

/**
 * {@link RatingStore} over PostgreSQL. Writes (reactions, /rate) are retried with backoff while the
 * database is unreachable (`retry`, default {@link DEFAULT_RETRY}); reads fail at once, so commands answer fast.
 */
export function prismaRatingStore(prisma: PrismaClient, options: { retry?: RetryPolicy; onRetry?(attempt: number, delayMs: number, error: unknown): void } = {}): RatingStore {
  const retry = <T>(work: () => Promise<T>) => withDatabaseRetry(work, options.retry ?? DEFAULT_RETRY, options.onRetry ? { onRetry: options.onRetry } : {});
  return {
    findMember: (discordId) => findMember(prisma, discordId),
    upsertMember: (member) => upsertMember(prisma, member),
    applyReaction: (input) => retry(() => applyReaction(prisma, input)),
    rate: (member, titleId, value) => retry(() => rateTitle(prisma, member, titleId, value)),
    ratingOf: (discordId, titleId) => ratingOf(prisma, discordId, titleId),
    recordSuggestions: (member, suggestions) => recordSuggestions(prisma, member, suggestions),
    forget: (discordId) => forgetMember(prisma, discordId),
    profile: (discordId) => memberProfile(prisma, discordId),
    isProfilePublic: (discordId) => isProfilePublic(prisma, discordId),
    setProfilePublic: (member, isPublic) => retry(() => setProfilePublic(prisma, member, isPublic)),
  };
}
