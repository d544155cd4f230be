import type { PrismaClient } from '../db/client.ts';
import { userWhere, type UserRef } from '../lib/user-ref.ts';

// The one reader of user references; re-exported because `tastebud export` and its tests know it from here.
export { parseUserRef, UserRefError, type UserRef } from '../lib/user-ref.ts';

/** Everything tastebud stores about one user, as plain JSON (dates as ISO strings, the vector as numbers). */
export interface UserExport {
  exportedAt: string;
  user: { id: number; source: string; externalId: string; displayName: string | null; profilePublic: boolean; createdAt: string };
  ratings: { titleId: number; title: string; year: number | null; value: number; source: string; createdAt: string; updatedAt: string }[];
  hiddenTitles: { titleId: number; title: string; createdAt: string }[];
  suggestions: {
    messageId: string;
    channelId: string;
    guildId: string | null;
    titleId: number;
    title: string;
    position: number;
    reason: string | null;
    modelVersionId: number | null;
    createdAt: string;
  }[];
  reactions: { messageId: string; emoji: string; createdAt: string }[];
  vector: { modelVersionId: number; dimension: number; ratingsCount: number; updatedAt: string; values: number[] } | null;
}

/** Collects a user's data for `tastebud export user`; undefined when there is no such user. */
export async function exportUser(prisma: PrismaClient, ref: UserRef): Promise<UserExport | undefined> {
  const where = userWhere(ref);
  const user = await prisma.user.findUnique({
    where,
    include: {
      ratings: { include: { title: { select: { name: true, year: true } } }, orderBy: { updatedAt: 'desc' } },
      hidden: { include: { title: { select: { name: true } } }, orderBy: { createdAt: 'desc' } },
      suggestions: { include: { title: { select: { name: true } } }, orderBy: { createdAt: 'desc' } },
      reactions: { orderBy: { createdAt: 'desc' } },
      vector: true,
    },
  });
  if (!user) return undefined;
  const iso = (d: Date) => d.toISOString();
  const v = user.vector;
  return {
    exportedAt: new Date().toISOString(),
    user: { id: user.id, source: user.source, externalId: user.externalId, displayName: user.displayName, profilePublic: user.profilePublic, createdAt: iso(user.createdAt) },
    ratings: user.ratings.map((r) => ({ titleId: r.titleId, title: r.title.name, year: r.title.year, value: r.value, source: r.source, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) })),
    hiddenTitles: user.hidden.map((h) => ({ titleId: h.titleId, title: h.title.name, createdAt: iso(h.createdAt) })),
    suggestions: user.suggestions.map((s) => ({
      messageId: s.messageId,
      channelId: s.channelId,
      guildId: s.guildId,
      titleId: s.titleId,
      title: s.title.name,
      position: s.position,
      reason: s.reason,
      modelVersionId: s.modelVersionId,
      createdAt: iso(s.createdAt),
    })),
    reactions: user.reactions.map((r) => ({ messageId: r.messageId, emoji: r.emoji, createdAt: iso(r.createdAt) })),
    vector: v
      ? {
          modelVersionId: v.versionId,
          dimension: v.dimension,
          ratingsCount: v.ratingsCount,
          updatedAt: iso(v.updatedAt),
          values: Array.from(new Float32Array(new Uint8Array(v.vector).buffer, 0, v.dimension)),
        }
      : null,
  };
}
