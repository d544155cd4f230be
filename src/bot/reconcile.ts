import { DiscordAPIError, RESTJSONErrorCodes, Routes, type APIMessage, type APIUser, type REST } from 'discord.js';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { forgottenReactionToken } from '../ratings/forgotten.ts';
import { normaliseEmoji, reactionMeaning, SCALE_ORDER } from '../ratings/scale.ts';
import type { RatingStore } from '../ratings/store.ts';

/** One rating reaction a member holds on a message: their Discord id and the normalised emoji. */
export interface HeldKey {
  discordId: string;
  emoji: string;
}

/** What changed while nobody was listening: reactions to add to the database and ones to remove. */
export interface ReactionDiff {
  adds: HeldKey[];
  removes: HeldKey[];
}

const keyOf = (k: HeldKey) => `${k.discordId}\u0000${k.emoji}`;

/**
 * The difference between what the database says members hold on a message and what Discord reports:
 * reported but not stored are adds, stored but no longer reported are removes. Applying it twice
 * changes nothing, so nothing is ever counted twice.
 */
export function diffHeld(stored: Iterable<HeldKey>, reported: Iterable<HeldKey>): ReactionDiff {
  const storedMap = new Map<string, HeldKey>();
  for (const k of stored) storedMap.set(keyOf(k), k);
  const reportedMap = new Map<string, HeldKey>();
  for (const k of reported) reportedMap.set(keyOf(k), k);
  const adds = [...reportedMap].filter(([key]) => !storedMap.has(key)).map(([, k]) => k);
  const removes = [...storedMap].filter(([key]) => !reportedMap.has(key)).map(([, k]) => k);
  // Stable order: the outcome must not depend on how either side listed its rows.
  const byKey = (a: HeldKey, b: HeldKey) => keyOf(a).localeCompare(keyOf(b));
  return { adds: adds.sort(byKey), removes: removes.sort(byKey) };
}

/** A suggestion message the bot should look at again. */
export interface SuggestionRef {
  messageId: string;
  channelId: string;
}

/** A reaction on a message as Discord summarises it (emoji, how many, whether the bot is one of them). */
export interface ReactionSummary {
  emoji: { name: string | null; id: string | null };
  count: number;
  me: boolean;
}

/** The Discord side of reconciliation. */
export interface ReconcileDiscord {
  /** The message's reaction summaries, or 'gone' when it was deleted or the bot can no longer see it. */
  reactions(ref: SuggestionRef): Promise<ReactionSummary[] | 'gone'>;
  /** One page (up to 100, ordered by id) of the users holding `emojiName` on the message, after `after`. */
  reactionUsers(ref: SuggestionRef, emojiName: string, after: string | undefined): Promise<Pick<APIUser, 'id' | 'bot' | 'username' | 'global_name'>[]>;
}

/** The database side of reconciliation. */
export interface ReconcileStore {
  /** Suggestion messages created since `since`, oldest first, `limit` at a time after `afterMessageId`. */
  recentSuggestions(since: Date, afterMessageId: string | undefined, limit: number): Promise<SuggestionRef[]>;
  suggestionsByIds(messageIds: readonly string[]): Promise<SuggestionRef[]>;
  /** What members hold on the message according to suggestion_reactions. */
  held(messageId: string): Promise<HeldKey[]>;
  /** Tokens ({@link forgottenReactionToken}) of reactions forgotten members held on the message. */
  forgotten(messageId: string): Promise<Set<string>>;
  /** Drops tokens whose reaction is gone from Discord: adding it again is then a new act of the member. */
  dropForgotten(messageId: string, tokens: readonly string[]): Promise<void>;
}

/** Counts of one reconciliation run. */
export interface ReconcileStats {
  messages: number;
  adds: number;
  removes: number;
  /** Messages deleted or no longer visible: left as they are. */
  gone: number;
  /** Messages that could not be checked (e.g. the database went away); they are retried later. */
  failed: number;
}

export interface ReconcilerOptions {
  discord: ReconcileDiscord;
  store: ReconcileStore;
  ratings: Pick<RatingStore, 'applyReaction'>;
  logger: Logger;
  /** The bot's own user id; its reactions are the scale, not ratings. */
  botUserId(): string | undefined;
  /** Called after a run that changed ratings, so the outbox moves the rebuild events at once. */
  ratingsChanged(): void;
  /** Messages checked side by side (default 4; Discord's REST rate limits apply anyway). */
  concurrency?: number;
  /** Period of retries for messages whose live events could not be stored (default 5,000 ms). */
  retryMs?: number;
  now?: () => number;
}

const GONE_CODES = new Set<number | string>([RESTJSONErrorCodes.UnknownMessage, RESTJSONErrorCodes.UnknownChannel, RESTJSONErrorCodes.MissingAccess, RESTJSONErrorCodes.MissingPermissions]);

/**
 * Brings suggestion_reactions (and so ratings) in line with the reactions Discord reports: after a
 * start or a re-identify (events missed while the bot was away are not replayed then), and for
 * messages whose live reaction could not be stored because PostgreSQL was down. Every change goes
 * through the same `applyReaction` as live events, as an add or remove computed by {@link diffHeld}.
 *
 * Reactions added while offline all count as added "now": Discord does not say when a reaction was
 * added, so among several rating reactions the order of adds decides (scale order). For the same reason a
 * reaction a member held when they used /forget-me is never added back (its forgotten token matches) until
 * Discord stops showing it; then the token goes, and holding it again counts.
 */
export class Reconciler {
  private readonly options: ReconcilerOptions;
  private readonly concurrency: number;
  private readonly now: () => number;
  /** Live-event sequence per message, so a run does not overwrite an event that arrived meanwhile. */
  private readonly liveSeq = new Map<string, number>();
  private seq = 0;
  private readonly pending = new Set<string>();
  private fullPending: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private retryingIds = false;

  constructor(options: ReconcilerOptions) {
    this.options = options;
    this.concurrency = options.concurrency ?? 4;
    this.now = options.now ?? Date.now;
  }

  /** Tells the reconciler a live reaction event for this message is being handled. */
  noteLive(messageId: string): void {
    this.liveSeq.set(messageId, ++this.seq);
    if (this.liveSeq.size > 10_000) this.liveSeq.delete(this.liveSeq.keys().next().value!);
  }

  /** A live reaction on this message could not be stored; reconcile it once the database is back. */
  markUnstored(messageId: string): void {
    if (this.stopped) return;
    this.pending.add(messageId);
    this.startTimer();
  }

  /**
   * Whether reactions are waiting for the database. While they are, live events should be handed
   * here too (reconciliation reads Discord's final state, so their order no longer matters) instead of
   * each waiting out the retry budget behind the previous one.
   */
  hasBacklog(): boolean {
    return this.pending.size > 0 || this.retryingIds;
  }

  /** Messages waiting for a retry (for tests and status). */
  pendingCount(): number {
    return this.pending.size + (this.fullPending === undefined ? 0 : 1);
  }

  /**
   * Runs a full reconciliation of suggestions from the last `windowDays` in the background; runs do
   * not overlap (a second request waits for the first). A run that fails is retried on the timer.
   */
  schedule(windowDays: number): Promise<ReconcileStats | undefined> {
    const run = (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        if (this.stopped) return undefined;
        try {
          const stats = await this.reconcileRecent(windowDays);
          if (stats.failed > 0) this.retryFull(windowDays);
          return stats;
        } catch (error) {
          this.options.logger.warn({ err: error }, 'reconciliation failed; will retry');
          this.retryFull(windowDays);
          return undefined;
        }
      });
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
    return run;
  }

  /** Waits for the run in progress, if any. */
  async idle(): Promise<void> {
    while (this.running) {
      const current = this.running;
      await current.catch(() => undefined);
      if (this.running === current) return;
    }
  }

  /** Stops retrying and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  /** Reconciles every suggestion message from the last `windowDays` days. */
  async reconcileRecent(windowDays: number): Promise<ReconcileStats> {
    const since = new Date(this.now() - windowDays * 86_400_000);
    const total: ReconcileStats = { messages: 0, adds: 0, removes: 0, gone: 0, failed: 0 };
    let after: string | undefined;
    for (;;) {
      const page = await this.options.store.recentSuggestions(since, after, 200);
      if (page.length === 0) break;
      addStats(total, await this.reconcileRefs(page));
      after = page[page.length - 1]!.messageId;
      if (page.length < 200 || this.stopped) break;
    }
    this.report('reconciled recent suggestions', total, { windowDays });
    return total;
  }

  /** Reconciles the given suggestion messages (ids that are not suggestions are ignored). */
  async reconcileMessages(messageIds: readonly string[]): Promise<ReconcileStats> {
    const refs = await this.options.store.suggestionsByIds(messageIds);
    const stats = await this.reconcileRefs(refs);
    this.report('reconciled messages', stats, {});
    return stats;
  }

  private async reconcileRefs(refs: readonly SuggestionRef[]): Promise<ReconcileStats> {
    const stats: ReconcileStats = { messages: 0, adds: 0, removes: 0, gone: 0, failed: 0 };
    let next = 0;
    const workers = Array.from({ length: Math.min(this.concurrency, refs.length) }, async () => {
      while (next < refs.length && !this.stopped) {
        const ref = refs[next++]!;
        try {
          const outcome = await this.reconcileOne(ref);
          stats.messages += 1;
          if (outcome === 'gone') stats.gone += 1;
          else {
            stats.adds += outcome.adds;
            stats.removes += outcome.removes;
          }
        } catch (error) {
          stats.failed += 1;
          this.pending.add(ref.messageId);
          this.startTimer();
          this.options.logger.warn({ err: error, messageId: ref.messageId }, 'could not reconcile a suggestion message; will retry');
        }
      }
    });
    await Promise.all(workers);
    if (stats.adds + stats.removes > 0) this.options.ratingsChanged();
    return stats;
  }

  private async reconcileOne(ref: SuggestionRef): Promise<{ adds: number; removes: number } | 'gone'> {
    for (let attempt = 0; ; attempt++) {
      const seqBefore = this.liveSeq.get(ref.messageId);
      const reported = await this.reported(ref);
      if (reported === 'gone') return 'gone';
      const [stored, forgotten] = await Promise.all([this.options.store.held(ref.messageId), this.options.store.forgotten(ref.messageId)]);
      // A live event for this message arrived while we read both sides: read again rather than undo it.
      if (this.liveSeq.get(ref.messageId) !== seqBefore && attempt < 3) continue;
      const diff = diffHeld(stored, reported.keys);
      const adds = forgotten.size === 0 ? diff.adds : await this.withoutForgotten(ref.messageId, diff.adds, reported.keys, forgotten);
      for (const key of diff.removes) await this.apply(ref, key, 'remove', undefined);
      for (const key of sortByScale(adds)) await this.apply(ref, key, 'add', reported.names.get(key.discordId));
      return { adds: adds.length, removes: diff.removes.length };
    }
  }

  /** The adds minus reactions a forgotten member held before; drops the tokens Discord no longer shows. */
  private async withoutForgotten(messageId: string, adds: HeldKey[], reported: readonly HeldKey[], forgotten: Set<string>): Promise<HeldKey[]> {
    const tokenOf = (k: HeldKey) => forgottenReactionToken(messageId, k.discordId, k.emoji);
    const shown = new Set(reported.map(tokenOf));
    const gone = [...forgotten].filter((token) => !shown.has(token));
    if (gone.length > 0) await this.options.store.dropForgotten(messageId, gone);
    return adds.filter((k) => !forgotten.has(tokenOf(k)));
  }

  private async apply(ref: SuggestionRef, key: HeldKey, action: 'add' | 'remove', displayName: string | undefined): Promise<void> {
    await this.options.ratings.applyReaction({
      messageId: ref.messageId,
      member: { discordId: key.discordId, displayName },
      emoji: { name: key.emoji, id: null },
      action,
    });
  }

  /** Who holds which scale emoji on the message, according to Discord (bots left out). */
  private async reported(ref: SuggestionRef): Promise<{ keys: HeldKey[]; names: Map<string, string | undefined> } | 'gone'> {
    const summaries = await this.options.discord.reactions(ref);
    if (summaries === 'gone') return 'gone';
    const keys: HeldKey[] = [];
    const names = new Map<string, string | undefined>();
    const botId = this.options.botUserId();
    for (const summary of summaries) {
      const { name, id } = summary.emoji;
      if (!name || id || !reactionMeaning({ name, id })) continue;
      // Only the bot's own scale reaction: nobody else to look up.
      if (summary.count <= (summary.me ? 1 : 0)) continue;
      let after: string | undefined;
      for (;;) {
        const users = await this.options.discord.reactionUsers(ref, name, after);
        for (const user of users) {
          if (user.bot || user.id === botId) continue;
          keys.push({ discordId: user.id, emoji: normaliseEmoji(name) });
          names.set(user.id, user.global_name ?? user.username ?? undefined);
        }
        if (users.length < 100) break;
        after = users[users.length - 1]!.id;
      }
    }
    return { keys, names };
  }

  private retryFull(windowDays: number): void {
    if (this.stopped) return;
    this.fullPending = windowDays;
    this.startTimer();
  }

  private startTimer(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.retryPending(), this.options.retryMs ?? 5_000);
    this.timer.unref();
  }

  private async retryPending(): Promise<void> {
    if (this.running || this.stopped) return;
    const full = this.fullPending;
    const ids = [...this.pending];
    if (full === undefined && ids.length === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.fullPending = undefined;
    for (const id of ids) this.pending.delete(id);
    this.retryingIds = ids.length > 0;
    const run = (async () => {
      try {
        if (full !== undefined) {
          const stats = await this.reconcileRecent(full);
          if (stats.failed > 0) this.fullPending ??= full;
        } else {
          await this.reconcileMessages(ids);
        }
      } catch (error) {
        // Still down: put everything back for the next tick.
        for (const id of ids) this.pending.add(id);
        if (full !== undefined) this.fullPending ??= full;
        this.options.logger.debug({ err: error }, 'reconciliation retry failed; database still unavailable?');
      } finally {
        this.retryingIds = false;
      }
    })();
    this.running = run;
    await run;
    if (this.running === run) this.running = undefined;
  }

  private report(message: string, stats: ReconcileStats, extra: Record<string, unknown>): void {
    const level = stats.failed > 0 ? 'warn' : stats.adds + stats.removes > 0 ? 'info' : 'debug';
    this.options.logger[level]({ ...stats, ...extra }, message);
  }
}

function addStats(into: ReconcileStats, add: ReconcileStats): void {
  into.messages += add.messages;
  into.adds += add.adds;
  into.removes += add.removes;
  into.gone += add.gone;
  into.failed += add.failed;
}

/** Adds in a fixed order (lowest rating first), so with several held the outcome is the same on every run. */
function sortByScale(keys: HeldKey[]): HeldKey[] {
  const rank = (k: HeldKey) => {
    const i = SCALE_ORDER.indexOf(k.emoji);
    return i < 0 ? SCALE_ORDER.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.discordId.localeCompare(b.discordId));
}

/** {@link ReconcileDiscord} over discord.js's REST client (GET message, GET reactions with paging). */
export function restReconcileDiscord(rest: REST): ReconcileDiscord {
  return {
    async reactions(ref) {
      try {
        const message = (await rest.get(Routes.channelMessage(ref.channelId, ref.messageId))) as APIMessage;
        return (message.reactions ?? []).map((r) => ({ emoji: { name: r.emoji.name ?? null, id: r.emoji.id ?? null }, count: r.count, me: r.me }));
      } catch (error) {
        if (error instanceof DiscordAPIError && GONE_CODES.has(error.code)) return 'gone';
        throw error;
      }
    },
    async reactionUsers(ref, emojiName, after) {
      const query = new URLSearchParams({ limit: '100' });
      if (after) query.set('after', after);
      return (await rest.get(Routes.channelMessageReaction(ref.channelId, ref.messageId, encodeURIComponent(emojiName)), { query })) as APIUser[];
    },
  };
}

/**
 * {@link ReconcileStore} over the suggestions and suggestion_reactions tables. `servesGuild` limits the
 * catch-up to the servers this process's shards serve (guild null: a message outside a server).
 */
export function prismaReconcileStore(prisma: PrismaClient, { servesGuild }: { servesGuild?: (guildId: string | null) => boolean } = {}): ReconcileStore {
  return {
    async recentSuggestions(since, afterMessageId, limit) {
      // Other shards' servers are skipped here, so a short answer still means "no more".
      const mine: SuggestionRef[] = [];
      for (let after = afterMessageId; ;) {
        const rows = await prisma.suggestion.findMany({
          where: { createdAt: { gte: since } },
          orderBy: [{ createdAt: 'asc' }, { messageId: 'asc' }],
          ...(after ? { cursor: { messageId: after }, skip: 1 } : {}),
          take: limit,
          select: { messageId: true, channelId: true, guildId: true },
        });
        for (const r of rows) if (!servesGuild || servesGuild(r.guildId)) mine.push({ messageId: r.messageId, channelId: r.channelId });
        if (mine.length >= limit || rows.length < limit) return mine.slice(0, limit);
        after = rows[rows.length - 1]!.messageId;
      }
    },
    async suggestionsByIds(messageIds) {
      if (messageIds.length === 0) return [];
      return prisma.suggestion.findMany({ where: { messageId: { in: [...messageIds] } }, select: { messageId: true, channelId: true } });
    },
    async held(messageId) {
      const rows = await prisma.suggestionReaction.findMany({ where: { messageId }, select: { emoji: true, user: { select: { externalId: true, source: true } } } });
      return rows.filter((r) => r.user.source === 'discord').map((r) => ({ discordId: r.user.externalId, emoji: r.emoji }));
    },
    async forgotten(messageId) {
      const rows = await prisma.forgottenReaction.findMany({ where: { messageId }, select: { token: true } });
      return new Set(rows.map((r) => r.token));
    },
    async dropForgotten(messageId, tokens) {
      await prisma.forgottenReaction.deleteMany({ where: { messageId, token: { in: [...tokens] } } });
    },
  };
}
