import type { MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import type { Logger } from '../../log.ts';
import { normaliseEmoji, reactionMeaning } from '../../ratings/scale.ts';
import { isDatabaseUnavailable } from '../../db/retry.ts';
import type { RatingStore } from '../../ratings/store.ts';
import type { MemberRateLimiter } from '../../lib/member-rate-limiter.ts';

export interface ReactionListenerDeps {
  ratings: RatingStore;
  logger: Logger;
  /** The bot's own user id; its reactions are ignored. */
  botUserId: () => string | undefined;
  ratingsChanged(): void;
  /** Told before each event is handled, so a reconciliation run in progress does not undo it. */
  noteLive?(messageId: string): void;
  /** Told when PostgreSQL stayed down past the retry budget; reconciliation stores the reaction later. */
  unstored?(messageId: string): void;
  /** True while earlier reactions wait for the database: hand this one to `unstored` at once. */
  backlog?(): boolean;
}

/**
 * Turns reactions into ratings. Works on partial messages (suggestions from before a restart): only
 * the message id, the emoji and the user id are needed, and the suggestions table says which title
 * the message shows. Bots (including this one), non-scale emoji and non-suggestion messages are ignored
 * before anything else, so they cost no member any budget. A member's events go through `queue`: in
 * order, and past its budget coalesced per message and emoji (see {@link MemberQueue}); events that
 * overflow a member's waiting list are handed to reconciliation (`unstored`), which reads what they
 * hold from Discord.
 */
export function createReactionListener(deps: ReactionListenerDeps, action: 'add' | 'remove', queue: MemberQueue = new MemberQueue()) {
  return (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> => {
    if (user.bot || user.id === deps.botUserId()) return Promise.resolve();
    const emoji = { name: reaction.emoji.name, id: reaction.emoji.id };
    if (!reactionMeaning(emoji)) return Promise.resolve();
    const messageId = reaction.message.id;
    deps.noteLive?.(messageId);
    const drop = () => {
      if (deps.unstored) deps.unstored(messageId);
      else deps.logger.warn({ messageId, userId: user.id }, 'reaction event dropped: too many waiting for this member and no reconciliation to hand it to');
    };
    return queue.run(user.id, () => handle(reaction, user, emoji), { key: `${messageId}|${normaliseEmoji(emoji.name!)}`, drop });
  };

  async function handle(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser, emoji: { name: string | null; id: string | null }): Promise<void> {
    try {
      deps.noteLive?.(reaction.message.id);
      if (deps.unstored && deps.backlog?.()) {
        deps.unstored(reaction.message.id);
        return;
      }
      const outcome = await deps.ratings.applyReaction({
        messageId: reaction.message.id,
        member: { discordId: user.id, displayName: user.globalName ?? user.username ?? undefined },
        emoji,
        action,
      });
      if (outcome.kind === 'applied') {
        deps.logger.debug({ userId: user.id, titleId: outcome.titleId, rating: outcome.rating, hidden: outcome.hidden, action }, 'reaction applied');
        if (outcome.ratingChanged) deps.ratingsChanged();
      }
    } catch (error) {
      if (deps.unstored && isDatabaseUnavailable(error)) {
        deps.unstored(reaction.message.id);
        deps.logger.warn({ err: error, messageId: reaction.message.id, userId: user.id, action }, 'reaction not stored: database unavailable; it will be reconciled');
        return;
      }
      deps.logger.error({ err: error, messageId: reaction.message.id, userId: user.id, action }, 'reaction handler failed');
    }
  }
}

/** How a waiting event may be merged with a later one and what to do if it must leave the queue unrun. */
export interface Coalesce {
  /** Events with the same key replace each other while waiting: only the latest runs. */
  key: string;
  /** Called instead of running the event when the member has too many waiting. */
  drop?(): void;
}

interface Waiting {
  work: () => Promise<void>;
  drop: (() => void) | undefined;
  /** Resolves the promises of this event and of the earlier ones it replaced. */
  settle: (() => void)[];
}

interface MemberState {
  tail: Promise<void>;
  waiting: Map<string, Waiting>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs each member's reaction events one after another, in arrival order. Handled side by side, a
 * quick "remove 😐, add 👍" could commit in the other order and leave a reaction the member no longer
 * holds (and two first events of a new member would race to create their row). Different members
 * still run in parallel. Pass one queue to both the add and the remove listener.
 *
 * With a `limiter`, a member past its budget does not get a write per event: later events wait, an
 * event replaces a waiting one with the same key (the same emoji on the same message, so only the
 * final add or remove of it runs), and they run in the order of their latest arrival at the limiter's
 * pace. That keeps what the member holds, and which held reaction is newest, exactly as if every event
 * had run, so the latest held reaction still decides the rating. Past `maxWaiting` distinct keys the
 * oldest waiting event is dropped through its `drop` (reconciliation) or, without one, run at once.
 */
export class MemberQueue {
  private readonly members = new Map<string, MemberState>();
  private readonly limiter: MemberRateLimiter | undefined;
  private readonly maxWaiting: number;
  private unkeyed = 0;

  constructor(options: { limiter?: MemberRateLimiter; maxWaiting?: number } = {}) {
    this.limiter = options.limiter;
    this.maxWaiting = options.maxWaiting ?? 500;
  }

  /** Resolves when the event ran, was replaced by a later one that ran, or was dropped. */
  run(memberId: string, work: () => Promise<void>, coalesce?: Coalesce): Promise<void> {
    const member = this.state(memberId);
    if (!this.limiter || (member.waiting.size === 0 && this.limiter.take(memberId) === 0)) return this.chain(memberId, member, work);
    const key = coalesce?.key ?? `\u0000${this.unkeyed++}`;
    const replaced = member.waiting.get(key);
    member.waiting.delete(key);
    const done = new Promise<void>((resolve) => member.waiting.set(key, { work, drop: coalesce?.drop, settle: [...(replaced?.settle ?? []), resolve] }));
    if (member.waiting.size > this.maxWaiting) this.overflow(memberId, member);
    this.schedule(memberId, member);
    return done;
  }

  /** Events waiting for their member's budget, over all members (for tests and the soak). */
  waitingCount(): number {
    let n = 0;
    for (const member of this.members.values()) n += member.waiting.size;
    return n;
  }

  /** Runs every waiting event now, ignoring budgets (at shutdown, so none is lost); resolves when all ran. */
  async flush(): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const [memberId, member] of this.members) {
      clearTimeout(member.timer);
      member.timer = undefined;
      for (const key of [...member.waiting.keys()]) runs.push(this.start(memberId, member, key));
    }
    await Promise.all(runs);
  }

  private state(memberId: string): MemberState {
    let member = this.members.get(memberId);
    if (!member) this.members.set(memberId, (member = { tail: Promise.resolve(), waiting: new Map(), timer: undefined }));
    return member;
  }

  private chain(memberId: string, member: MemberState, work: () => Promise<void>): Promise<void> {
    const next = member.tail.then(work, work);
    member.tail = next;
    const forget = () => {
      if (member.tail === next && member.waiting.size === 0 && !member.timer && this.members.get(memberId) === member) this.members.delete(memberId);
    };
    // Both branches handled: the cleanup must not turn a failed event into an unhandled rejection.
    next.then(forget, forget);
    return next;
  }

  /** Moves one waiting event onto the member's chain; its promises settle when it has run. */
  private start(memberId: string, member: MemberState, key: string): Promise<void> {
    const waiting = member.waiting.get(key)!;
    member.waiting.delete(key);
    const ran = this.chain(memberId, member, waiting.work);
    const settle = () => waiting.settle.forEach((resolve) => resolve());
    return ran.then(settle, settle);
  }

  private overflow(memberId: string, member: MemberState): void {
    const [key, oldest] = member.waiting.entries().next().value!;
    if (!oldest.drop) {
      void this.start(memberId, member, key);
      return;
    }
    member.waiting.delete(key);
    oldest.drop();
    oldest.settle.forEach((resolve) => resolve());
  }

  private schedule(memberId: string, member: MemberState): void {
    if (member.timer || member.waiting.size === 0) return;
    const wait = Math.max(1, this.limiter!.waitMs(memberId));
    member.timer = setTimeout(() => {
      member.timer = undefined;
      while (member.waiting.size > 0 && this.limiter!.take(memberId) === 0) void this.start(memberId, member, member.waiting.keys().next().value!);
      this.schedule(memberId, member);
    }, wait);
    member.timer.unref();
  }
}
