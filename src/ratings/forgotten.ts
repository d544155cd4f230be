import { createHash } from 'node:crypto';
import { normaliseEmoji } from './scale.ts';

/**
 * The one-way token of a reaction a member still held when they used /forget-me. Discord keeps showing
 * that reaction, and reconciliation (which sees only who holds what, not since when) would otherwise
 * store it again and bring the member back. The token names no user id and no Discord id; matching it
 * needs the message, the member and the emoji together, which is exactly what reconciliation has in hand.
 */
export function forgottenReactionToken(messageId: string, discordId: string, emoji: string): string {
  return createHash('sha256')
    .update(`${messageId}\u0000${discordId}\u0000${normaliseEmoji(emoji)}`)
    .digest('hex');
}
