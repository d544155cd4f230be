import { TRANSACTION_LIMITS, type PrismaClient } from '../db/client.ts';
import { forgottenReactionToken } from '../ratings/forgotten.ts';
import { forgetJoins } from '../movienight/store.ts';
import { findMember } from './members.ts';

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
    // Movie nights: their votes, fits and participation go (a 🍿 still shown stays forgotten); a night they
    // hosted goes on without a host.
    await forgetJoins(tx, discordId);
    await tx.movieNightVote.deleteMany({ where: { userId } });
    await tx.movieNightFit.deleteMany({ where: { userId } });
    await tx.movieNightParticipant.deleteMany({ where: { userId } });
    await tx.movieNight.updateMany({ where: { hostUserId: userId }, data: { hostUserId: null } });
    // Pending "rebuild this user's vector" events name the member too; nothing is left to rebuild.
    await tx.$executeRaw`DELETE FROM outbox_events WHERE payload->>'userId' = ${String(userId)}`;
    await tx.user.delete({ where: { id: userId } });
    return { ratings: ratings.count, hiddenTitles: hiddenTitles.count, vectors: vectors.count, suggestions: suggestions.count, reactions: reactions.count };
  }, TRANSACTION_LIMITS);
}
