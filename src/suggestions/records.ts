import type { PrismaClient } from '../db/client.ts';
import { upsertMember, type Member } from '../members/members.ts';

/** A suggestion message to remember, so reactions on it count (even after a restart). */
export interface NewSuggestion {
  messageId: string;
  channelId: string;
  guildId: string | null;
  titleId: number;
  position: number;
  modelVersionId: number | null;
  reason: string | null;
  /** How long /recommend took to rank the batch, in ms (the online report's latency); omitted elsewhere. */
  latencyMs?: number | null;
}

/** Remembers suggestion messages (which message shows which title to whom). */
export async function recordSuggestions(prisma: PrismaClient, member: Member, suggestions: readonly NewSuggestion[]): Promise<void> {
  if (suggestions.length === 0) return;
  const userId = await upsertMember(prisma, member);
  await prisma.suggestion.createMany({ data: suggestions.map((s) => ({ ...s, userId })), skipDuplicates: true });
}
