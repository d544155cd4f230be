import type { MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import type { Logger } from '../../log.ts';
import { reactionMeaning } from '../../ratings/scale.ts';
import { isDatabaseUnavailable, type RatingStore } from '../../ratings/store.ts';

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
 * the message shows. Bots (including this one), non-scale emoji and non-suggestion messages are ignored.
 */
export function createReactionListener(deps: ReactionListenerDeps, action: 'add' | 'remove', queue: MemberQueue = new MemberQueue()) {
  return (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> => queue.run(user.id, () => handle(reaction, user));

  async function handle(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    try {
      if (user.bot || user.id === deps.botUserId()) return;
      const emoji = { name: reaction.emoji.name, id: reaction.emoji.id };
      if (!reactionMeaning(emoji)) return;
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

/**
 * Runs each member's reaction events one after another, in arrival order. Handled side by side, a
 * quick "remove 😐, add 👍" could commit in the other order and leave a reaction the member no longer
 * holds (and two first events of a new member would race to create their row). Different members
 * still run in parallel. Pass one queue to both the add and the remove listener.
 */
export class MemberQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(memberId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(memberId) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.tails.set(memberId, next);
    const forget = () => {
      if (this.tails.get(memberId) === next) this.tails.delete(memberId);
    };
    // Both branches handled: the cleanup must not turn a failed event into an unhandled rejection.
    next.then(forget, forget);
    return next;
  }
}
