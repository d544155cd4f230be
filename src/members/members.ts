import type { PrismaClient } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';

/*
 * Members: a Discord member's row in users (source 'discord'), created on first contact and found by
 * Discord id, and what /profile shows of it. /forget-me lives beside it (forget-me.ts).
 */

type Tx = Prisma.TransactionClient;

/** A Discord member as the rating domain sees them. */
export interface Member {
  discordId: string;
  displayName?: string | undefined;
}

/** A member's profile as /profile shows it. */
export interface MemberProfile {
  ratingCount: number;
  hiddenCount: number;
  favouriteGenres: { genre: string; count: number }[];
  recent: { titleId: number; name: string; year: number | null; value: number; ratedAt: Date }[];
}

/**
 * `INSERT … RETURNING id` of the member's row: created on first contact, the display name refreshed when
 * given. Always an update on conflict, so the row comes back (and stays locked until commit) even when
 * nothing changed. `onlyIf` (a WHERE clause) can make the insert conditional.
 */
export function memberUpsertSql(member: Member, onlyIf?: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`INSERT INTO users (source, external_id, display_name)
    SELECT 'discord'::user_source, ${member.discordId}::text, ${member.displayName ?? null}::text ${onlyIf ?? Prisma.empty}
    ON CONFLICT (source, external_id) DO UPDATE SET display_name = COALESCE(EXCLUDED.display_name, users.display_name)
    RETURNING id`;
}

/** The member's row id, creating the row on first contact (and refreshing the display name). */
export async function upsertMember(db: Tx | PrismaClient, member: Member): Promise<number> {
  const [row] = await db.$queryRaw<{ id: number }[]>`${memberUpsertSql(member)}`;
  return row!.id;
}

/** The member's row id, or undefined when they never used the bot. */
export async function findMember(db: Tx | PrismaClient, discordId: string): Promise<number | undefined> {
  const user = await db.user.findUnique({ where: { source_externalId: { source: 'discord', externalId: discordId } }, select: { id: true } });
  return user?.id;
}

/** Counts, favourite genres (among titles rated 4 or more, else all rated) and the newest ratings of a member. */
export async function memberProfile(prisma: PrismaClient, discordId: string, recentCount = 5): Promise<MemberProfile | undefined> {
  const userId = await findMember(prisma, discordId);
  if (userId === undefined) return undefined;
  return userProfile(prisma, userId, recentCount);
}

/** {@link memberProfile} of any user row by id (the HTTP API also shows dataset users). */
export async function userProfile(prisma: PrismaClient, userId: number, recentCount = 5): Promise<MemberProfile> {
  const [ratings, hiddenCount] = await Promise.all([
    prisma.rating.findMany({
      where: { userId },
      orderBy: { updatedAt: 'desc' },
      select: { value: true, updatedAt: true, title: { select: { id: true, name: true, year: true, genres: true } } },
    }),
    prisma.hiddenTitle.count({ where: { userId } }),
  ]);
  const liked = ratings.filter((r) => r.value >= 4);
  const counts = new Map<string, number>();
  for (const r of liked.length > 0 ? liked : ratings) for (const g of r.title.genres) counts.set(g, (counts.get(g) ?? 0) + 1);
  const favouriteGenres = [...counts]
    .filter(([genre]) => genre !== '(no genres listed)')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([genre, count]) => ({ genre, count }));
  return {
    ratingCount: ratings.length,
    hiddenCount,
    favouriteGenres,
    recent: ratings.slice(0, recentCount).map((r) => ({ titleId: r.title.id, name: r.title.name, year: r.title.year, value: r.value, ratedAt: r.updatedAt })),
  };
}

/** Whether other members may see this member's /profile. */
export async function isProfilePublic(prisma: PrismaClient, discordId: string): Promise<boolean> {
  const user = await prisma.user.findUnique({ where: { source_externalId: { source: 'discord', externalId: discordId } }, select: { profilePublic: true } });
  return user?.profilePublic ?? false;
}

/** Sets whether other members may see this member's /profile (creating the member row on first contact). */
export async function setProfilePublic(prisma: PrismaClient, member: Member, isPublic: boolean): Promise<void> {
  await prisma.user.upsert({
    where: { source_externalId: { source: 'discord', externalId: member.discordId } },
    create: { source: 'discord', externalId: member.discordId, displayName: member.displayName ?? null, profilePublic: isPublic },
    update: { profilePublic: isPublic },
    select: { id: true },
  });
}
