import { DatabaseUnavailableError, type PrismaClient } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { userEmbeddingEventSql } from '../queue/outbox.ts';
import { forgottenReactionToken } from './forgotten.ts';
import { checkScore, HIDE_EMOJI, normaliseEmoji, RATING_EMOJI, reactionMeaning } from './scale.ts';

type Tx = Prisma.TransactionClient;

/** A Discord member as the rating domain sees them. */
export interface Member {
  discordId: string;
  displayName?: string | undefined;
}

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

/** A suggestion message to remember, so reactions on it count (even after a restart). */
export interface NewSuggestion {
  messageId: string;
  channelId: string;
  guildId: string | null;
  titleId: number;
  position: number;
  modelVersionId: number | null;
  reason: string | null;
}

/** What /forget-me removed. */
export interface ForgetResult {
  ratings: number;
  hiddenTitles: number;
  vectors: number;
  /** Suggestion messages that were made for the member: kept (others' reactions on them count), no longer linked to them. */
  suggestions: number;
  reactions: number;
}

const NOTHING_FORGOTTEN: ForgetResult = { ratings: 0, hiddenTitles: 0, vectors: 0, suggestions: 0, reactions: 0 };

/** A member's profile as /profile shows it. */
export interface MemberProfile {
  ratingCount: number;
  hiddenCount: number;
  favouriteGenres: { genre: string; count: number }[];
  recent: { titleId: number; name: string; year: number | null; value: number; ratedAt: Date }[];
}

/**
 * `INSERT … RETURNING id` of the member's row: created on first contact, the display name refreshed when
 * given. Always an update on conflict, so the row comes back (and stays locked until commit) even when
 * nothing changed. `onlyIf` (a WHERE clause) can make the insert conditional.
 */
function memberUpsertSql(member: Member, onlyIf?: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`INSERT INTO users (source, external_id, display_name)
    SELECT 'discord'::user_source, ${member.discordId}::text, ${member.displayName ?? null}::text ${onlyIf ?? Prisma.empty}
    ON CONFLICT (source, external_id) DO UPDATE SET display_name = COALESCE(EXCLUDED.display_name, users.display_name)
    RETURNING id`;
}

/** The member's row id, creating the row on first contact (and refreshing the display name). */
export async function upsertMember(db: Tx | PrismaClient, member: Member): Promise<number> {
  const [row] = await db.$queryRaw<{ id: number }[]>`${memberUpsertSql(member)}`;
  return row!.id;
}

/** The member's row id, or undefined when they never used the bot. */
export async function findMember(db: Tx | PrismaClient, discordId: string): Promise<number | undefined> {
  const user = await db.user.findUnique({ where: { source_externalId: { source: 'discord', externalId: discordId } }, select: { id: true } });
  return user?.id;
}

const TRANSACTION = { timeout: 15_000, maxWait: 5_000 } as const;

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
  }, TRANSACTION);
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

/** The member's rating of one title, if any. */
export async function ratingOf(prisma: PrismaClient, discordId: string, titleId: number): Promise<number | undefined> {
  const row = await prisma.rating.findFirst({ where: { titleId, user: { source: 'discord', externalId: discordId } }, select: { value: true } });
  return row?.value;
}

/** Remembers suggestion messages (which message shows which title to whom). */
export async function recordSuggestions(prisma: PrismaClient, member: Member, suggestions: readonly NewSuggestion[]): Promise<void> {
  if (suggestions.length === 0) return;
  const userId = await upsertMember(prisma, member);
  await prisma.suggestion.createMany({ data: suggestions.map((s) => ({ ...s, userId })), skipDuplicates: true });
}

/**
 * Deletes everything stored about a member (ratings, hidden titles, vector, reactions, outbox events, the user
 * row) and says how much. The suggestion messages made for them stay, shown to nobody and without their reason
 * (it names what they liked): other members' reactions on those messages are those members' ratings. Reactions
 * the member still holds in Discord are remembered only as {@link forgottenReactionToken}s, so reconciliation
 * does not store them again; a reaction they add afterwards counts as usual.
 */
export async function forgetMember(prisma: PrismaClient, discordId: string): Promise<ForgetResult> {
  return prisma.$transaction(async (tx) => {
    const userId = await findMember(tx, discordId);
    if (userId === undefined) return NOTHING_FORGOTTEN;
    const held = await tx.suggestionReaction.findMany({ where: { userId }, select: { messageId: true, emoji: true } });
    await tx.forgottenReaction.createMany({
      data: held.map((h) => ({ messageId: h.messageId, token: forgottenReactionToken(h.messageId, discordId, h.emoji) })),
      skipDuplicates: true,
    });
    const reactions = await tx.suggestionReaction.deleteMany({ where: { userId } });
    const ratings = await tx.rating.deleteMany({ where: { userId } });
    const hiddenTitles = await tx.hiddenTitle.deleteMany({ where: { userId } });
    const vectors = await tx.userVector.deleteMany({ where: { userId } });
    const suggestions = await tx.suggestion.updateMany({ where: { userId }, data: { userId: null, reason: null } });
    // Movie nights: their votes, fits and participation go; a night they hosted goes on without a host.
    await tx.movieNightVote.deleteMany({ where: { userId } });
    await tx.movieNightFit.deleteMany({ where: { userId } });
    await tx.movieNightParticipant.deleteMany({ where: { userId } });
    await tx.movieNight.updateMany({ where: { hostUserId: userId }, data: { hostUserId: null } });
    // Pending "rebuild this user's vector" events name the member too; nothing is left to rebuild.
    await tx.$executeRaw`DELETE FROM outbox_events WHERE payload->>'userId' = ${String(userId)}`;
    await tx.user.delete({ where: { id: userId } });
    return { ratings: ratings.count, hiddenTitles: hiddenTitles.count, vectors: vectors.count, suggestions: suggestions.count, reactions: reactions.count };
  }, TRANSACTION);
}

/** Counts, favourite genres (among titles rated 4 or more, else all rated) and the newest ratings of a member. */
export async function memberProfile(prisma: PrismaClient, discordId: string, recentCount = 5): Promise<MemberProfile | undefined> {
  const userId = await findMember(prisma, discordId);
  if (userId === undefined) return undefined;
  const [ratings, hiddenCount] = await Promise.all([
    prisma.rating.findMany({
      where: { userId },
      orderBy: { updatedAt: 'desc' },
      select: { value: true, updatedAt: true, title: { select: { id: true, name: true, year: true, genres: true } } },
    }),
    prisma.hiddenTitle.count({ where: { userId } }),
  ]);
  const liked = ratings.filter((r) => r.value >= 4);
  const counts = new Map<string, number>();
  for (const r of liked.length > 0 ? liked : ratings) for (const g of r.title.genres) counts.set(g, (counts.get(g) ?? 0) + 1);
  const favouriteGenres = [...counts]
    .filter(([genre]) => genre !== '(no genres listed)')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([genre, count]) => ({ genre, count }));
  return {
    ratingCount: ratings.length,
    hiddenCount,
    favouriteGenres,
    recent: ratings.slice(0, recentCount).map((r) => ({ titleId: r.title.id, name: r.title.name, year: r.title.year, value: r.value, ratedAt: r.updatedAt })),
  };
}

/** A user's ratings and hidden titles, as the recommender reads them (see src/recommend UserSource). */
export async function userHistory(prisma: PrismaClient, userId: number) {
  const user = await prisma.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      ratings: { select: { titleId: true, value: true, updatedAt: true } },
      hidden: { select: { titleId: true } },
      vector: { select: { versionId: true, vector: true, ratingsCount: true, dimension: true } },
    },
  });
  if (!user) return undefined;
  const stored = user.vector;
  return {
    userId: user.id,
    ratings: user.ratings.map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() })),
    hidden: user.hidden.map((h) => h.titleId),
    ...(stored
      ? {
          storedVector: {
            versionId: stored.versionId,
            ratingsCount: stored.ratingsCount,
            vector: new Float32Array(new Uint8Array(stored.vector).buffer, 0, stored.dimension),
          },
        }
      : {}),
  };
}

/** How long to keep trying while PostgreSQL is unreachable: `attempts` tries, the wait doubling from `initialDelayMs` up to `maxDelayMs`. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** About 6 s of retries: long enough for a PostgreSQL restart or failover, short enough for a deferred reply. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 200, maxDelayMs: 2_000 };

const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNREACHABLE_DRIVER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'DatabaseDoesNotExist']);
const UNREACHABLE_PG_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);

/**
 * Whether an error means PostgreSQL could not be reached or dropped the connection (as opposed to a
 * query that is wrong). Looks through Prisma's wrapping: the code, the driver adapter error and its cause.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const any = e as { name?: unknown; code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    if (any instanceof DatabaseUnavailableError) return true;
    if (any.name === 'PrismaClientInitializationError') return true;
    if (typeof any.code === 'string' && (UNREACHABLE_PRISMA_CODES.has(any.code) || UNREACHABLE_PG_CODES.has(any.code))) return true;
    if (typeof any.kind === 'string' && UNREACHABLE_DRIVER_KINDS.has(any.kind)) return true;
    if (typeof any.originalCode === 'string' && UNREACHABLE_PG_CODES.has(any.originalCode)) return true;
    if (typeof any.message === 'string' && /Connection terminated|connection (?:is )?closed|Can't reach database server/i.test(any.message)) return true;
    queue.push(any.cause, any.meta?.driverAdapterError);
  }
  return false;
}

/**
 * Runs `work`, retrying with exponential backoff (and jitter) while the database is unreachable.
 * Other errors pass through at once. After the budget it throws a {@link DatabaseUnavailableError}
 * (no connection string in it) with the last failure as its cause. `work` must be safe to repeat:
 * a transaction that failed was rolled back as a whole.
 */
export async function withDatabaseRetry<T>(
  work: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: { onRetry?(attempt: number, delayMs: number, error: unknown): void; sleep?(ms: number): Promise<void> } = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delay = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      if (attempt >= policy.attempts) {
        throw new DatabaseUnavailableError(`PostgreSQL is unreachable (gave up after ${attempt} attempts).`, { cause: error });
      }
      const wait = Math.round(delay * (0.75 + Math.random() * 0.5));
      hooks.onRetry?.(attempt, wait, error);
      await sleep(wait);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
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
    async isProfilePublic(discordId) {
      const user = await prisma.user.findUnique({ where: { source_externalId: { source: 'discord', externalId: discordId } }, select: { profilePublic: true } });
      return user?.profilePublic ?? false;
    },
    async setProfilePublic(member, isPublic) {
      await retry(() =>
        prisma.user.upsert({
          where: { source_externalId: { source: 'discord', externalId: member.discordId } },
          create: { source: 'discord', externalId: member.discordId, displayName: member.displayName ?? null, profilePublic: isPublic },
          update: { profilePublic: isPublic },
          select: { id: true },
        }),
      );
    },
  };
}
