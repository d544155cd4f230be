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
}

/**
 * Turns reactions into ratings. Works on partial messages (suggestions from before a restart): only
 * the message id, the emoji and the user id are needed, and the suggestions table says which title
 * the message shows. Bots (including this one), non-scale emoji and non-suggestion messages are ignored.
 */
export function createReactionListener(deps: ReactionListenerDeps, action: 'add' | 'remove') {
  return async (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> => {
    try {
      if (user.bot || user.id === deps.botUserId()) return;
      const emoji = { name: reaction.emoji.name, id: reaction.emoji.id };
      if (!reactionMeaning(emoji)) return;
      deps.noteLive?.(reaction.message.id);
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
  };
}
