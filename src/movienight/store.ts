import type { PrismaClient } from '../db/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { upsertMember, type Member } from '../members/members.ts';
import { forgottenReactionToken } from '../ratings/forgotten.ts';

type Tx = Prisma.TransactionClient;

/** The reaction members join a night with. */
export const JOIN_EMOJI = '🍿';

/** The token a member's 🍿 on a night's announcement is remembered by after /forget-me (no id kept). */
function joinToken(announcementId: string, discordId: string): string {
  return forgottenReactionToken(announcementId, discordId, JOIN_EMOJI);
}

/**
 * Remembers, for every night still joining, that this member's 🍿 (if Discord still shows one) is forgotten:
 * reconciliation after a restart must not make them a participant again. Part of /forget-me's transaction.
 */
export async function forgetJoins(tx: Tx, discordId: string): Promise<void> {
  const joining = await tx.movieNight.findMany({ where: { state: 'joining' }, select: { id: true, announcementId: true } });
  await tx.movieNightForgottenJoin.createMany({ data: joining.map((n) => ({ nightId: n.id, token: joinToken(n.announcementId, discordId) })), skipDuplicates: true });
}

/** A member who reacts 🍿 again (or takes it off) acts anew: their forgotten token goes. */
async function unforgetJoin(tx: Tx, nightId: number, discordId: string): Promise<void> {
  const night = await tx.movieNight.findUnique({ where: { id: nightId }, select: { announcementId: true } });
  if (night) await tx.movieNightForgottenJoin.deleteMany({ where: { nightId, token: joinToken(night.announcementId, discordId) } });
}

/** How a night picks its candidates: the group ranking's strategies (src/groups). */
export { GROUP_STRATEGIES as STRATEGIES, type GroupStrategy as Strategy } from '../groups/rank.ts';
import type { GroupStrategy as Strategy } from '../groups/rank.ts';

/** A night as the bot handles it. */
export interface Night {
  id: number;
  guildId: string;
  channelId: string;
  announcementId: string;
  hostUserId: number | null;
  state: 'joining' | 'voting' | 'closed' | 'cancelled';
  startsAt: Date | null;
  kind: string | null;
  genre: string | null;
  candidateCount: number;
  strategy: Strategy;
  includeSeen: boolean;
  eventId: string | null;
  winnerTitleId: number | null;
}

export interface NewNight {
  guildId: string;
  channelId: string;
  announcementId: string;
  host: Member;
  startsAt: Date | null;
  kind: string | undefined;
  genre: string | undefined;
  candidateCount: number;
  strategy: Strategy;
  includeSeen: boolean;
}

/** A participant: database id and Discord id (names are read from Discord when shown, not stored here). */
export interface Participant {
  userId: number;
  discordId: string;
}

export interface NewCandidate {
  position: number;
  messageId: string;
  titleId: number;
  groupScore: number;
  reason: string;
  fits: { userId: number; fit: string }[];
}

export interface CandidateCount {
  id: number;
  position: number;
  titleId: number;
  groupScore: number;
  votes: number;
}

/** A second open night in a channel: the unique open_channel_id refused it. */
export class NightAlreadyOpenError extends Error {
  override name = 'NightAlreadyOpenError';
}

const asNight = (row: { strategy: string } & Omit<Night, 'strategy'>): Night => ({ ...row, strategy: row.strategy as Strategy });

/** The movie night tables; every write that must not half-happen is one transaction. */
// eslint-disable-next-line max-lines-per-function -- a factory of short queries sharing its select shapes; each method is checked on its own
export function prismaMovieNightStore(prisma: PrismaClient) {
  const night = {
    select: {
      id: true,
      guildId: true,
      channelId: true,
      announcementId: true,
      hostUserId: true,
      state: true,
      startsAt: true,
      kind: true,
      genre: true,
      candidateCount: true,
      strategy: true,
      includeSeen: true,
      eventId: true,
      winnerTitleId: true,
    },
  } as const;
  return {
    /** The open night (joining or voting) of a channel. */
    async openIn(channelId: string): Promise<Night | undefined> {
      const row = await prisma.movieNight.findUnique({ where: { openChannelId: channelId }, ...night });
      return row ? asNight(row) : undefined;
    },
    async byId(id: number): Promise<Night | undefined> {
      const row = await prisma.movieNight.findUnique({ where: { id }, ...night });
      return row ? asNight(row) : undefined;
    },
    async byAnnouncement(messageId: string): Promise<Night | undefined> {
      const row = await prisma.movieNight.findUnique({ where: { announcementId: messageId }, ...night });
      return row ? asNight(row) : undefined;
    },
    /** Every open night, for reconciliation after a restart. */
    async allOpen(): Promise<Night[]> {
      return (await prisma.movieNight.findMany({ where: { openChannelId: { not: null } }, ...night })).map(asNight);
    },
    /** Creates the night; throws {@link NightAlreadyOpenError} when the channel has one open. */
    async create(input: NewNight): Promise<Night> {
      try {
        return await prisma.$transaction(async (tx) => {
          const hostUserId = await upsertMember(tx, input.host);
          const { host: _, kind, genre, ...rest } = input;
          const row = await tx.movieNight.create({ data: { ...rest, kind: kind ?? null, genre: genre ?? null, hostUserId, openChannelId: input.channelId }, ...night });
          return asNight(row);
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'P2002') throw new NightAlreadyOpenError('This channel already has an open movie night.');
        throw error;
      }
    },
    async setEvent(nightId: number, eventId: string | null): Promise<void> {
      await prisma.movieNight.update({ where: { id: nightId }, data: { eventId } });
    },
    /** Adds a participant while the night is joining; false when it is not (any more). */
    async join(nightId: number, member: Member): Promise<boolean> {
      return prisma.$transaction(async (tx) => {
        if (!(await isState(tx, nightId, 'joining'))) return false;
        await unforgetJoin(tx, nightId, member.discordId);
        const userId = await upsertMember(tx, member);
        await tx.movieNightParticipant.upsert({ where: { nightId_userId: { nightId, userId } }, create: { nightId, userId }, update: {} });
        return true;
      });
    },
    async leave(nightId: number, discordId: string): Promise<boolean> {
      return prisma.$transaction(async (tx) => {
        if (!(await isState(tx, nightId, 'joining'))) return false;
        await unforgetJoin(tx, nightId, discordId);
        const removed = await tx.movieNightParticipant.deleteMany({ where: { nightId, user: { source: 'discord', externalId: discordId } } });
        return removed.count > 0;
      });
    },
    /** Replaces the participants with exactly these members (reconciliation of 🍿 after a restart). */
    async setParticipants(nightId: number, members: readonly Member[]): Promise<void> {
      await prisma.$transaction(async (tx) => {
        if (!(await isState(tx, nightId, 'joining'))) return;
        // A 🍿 still shown for a member who used /forget-me since is not theirs to act on again.
        const { announcementId } = await tx.movieNight.findUniqueOrThrow({ where: { id: nightId }, select: { announcementId: true } });
        const forgotten = new Set((await tx.movieNightForgottenJoin.findMany({ where: { nightId }, select: { token: true } })).map((f) => f.token));
        const ids: number[] = [];
        for (const member of members) if (!forgotten.has(joinToken(announcementId, member.discordId))) ids.push(await upsertMember(tx, member));
        await tx.movieNightParticipant.deleteMany({ where: { nightId, userId: { notIn: ids } } });
        await tx.movieNightParticipant.createMany({ data: ids.map((userId) => ({ nightId, userId })), skipDuplicates: true });
      });
    },
    async participants(nightId: number): Promise<Participant[]> {
      const rows = await prisma.movieNightParticipant.findMany({ where: { nightId }, orderBy: { joinedAt: 'asc' }, select: { userId: true, user: { select: { externalId: true } } } });
      return rows.map((r) => ({ userId: r.userId, discordId: r.user.externalId }));
    },
    /** Joining → voting: only one caller wins (the state is checked and changed in one statement). */
    async beginVoting(nightId: number): Promise<boolean> {
      const changed = await prisma.movieNight.updateMany({ where: { id: nightId, state: 'joining' }, data: { state: 'voting' } });
      return changed.count === 1;
    },
    /** Back to joining when posting the candidates failed before any was stored. */
    async reopenJoining(nightId: number): Promise<void> {
      await prisma.movieNight.updateMany({ where: { id: nightId, state: 'voting', candidates: { none: {} } }, data: { state: 'joining' } });
    },
    async addCandidate(nightId: number, candidate: NewCandidate): Promise<void> {
      const { fits, ...rest } = candidate;
      await prisma.movieNightCandidate.create({ data: { nightId, ...rest, fits: { createMany: { data: fits } } } });
    },
    /** The night and position a candidate message stands for. */
    async candidateByMessage(messageId: string): Promise<{ id: number; nightId: number; position: number } | undefined> {
      return (await prisma.movieNightCandidate.findUnique({ where: { messageId }, select: { id: true, nightId: true, position: true } })) ?? undefined;
    },
    async candidates(nightId: number): Promise<{ id: number; messageId: string; position: number }[]> {
      return prisma.movieNightCandidate.findMany({ where: { nightId }, orderBy: { position: 'asc' }, select: { id: true, messageId: true, position: true } });
    },
    /**
     * Records a vote (or takes it back) by a participant while the night is voting. 'not-voting' and
     * 'not-participant' are not counted; the primary key makes a repeated vote count once.
     */
    async vote(candidateId: number, nightId: number, discordId: string, action: 'add' | 'remove'): Promise<'counted' | 'not-voting' | 'not-participant'> {
      return prisma.$transaction(async (tx) => {
        if (!(await isState(tx, nightId, 'voting'))) return 'not-voting';
        const participant = await tx.movieNightParticipant.findFirst({ where: { nightId, user: { source: 'discord', externalId: discordId } }, select: { userId: true } });
        if (!participant) return 'not-participant';
        const key = { candidateId, userId: participant.userId };
        if (action === 'add') await tx.movieNightVote.upsert({ where: { candidateId_userId: key }, create: key, update: {} });
        else await tx.movieNightVote.deleteMany({ where: key });
        return 'counted';
      });
    },
    /** Replaces one candidate's votes with those of these Discord users who are participants (reconciliation). */
    async setVotes(nightId: number, candidateId: number, discordIds: readonly string[]): Promise<void> {
      await prisma.$transaction(async (tx) => {
        if (!(await isState(tx, nightId, 'voting'))) return;
        const voters = await tx.movieNightParticipant.findMany({ where: { nightId, user: { source: 'discord', externalId: { in: [...discordIds] } } }, select: { userId: true } });
        const ids = voters.map((v) => v.userId);
        await tx.movieNightVote.deleteMany({ where: { candidateId, userId: { notIn: ids } } });
        await tx.movieNightVote.createMany({ data: ids.map((userId) => ({ candidateId, userId })), skipDuplicates: true });
      });
    },
    async counts(nightId: number): Promise<CandidateCount[]> {
      const rows = await prisma.movieNightCandidate.findMany({
        where: { nightId },
        orderBy: { position: 'asc' },
        select: { id: true, position: true, titleId: true, groupScore: true, _count: { select: { votes: true } } },
      });
      return rows.map(({ _count, ...r }) => ({ ...r, votes: _count.votes }));
    },
    /**
     * Voting → closed with this winner, once: the participants the winner fitted well are marked favoured
     * (the fair strategy's memory). False when the night was not voting (closed meanwhile by the other path).
     */
    async close(nightId: number, winner: { candidateId: number; titleId: number }): Promise<boolean> {
      return prisma.$transaction(async (tx) => {
        const changed = await tx.movieNight.updateMany({
          where: { id: nightId, state: 'voting' },
          data: { state: 'closed', openChannelId: null, closedAt: new Date(), winnerTitleId: winner.titleId },
        });
        if (changed.count !== 1) return false;
        const good = await tx.movieNightFit.findMany({ where: { candidateId: winner.candidateId, fit: 'good' }, select: { userId: true } });
        await tx.movieNightParticipant.updateMany({ where: { nightId, userId: { in: good.map((g) => g.userId) } }, data: { favoured: true } });
        return true;
      });
    },
    /** Ends an open night without a winner; false when it was not open. */
    async cancel(nightId: number): Promise<boolean> {
      const changed = await prisma.movieNight.updateMany({ where: { id: nightId, state: { in: ['joining', 'voting'] } }, data: { state: 'cancelled', openChannelId: null, closedAt: new Date() } });
      return changed.count === 1;
    },
    /** Discord id → how many of this server's recent nights were won by that member's favourite (the fair strategy's history). */
    async favouredRecently(guildId: string, nights = 5): Promise<Map<string, number>> {
      const recent = await prisma.movieNight.findMany({
        where: { guildId, state: 'closed' },
        orderBy: { closedAt: 'desc' },
        take: nights,
        select: { participants: { where: { favoured: true }, select: { user: { select: { externalId: true } } } } },
      });
      const counts = new Map<string, number>();
      for (const p of recent.flatMap((n) => n.participants)) counts.set(p.user.externalId, (counts.get(p.user.externalId) ?? 0) + 1);
      return counts;
    },
  };
}

export type MovieNightStore = ReturnType<typeof prismaMovieNightStore>;

async function isState(tx: Tx, nightId: number, state: Night['state']): Promise<boolean> {
  // FOR UPDATE: a join or vote racing the pick or the close waits for it, so none lands on the wrong side.
  const rows = await tx.$queryRaw<{ state: string }[]>`SELECT state::text FROM movie_nights WHERE id = ${nightId} FOR UPDATE`;
  return rows[0]?.state === state;
}
