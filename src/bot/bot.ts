import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Client, Events, GatewayIntentBits, Options, Partials, type ClientOptions, type Interaction } from 'discord.js';
import { THROTTLE_DEFAULTS, type Config, type MemberBudget } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { prismaMovieNightStore } from '../movienight/store.ts';
import { QUEUE } from '../queue/names.ts';
import { OutboxDispatcher, queueSink } from '../queue/outbox.ts';
import { withQueueTimeout, type Queues } from '../queue/queues.ts';
import type { RetryPolicy } from '../db/retry.ts';
import { prismaRatingStore, type RatingStore } from '../ratings/store.ts';
import { createAdminActions } from '../admin/admin-service.ts';
import { createBotCatalogue } from './catalogue.ts';
import type { Providers } from '../providers/index.ts';
import { COMMANDS } from './commands/index.ts';
import type { BotContext } from './context.ts';
import { createInteractionListener } from './listeners/interactions.ts';
import { createReactionListener, MemberQueue } from './listeners/reactions.ts';
import { createMovieNights, isMovieNightEmoji, type MovieNights } from './movienight.ts';
import type { AdminActions } from '../admin/actions.ts';
import type { BotRecommender, TitleSearch } from './ports.ts';
import { MemberRateLimiter } from '../lib/member-rate-limiter.ts';
import { AutocompleteThrottle } from './rate-limit.ts';
import { prismaReconcileStore, Reconciler, restReconcileDiscord } from './reconcile.ts';
import { registerCommands } from './register.ts';
import { reserveScaleReactions, ScaleReactionBacklog } from './suggest.ts';

export interface BotDependencies {
  /** Autocomplete and reaction budgets default to {@link THROTTLE_DEFAULTS}. */
  config: Pick<Config, 'discord'> & { rateLimit: Pick<Config['rateLimit'], 'commands' | 'windowSeconds'> & Partial<Config['rateLimit']> } & Partial<Pick<Config, 'reconcileWindowDays' | 'timezone'>>;
  prisma: PrismaClient;
  queues: Queues;
  recommender: BotRecommender;
  search: TitleSearch;
  logger: Logger;
  /** Catalogue providers for autocomplete fallback and picks (src/providers); without them only the local catalogue answers. */
  providers?: Providers;
  /** Defaults to BullMQ + model_versions through {@link createAdminActions}. */
  admin?: AdminActions;
  /** Period of the outbox sweep (default 5 s). */
  outboxIntervalMs?: number;
  /** How long reaction and /rate writes are retried while PostgreSQL is unreachable (default about 6 s). */
  databaseRetry?: RetryPolicy;
  /** Period of reconciliation retries for reactions that could not be stored (default 5 s). */
  reconcileRetryMs?: number;
  /** Scale reactions that may wait to be added in one channel before new suggestions there go out without them (default 100: 20 suggestions, about 25 s at Discord's pace). */
  scaleReactionBacklog?: number;
  /** Distinct reaction events one member may have waiting past their budget before the oldest goes to reconciliation (default 500). */
  reactionWaitingPerMember?: number;
  /** Tests shorten the movie night delays: the close of a night with a time, and the rating prompt after it. */
  movieNight?: { closeDelayMs?: number; rateDelayMs?: number };
}

export interface Bot {
  client: Client;
  /** Logs in (and registers guild commands first when DISCORD_GUILD_ID is set); resolves when ready. */
  start(): Promise<void>;
  /** Stops taking events, waits for handlers in flight, stops the outbox sweep and disconnects. */
  stop(): Promise<void>;
  /** Catches up on reactions missed while the bot was away; runs at every (re-)identify by itself. */
  reconciler: Reconciler;
}

/** Builds the bot from its dependencies; nothing global, so tests can run several side by side. */
export function createBot(deps: BotDependencies): Bot {
  const { config, logger } = deps;
  const client = createDiscordClient(config.discord);
  const ratings = prismaRatingStore(deps.prisma, {
    ...(deps.databaseRetry ? { retry: deps.databaseRetry } : {}),
    onRetry: (attempt, delayMs, error) => logger.warn({ err: error, attempt, delayMs }, 'database unavailable; retrying the write'),
  });
  const dispatcher = new OutboxDispatcher({ prisma: deps.prisma, sink: queueSink(deps.queues), logger, intervalMs: deps.outboxIntervalMs });
  const ctx = createBotContext(deps, ratings, dispatcher);
  const movieNights = createBotMovieNights(deps, client, ctx);
  ctx.movieNights = movieNights;
  const reactionBudget = config.rateLimit.reactions ?? { limit: THROTTLE_DEFAULTS.reactions, windowSeconds: THROTTLE_DEFAULTS.windowSeconds };
  const bot: BotParts = {
    client,
    config,
    logger,
    dispatcher,
    reconciler: createBotReconciler(deps, client, ratings, dispatcher),
    memberQueue: new MemberQueue({ limiter: memberBudget(reactionBudget), maxWaiting: deps.reactionWaitingPerMember }),
    handlers: trackHandlers(logger),
    movieNights,
    movieNightQueue: deps.queues.movieNight,
  };
  listen(bot, ctx, ratings);
  return { client, reconciler: bot.reconciler, start: () => startBot(bot), stop: () => stopBot(bot) };
}

/** What the bot's listeners, start and stop share. */
interface BotParts {
  client: Client;
  config: BotDependencies['config'];
  logger: Logger;
  dispatcher: OutboxDispatcher;
  reconciler: Reconciler;
  /** Each member's reaction events, in order and within their budget. */
  memberQueue: MemberQueue;
  handlers: TrackedHandlers;
  movieNights: MovieNights;
  movieNightQueue: Queues['movieNight'];
  /** The movie night job worker and its connection, while the bot runs. */
  movieNightWorker?: { worker: Worker; connection: Redis };
}

function createDiscordClient(discord: Config['discord']): Client {
  return new Client({
    ...shardingOptions(discord.shards),
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    allowedMentions: { parse: [] },
    // Reactions work on partials (the suggestions table names the title), so cached messages only save
    // a fetch for a while; nothing reads who reacted from the cache.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 100, ReactionUserManager: 0 }),
    sweepers: { ...Options.DefaultSweeperSettings, messages: { interval: 300, lifetime: 900 } },
    rest: {
      // Every interaction token gets its own REST queue, kept until swept (hourly by default): at a few
      // commands a second that is tens of thousands of idle queues. Sweep idle ones every minute.
      handlerSweepInterval: 60_000,
      ...(discord.apiUrl ? { api: discord.apiUrl } : {}),
    },
  });
}

function createBotContext(deps: BotDependencies, ratings: RatingStore, dispatcher: OutboxDispatcher): BotContext {
  const { logger } = deps;
  const scaleBacklog = new ScaleReactionBacklog(deps.scaleReactionBacklog ?? 100);
  return {
    ratings,
    search: deps.search,
    recommender: deps.recommender,
    admin: deps.admin ?? createAdminActions(deps.prisma, deps.queues),
    logger,
    catalogue: createBotCatalogue({ prisma: deps.prisma, providers: deps.providers, logger }),
    ratingsChanged: () => dispatcher.kick(),
    reserveScaleReactions: (channelId, messageCount) => reserveScaleReactions(scaleBacklog, logger, channelId, messageCount),
  };
}

function createBotMovieNights(deps: BotDependencies, client: Client, ctx: BotContext): MovieNights {
  return createMovieNights({
    store: prismaMovieNightStore(deps.prisma),
    ratings: ctx.ratings,
    recommender: deps.recommender,
    search: deps.search,
    logger: deps.logger,
    client,
    queue: deps.queues.movieNight,
    timezone: deps.config.timezone ?? 'UTC',
    closeDelayMs: deps.movieNight?.closeDelayMs,
    rateDelayMs: deps.movieNight?.rateDelayMs,
    reserveScaleReactions: ctx.reserveScaleReactions,
    catalogue: ctx.catalogue,
  });
}

function createBotReconciler(deps: BotDependencies, client: Client, ratings: RatingStore, dispatcher: OutboxDispatcher): Reconciler {
  const shards = deps.config.discord.shards;
  return new Reconciler({
    discord: restReconcileDiscord(client.rest),
    // A shard process catches up only on the servers its shards serve; the others do their own.
    store: prismaReconcileStore(deps.prisma, shards ? { servesGuild: (guildId) => (guildId === null ? runsShardZero(shards) : client.guilds.cache.has(guildId)) } : {}),
    ratings,
    logger: deps.logger,
    botUserId: () => client.user?.id,
    ratingsChanged: () => dispatcher.kick(),
    ...(deps.reconcileRetryMs ? { retryMs: deps.reconcileRetryMs } : {}),
  });
}

function memberBudget(budget: MemberBudget): MemberRateLimiter {
  return new MemberRateLimiter(budget.limit, budget.windowSeconds * 1000);
}

interface TrackedHandlers {
  /** Wraps an event handler so its failure is logged and stop() can wait for it. */
  track<A extends unknown[]>(handler: (...args: A) => Promise<void>): (...args: A) => void;
  /** Settles when every handler running now has. */
  settled(): Promise<unknown>;
}

function trackHandlers(logger: Logger): TrackedHandlers {
  const inFlight = new Set<Promise<unknown>>();
  return {
    track:
      (handler) =>
      (...args) => {
        const running = handler(...args).catch((error: unknown) => logger.error({ err: error }, 'event handler failed'));
        inFlight.add(running);
        void running.finally(() => inFlight.delete(running));
      },
    settled: () => Promise.allSettled([...inFlight]),
  };
}

/** Subscribes the bot to the gateway events it answers. */
function listen(bot: BotParts, ctx: BotContext, ratings: RatingStore): void {
  const { client, config, logger, reconciler, memberQueue, movieNights } = bot;
  const { track } = bot.handlers;
  const limits = {
    commands: new MemberRateLimiter(config.rateLimit.commands, config.rateLimit.windowSeconds * 1000),
    autocomplete: new AutocompleteThrottle(memberBudget(config.rateLimit.autocomplete ?? { limit: THROTTLE_DEFAULTS.autocomplete, windowSeconds: THROTTLE_DEFAULTS.windowSeconds })),
  };
  const onInteraction = track(createInteractionListener(COMMANDS, ctx, limits));
  const reactionDeps = {
    ratings,
    logger,
    botUserId: () => client.user?.id,
    ratingsChanged: () => bot.dispatcher.kick(),
    noteLive: (messageId: string) => reconciler.noteLive(messageId),
    unstored: (messageId: string) => reconciler.markUnstored(messageId),
    backlog: () => reconciler.hasBacklog(),
  };
  client.on(Events.InteractionCreate, (interaction: Interaction) => onInteraction(interaction));
  client.on(Events.MessageReactionAdd, track(createReactionListener(reactionDeps, 'add', memberQueue)));
  client.on(Events.MessageReactionRemove, track(createReactionListener(reactionDeps, 'remove', memberQueue)));
  const onMovieNightReaction = (action: 'add' | 'remove') =>
    track(async (reaction: { message: { id: string }; emoji: { name: string | null } }, user: { id: string; bot?: boolean | null; username?: string | null; globalName?: string | null }) => {
      const emoji = reaction.emoji.name ?? '';
      if (user.bot || user.id === client.user?.id || !isMovieNightEmoji(emoji)) return;
      // Through the member's queue, like rating reactions: a quick add then remove must commit in that order.
      await memberQueue.run(user.id, () => movieNights.onReaction(reaction.message.id, emoji, user, action), { key: `night|${reaction.message.id}|${emoji}` });
    });
  client.on(Events.MessageReactionAdd, onMovieNightReaction('add'));
  client.on(Events.MessageReactionRemove, onMovieNightReaction('remove'));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  // Every IDENTIFY (start, or a new session after an invalidated one) may have missed reaction events;
  // a RESUME replays them, so only READY needs reconciling.
  client.on(Events.ShardReady, () => void reconciler.schedule(config.reconcileWindowDays ?? 14));
  client.on(
    Events.ShardReady,
    track(() => movieNights.reconcile()),
  );
}

async function startBot(bot: BotParts): Promise<void> {
  const { client, logger } = bot;
  const { token, applicationId, guildId, apiUrl, shards } = bot.config.discord;
  if (!token) throw new Error('DISCORD_TOKEN is not set; the bot cannot log in.');
  // Commands are the application's, not a shard's: one process registers them (the one running shard 0).
  if (guildId && (!shards || runsShardZero(shards))) {
    if (!applicationId) throw new Error('DISCORD_APPLICATION_ID is not set; it is needed to register guild commands.');
    const count = await registerCommands({ token, applicationId, guildId, apiUrl });
    logger.info({ guildId, count }, 'registered guild commands');
  }
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(token);
  await ready;
  bot.dispatcher.start();
  bot.movieNightWorker = startMovieNightWorker(bot);
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, shards: client.options.shards, shardCount: client.options.shardCount }, 'bot ready');
}

function startMovieNightWorker({ movieNightQueue: queue, movieNights, logger }: BotParts): { worker: Worker; connection: Redis } {
  // Its own blocking connection, as BullMQ workers need (no retry limit, commands queue while reconnecting).
  const connection = (queue.opts.connection as Redis).duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
  connection.on('error', () => {});
  const worker = new Worker(QUEUE.movieNight, (job) => movieNights.runJob(job.data), { connection, prefix: queue.opts.prefix });
  worker.on('failed', (job, error) => logger.error({ err: error, jobId: job?.id }, 'movie night job failed'));
  worker.on('error', (error) => logger.warn({ err: error }, 'movie night worker error'));
  return { worker, connection };
}

async function stopBot(bot: BotParts): Promise<void> {
  const { client, logger } = bot;
  client.removeAllListeners(Events.InteractionCreate);
  client.removeAllListeners(Events.MessageReactionAdd);
  client.removeAllListeners(Events.MessageReactionRemove);
  client.removeAllListeners(Events.ShardReady);
  // Reactions waiting for their member's budget are stored now rather than lost.
  await bot.memberQueue.flush();
  await bot.handlers.settled();
  // Worker.close() can wait forever for a blocking connection that keeps reconnecting to a Redis that is down
  // (taskforcesh/bullmq#4656): wait a bounded time, then cut the connection.
  if (bot.movieNightWorker) {
    await withQueueTimeout('closing the movie-night worker', bot.movieNightWorker.worker.close(), 5_000).catch((error: unknown) =>
      logger.warn({ err: error }, 'movie-night worker did not close in time; disconnecting it'),
    );
  }
  bot.movieNightWorker?.connection.disconnect();
  await bot.reconciler.stop();
  await bot.dispatcher.stop();
  await bot.dispatcher.drain().catch(() => 0);
  await client.destroy();
}

type Sharding = NonNullable<Config['discord']['shards']>;

/** discord.js's `shards`/`shardCount` for SHARD_COUNT and SHARD_IDS; unsharded when neither is set. */
function shardingOptions(shards: Config['discord']['shards']): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (!shards) return {};
  // With 'auto' discord.js asks GET /gateway/bot and ignores shardCount; any count but the default 1
  // keeps it from reading SHARD_COUNT ('auto') from the environment itself.
  if (shards.count === 'auto') return { shards: 'auto', shardCount: 2 };
  return { shards: shards.ids ?? Array.from({ length: shards.count }, (_, id) => id), shardCount: shards.count };
}

/** Whether this process runs shard 0, which Discord sends DMs to and which registers the commands. */
function runsShardZero(shards: Sharding): boolean {
  return shards.ids === undefined || shards.ids.includes(0);
}
