import { DatabaseUnavailableError, type PrismaClient } from '../db/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { writeUserEmbeddingEvent } from '../queue/outbox.ts';
import { checkScore, decideFromReactions, normaliseEmoji, reactionMeaning } from './scale.ts';

type Tx = Prisma.TransactionClient;

/** A Discord member as the rating domain sees them. */
export interface Member {
  discordId: string;
  displayName?: string | undefined;
}

/** What a reaction did; `ratingChanged` tells the caller to kick the outbox dispatcher. */
export type ReactionOutcome =
  | { kind: 'ignored'; reason: 'not-a-suggestion' | 'not-on-the-scale' }
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

/** Rows removed by /forget-me. */
export interface ForgetResult {
  ratings: number;
  hiddenTitles: number;
  vectors: number;
  suggestions: number;
  reactions: number;
}

/** A member's profile as /profile shows it. */
export interface MemberProfile {
  ratingCount: number;
  hiddenCount: number;
  favouriteGenres: { genre: string; count: number }[];
  recent: { titleId: number; name: string; year: number | null; value: number; ratedAt: Date }[];
}

/** The member's row id, creating the row on first contact (and refreshing the display name). */
export async function upsertMember(db: Tx | PrismaClient, member: Member): Promise<number> {
  const user = await db.user.upsert({
    where: { source_externalId: { source: 'discord', externalId: member.discordId } },
    create: { source: 'discord', externalId: member.discordId, displayName: member.displayName ?? null },
    update: member.displayName ? { displayName: member.displayName } : {},
    select: { id: true },
  });
  return user.id;
}

/** The member's row id, or undefined when they never used the bot. */
export async function findMember(db: Tx | PrismaClient, discordId: string): Promise<number | undefined> {
  const user = await db.user.findUnique({ where: { source_externalId: { source: 'discord', externalId: discordId } }, select: { id: true } });
  return user?.id;
}

const TRANSACTION = { timeout: 15_000, maxWait: 5_000 } as const;

/**
 * Applies a reaction added to or removed from a message. Only scale emoji on suggestion messages count.
 * The member's held reactions are kept in suggestion_reactions; the newest rating reaction on any
 * suggestion of that title decides their rating for the title, and removing the last one removes a rating that came
 * from a reaction (a rating set with /rate since then is left alone). 🙈 hides the title while held.
 * A rating change writes an outbox event in the same transaction.
 */
export async function applyReaction(
  prisma: PrismaClient,
  input: { messageId: string; member: Member; emoji: { name: string | null; id?: string | null }; action: 'add' | 'remove' },
): Promise<ReactionOutcome> {
  const meaning = reactionMeaning(input.emoji);
  if (!meaning) return { kind: 'ignored', reason: 'not-on-the-scale' };
  const emoji = normaliseEmoji(input.emoji.name!);
  return prisma.$transaction(async (tx) => {
    const suggestion = await tx.suggestion.findUnique({ where: { messageId: input.messageId }, select: { titleId: true } });
    if (!suggestion) return { kind: 'ignored', reason: 'not-a-suggestion' } as const;
    const { titleId } = suggestion;
    const userId = await upsertMember(tx, input.member);
    // Serialise concurrent reactions of one member on one title, so "latest wins" holds.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${userId}::int, ${titleId}::int)`;
    const key = { messageId: input.messageId, userId, emoji };
    if (input.action === 'add') {
      await tx.suggestionReaction.upsert({ where: { messageId_userId_emoji: key }, create: key, update: { createdAt: new Date() } });
    } else {
      await tx.suggestionReaction.deleteMany({ where: key });
    }
    // Several suggestion messages can show the same title: what the member holds on any of them counts.
    const held = await tx.suggestionReaction.findMany({ where: { userId, suggestion: { titleId } }, select: { emoji: true, createdAt: true } });
    const decision = decideFromReactions(held);
    const before = await tx.rating.findUnique({ where: { userId_titleId: { userId, titleId } }, select: { value: true, source: true } });

    let ratingChanged = false;
    if (decision.rating !== undefined) {
      if (before?.value !== decision.rating || before.source !== 'reaction') {
        await tx.rating.upsert({
          where: { userId_titleId: { userId, titleId } },
          create: { userId, titleId, value: decision.rating, source: 'reaction' },
          update: { value: decision.rating, source: 'reaction' },
        });
        ratingChanged = true;
      }
    } else if (meaning.kind === 'rating' && input.action === 'remove' && before?.source === 'reaction') {
      await tx.rating.delete({ where: { userId_titleId: { userId, titleId } } });
      ratingChanged = true;
    }

    if (meaning.kind === 'hide') {
      if (decision.hidden) {
        await tx.hiddenTitle.upsert({ where: { userId_titleId: { userId, titleId } }, create: { userId, titleId }, update: {} });
      } else {
        await tx.hiddenTitle.deleteMany({ where: { userId, titleId } });
      }
    }
    if (ratingChanged) await writeUserEmbeddingEvent(tx, userId);
    const rating = decision.rating ?? (ratingChanged ? undefined : before?.value);
    return { kind: 'applied', titleId, userId, rating, hidden: decision.hidden, ratingChanged } as const;
  }, TRANSACTION);
}

/** Sets a member's rating of a title from /rate (1-5 in halves) and writes the outbox event with it. */
export async function rateTitle(prisma: PrismaClient, member: Member, titleId: number, value: number): Promise<CommandRatingResult> {
  checkScore(value);
  return prisma.$transaction(async (tx) => {
    const userId = await upsertMember(tx, member);
    const before = await tx.rating.findUnique({ where: { userId_titleId: { userId, titleId } }, select: { value: true } });
    await tx.rating.upsert({
      where: { userId_titleId: { userId, titleId } },
      create: { userId, titleId, value, source: 'command' },
      update: { value, source: 'command' },
    });
    // Rating a title is the opposite of "not interested".
    await tx.hiddenTitle.deleteMany({ where: { userId, titleId } });
    await writeUserEmbeddingEvent(tx, userId);
    return { userId, titleId, value, previous: before?.value };
  }, TRANSACTION);
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

/** Deletes everything stored about a member (ratings, hidden titles, vector, suggestions, reactions, outbox events, the user row) and says how much. */
export async function forgetMember(prisma: PrismaClient, discordId: string): Promise<ForgetResult> {
  return prisma.$transaction(async (tx) => {
    const userId = await findMember(tx, discordId);
    if (userId === undefined) return { ratings: 0, hiddenTitles: 0, vectors: 0, suggestions: 0, reactions: 0 };
    const reactions = await tx.suggestionReaction.deleteMany({ where: { userId } });
    const ratings = await tx.rating.deleteMany({ where: { userId } });
    const hiddenTitles = await tx.hiddenTitle.deleteMany({ where: { userId } });
    const vectors = await tx.userVector.deleteMany({ where: { userId } });
    const suggestions = await tx.suggestion.deleteMany({ where: { userId } });
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
