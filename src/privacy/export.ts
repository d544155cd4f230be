import type { PrismaClient } from '../db/client.ts';

/** Which user to export: the database id, or a Discord member by snowflake. */
export type UserRef = { kind: 'id'; id: number } | { kind: 'discord'; snowflake: string };

/** A reference the CLI could not read; the message says what is accepted. */
export class UserRefError extends Error {
  override name = 'UserRefError';
}

/** Reads `42` (database id) or `discord:123456789012345678` (Discord snowflake). */
export function parseUserRef(text: string): UserRef {
  const value = text.trim();
  if (/^\d{1,10}$/.test(value) && Number(value) > 0 && Number(value) <= 2_147_483_647) return { kind: 'id', id: Number(value) };
  const discord = /^discord:(\d{17,20})$/.exec(value);
  if (discord) return { kind: 'discord', snowflake: discord[1]! };
  throw new UserRefError(`"${value.slice(0, 60)}" is not a user reference: give the database id (e.g. 42) or discord:<snowflake> (e.g. discord:123456789012345678).`);
}

/** Everything tastebud stores about one user, as plain JSON (dates as ISO strings, the vector as numbers). */
export interface UserExport {
  exportedAt: string;
  user: { id: number; source: string; externalId: string; displayName: string | null; profilePublic: boolean; createdAt: string };
  ratings: { titleId: number; title: string; year: number | null; value: number; source: string; createdAt: string; updatedAt: string }[];
  hiddenTitles: { titleId: number; title: string; createdAt: string }[];
  suggestions: { messageId: string; channelId: string; guildId: string | null; titleId: number; title: string; position: number; reason: string | null; modelVersionId: number | null; createdAt: string }[];
  reactions: { messageId: string; emoji: string; createdAt: string }[];
  vector: { modelVersionId: number; dimension: number; ratingsCount: number; updatedAt: string; values: number[] } | null;
}

/** Collects a user's data for `tastebud export user`; undefined when there is no such user. */
export async function exportUser(prisma: PrismaClient, ref: UserRef): Promise<UserExport | undefined> {
  const where = ref.kind === 'id' ? { id: ref.id } : { source_externalId: { source: 'discord' as const, externalId: ref.snowflake } };
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
