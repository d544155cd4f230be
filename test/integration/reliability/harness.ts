import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { catalogTitleSearch, servingRecommender } from '../../../src/bot/adapters.ts';
import { createBot, type Bot, type BotDependencies } from '../../../src/bot/bot.ts';
import type { TitleSearch } from '../../../src/bot/ports.ts';
import { createPrisma, type PrismaClient } from '../../../src/db/client.ts';
import { createLogger, type Logger } from '../../../src/log.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import type { Queues } from '../../../src/queue/queues.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { normaliseEmoji, reactionMeaning, SUGGESTION_REACTIONS } from '../../../src/ratings/scale.ts';
import type { RetryPolicy } from '../../../src/db/retry.ts';
import type { DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { spawnManaged, waitUntil, type ManagedChild } from '../../support/processes/index.ts';
import { seededRandom as rng } from '../../../src/lib/random.ts';

export { rng };

export const MIGRATIONS = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
export const BIN = fileURLToPath(new URL('../../../bin/tastebud.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Member ids (17+ digits, as Discord's) for `count` members named m0, m1, ... */
export function memberList(count: number): { id: string; username: string }[] {
  return Array.from({ length: count }, (_, i) => ({ id: String(300000000000000000n + BigInt(i)), username: `m${i}` }));
}

/** A catalogue of `count` titles over four genres with popularity, so /recommend has picks without a model. */
export async function seedTitles(prisma: PrismaClient, count = 40): Promise<number[]> {
  const genres = ['Action', 'Comedy', 'Horror', 'Romance'];
  await prisma.title.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      name: `Title ${i + 1}`,
      year: 1980 + (i % 40),
      genres: [genres[i % genres.length]!],
      searchName: `title ${i + 1}`,
      movielensId: 10_000 + i,
      ratingCount: 1000 - i,
      ratingMean: 3 + (i % 5) / 4,
    })),
  });
  return (await prisma.title.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((t) => t.id);
}

/** A bot with the serving model it answers from; promoting a version by hand needs `serving.refresh()`. */
export type InProcessBot = Bot & { serving: ServingModel };

/**
 * The bot in this process, against the emulator and the given database and queues, serving from the
 * production hot-swapping model holder (without its Redis channel: these tests promote by hand).
 */
export function inProcessBot(options: {
  emu: DiscordEmulator;
  prisma: PrismaClient;
  queues: Queues;
  logger?: Logger;
  databaseRetry?: RetryPolicy;
  reconcileRetryMs?: number;
  outboxIntervalMs?: number;
  /** Autocomplete and reaction budgets (the command limit stays out of the way); default the production ones. */
  rateLimit?: Partial<Pick<BotDependencies['config']['rateLimit'], 'autocomplete' | 'reactions'>>;
  reactionWaitingPerMember?: number;
  /** Title search; defaults to the catalogue's (tests wrap it to count searches). */
  search?: TitleSearch;
  /** Short movie night delays for tests. */
  movieNight?: BotDependencies['movieNight'];
}): InProcessBot {
  const logger = options.logger ?? createLogger({ logLevel: 'silent' });
  const { emu, prisma } = options;
  const serving = createServingModel({ prisma, deserialize: deserializeModel, logger, pollIntervalMs: 0 });
  const bot = createBot({
    config: {
      discord: { token: emu.token, applicationId: emu.applicationId, guildId: emu.guildId, apiUrl: emu.apiUrl },
      rateLimit: { commands: 1000, windowSeconds: 60, ...options.rateLimit },
      reconcileWindowDays: 14,
    },
    prisma,
    queues: options.queues,
    logger,
    search: options.search ?? catalogTitleSearch(prisma),
    recommender: servingRecommender(prisma, serving),
    outboxIntervalMs: options.outboxIntervalMs ?? 300,
    reconcileRetryMs: options.reconcileRetryMs ?? 300,
    ...(options.databaseRetry ? { databaseRetry: options.databaseRetry } : {}),
    ...(options.movieNight ? { movieNight: options.movieNight } : {}),
    ...(options.reactionWaitingPerMember ? { reactionWaitingPerMember: options.reactionWaitingPerMember } : {}),
  });
  return {
    ...bot,
    serving,
    async start() {
      await serving.start();
      await bot.start();
    },
    async stop() {
      await bot.stop();
      await serving.stop();
    },
  };
}

/** Runs /recommend for a member and waits until every suggestion has the bot's five reactions. */
export async function recommend(emu: DiscordEmulator, userId: string, count: number): Promise<string[]> {
  const i = await emu.runCommand({ userId, name: 'recommend', options: { count } });
  await emu.waitFor(() => i.followUps().length === count, { timeoutMs: 20_000, message: `expected ${count} suggestions` });
  const ids = i.followUps().map((m) => m.id);
  await emu.waitFor(() => ids.every((id) => emu.message(id)!.reactions.filter((r) => r.userIds.includes(emu.botUserId)).length === SUGGESTION_REACTIONS.length), {
    timeoutMs: 20_000,
    message: 'scale reactions',
  });
  return ids;
}

const RATING_EMOJI = ['😍', '👍', '😐', '👎', '3\ufe0f\u20e3'] as const;

/**
 * Members react at random on the messages: each step a member sets one rating reaction (switching off
 * the one they held) or clears theirs. At the end every member holds at most one rating emoji per message.
 */
export async function reactionBurst(emu: DiscordEmulator, members: readonly string[], messageIds: readonly string[], steps: number, seed: number, pace?: () => Promise<void>): Promise<void> {
  const random = rng(seed);
  const holding = new Map<string, string>();
  for (let step = 0; step < steps; step++) {
    const member = members[Math.floor(random() * members.length)]!;
    const messageId = messageIds[Math.floor(random() * messageIds.length)]!;
    const key = `${member}|${messageId}`;
    const held = holding.get(key);
    if (held && random() < 0.3) {
      await emu.unreact({ userId: member, messageId, emoji: held });
      holding.delete(key);
    } else {
      const emoji = RATING_EMOJI[Math.floor(random() * RATING_EMOJI.length)]!;
      if (held === emoji) continue;
      if (held) await emu.unreact({ userId: member, messageId, emoji: held });
      await emu.react({ userId: member, messageId, emoji });
      holding.set(key, emoji);
    }
    await pace?.();
  }
}

/** What Discord (the emulator) says members hold: `messageId|discordId|emoji` for every non-bot rating-scale reaction. */
export function discordHeld(emu: DiscordEmulator, messageIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of messageIds) {
    const message = emu.message(id);
    if (!message) continue;
    for (const r of message.reactions) {
      if (!reactionMeaning(r.emoji)) continue;
      for (const user of r.userIds) if (user !== emu.botUserId) out.push(`${id}|${user}|${normaliseEmoji(r.emoji)}`);
    }
  }
  return out.sort();
}

/** What the database says members hold on those messages, in the same form. */
export async function storedHeld(prisma: PrismaClient, messageIds: readonly string[]): Promise<string[]> {
  const rows = await prisma.suggestionReaction.findMany({ where: { messageId: { in: [...messageIds] } }, select: { messageId: true, emoji: true, user: { select: { externalId: true } } } });
  return rows.map((r) => `${r.messageId}|${r.user.externalId}|${r.emoji}`).sort();
}

/**
 * Checks the database row by row against the emulator: suggestion_reactions equals what members hold;
 * each member has a rating for a title exactly when they hold a rating reaction on a message showing it,
 * with the value of one of those reactions; no other discord rating exists.
 */
export async function expectDatabaseMatchesDiscord(emu: DiscordEmulator, prisma: PrismaClient, messageIds: readonly string[]): Promise<void> {
  const expected = discordHeld(emu, messageIds);
  expect(await storedHeld(prisma, messageIds)).toEqual(expected);
  const suggestions = await prisma.suggestion.findMany({ where: { messageId: { in: [...messageIds] } }, select: { messageId: true, titleId: true } });
  const titleOf = new Map(suggestions.map((s) => [s.messageId, s.titleId]));
  const allowed = new Map<string, Set<number>>();
  for (const key of expected) {
    const [messageId, member, emoji] = key.split('|') as [string, string, string];
    const meaning = reactionMeaning(emoji);
    if (meaning?.kind !== 'rating') continue;
    const k = `${member}|${titleOf.get(messageId)}`;
    if (!allowed.has(k)) allowed.set(k, new Set());
    allowed.get(k)!.add(meaning.value);
  }
  const ratings = await prisma.rating.findMany({ where: { user: { source: 'discord' } }, select: { titleId: true, value: true, source: true, user: { select: { externalId: true } } } });
  const actual = new Map(ratings.map((r) => [`${r.user.externalId}|${r.titleId}`, r.value]));
  expect([...actual.keys()].sort()).toEqual([...allowed.keys()].sort());
  for (const [k, value] of actual) expect(allowed.get(k), `rating ${k}`).toContain(value);
}

/** Environment for a `tastebud bot` child process against the emulator. */
export function botEnv(emu: DiscordEmulator, databaseUrl: string, redisUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `tbrel-${randomBytes(3).toString('hex')}`,
    DISCORD_TOKEN: emu.token,
    DISCORD_APPLICATION_ID: emu.applicationId,
    DISCORD_GUILD_ID: emu.guildId,
    DISCORD_API_URL: emu.apiUrl,
    // Any free port: several bot processes may run at once (parallel test files).
    METRICS_PORT: '0',
    ...extra,
  };
}

/** Starts `node bin/tastebud.js bot` and waits for its "bot ready" log line. */
export async function startBotProcess(env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<ManagedChild> {
  const child = spawnManaged(process.execPath, [BIN, 'bot'], { env, cwd: ROOT });
  await waitUntil(
    () => {
      if (child.process.exitCode !== null) throw new Error(`bot exited early:\n${child.output()}`);
      return child.output().includes('"msg":"bot ready"');
    },
    'the bot process to log "bot ready"',
    timeoutMs,
    100,
  ).catch((error: unknown) => {
    void child.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${child.output().slice(-3000)}`);
  });
  return child;
}

/** A Prisma client for a URL, for tests that own their server. */
export const prismaFor = (url: string) => createPrisma(url);
