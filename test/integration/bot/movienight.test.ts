import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOT_PERMISSIONS } from '../../../src/emulator/index.ts';
import { forgetMember } from '../../../src/members/forget-me.ts';
import { startBotWorld, type BotWorld } from '../security/bot-world.ts';
import { seedWorldWithModel } from './fixtures.ts';

const ana = { id: '320000000000000001', username: 'ana' };
const bo = { id: '320000000000000002', username: 'bo' };
const cy = { id: '320000000000000003', username: 'cy' };
const dee = { id: '320000000000000004', username: 'dee' };
const mod = { id: '320000000000000005', username: 'mod', permissions: 'ManageEvents' as const };
const VOTES = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'];
let world: BotWorld;

beforeAll(async () => {
  world = await startBotWorld({
    emulator: { members: [ana, bo, cy, dee, mod], botPermissions: DEFAULT_BOT_PERMISSIONS | PermissionFlagsBits.ManageEvents },
    // A night with a time closes this long after the pick, and asks for ratings this long after the close.
    bot: { movieNight: { closeDelayMs: 1_500, rateDelayMs: 1_000 } },
    seed: async (prisma) => {
      const { titleIds } = await seedWorldWithModel(prisma);
      // Every other title has a poster and runtime, as TMDB enrichment leaves them.
      await prisma.$executeRaw`UPDATE titles SET image_url = 'https://image.tmdb.org/t/p/w500/' || id || '.jpg', runtime_minutes = 100 WHERE id % 2 = 0`;
      // ana loves action, bo loves comedy; cy has no ratings (neutral).
      for (const [member, titles] of [
        [ana, titleIds.slice(1, 6)],
        [bo, titleIds.slice(11, 16)],
      ] as const) {
        const user = await prisma.user.create({ data: { source: 'discord', externalId: member.id, displayName: member.username } });
        await prisma.rating.createMany({ data: titles.map((titleId) => ({ userId: user.id, titleId, value: 5, source: 'command' as const })) });
      }
    },
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

async function run(userId: string, subcommand: string, options: Record<string, string | number | boolean> = {}) {
  const i = await world.emu.runCommand({ userId, name: 'movienight', subcommand, options });
  await i.settled();
  return i;
}

/** Starts a night and returns its announcement id once the bot's 🍿 is on it. */
async function startNight(options: Record<string, string | number | boolean> = {}): Promise<string> {
  const i = await run(ana.id, 'start', options);
  const id = i.original()!.id;
  await world.emu.waitFor(() => world.emu.message(id)!.reactions.some((r) => r.emoji === '🍿' && r.userIds.includes(world.emu.botUserId)));
  return id;
}

async function participants(announcementId: string): Promise<string[]> {
  const rows = await world.db.prisma.movieNightParticipant.findMany({ where: { night: { announcementId } }, select: { user: { select: { externalId: true } } } });
  return rows.map((r) => r.user.externalId).sort();
}

async function join(announcementId: string, ...members: { id: string }[]): Promise<void> {
  for (const m of members) await world.emu.react({ userId: m.id, messageId: announcementId, emoji: '🍿' });
}

/** Picks and returns the candidate message ids once each carries its vote reaction. */
async function pick(userId = ana.id): Promise<string[]> {
  const i = await run(userId, 'pick');
  await world.emu.waitFor(() => i.followUps().length >= 3, { timeoutMs: 20_000, message: 'candidates posted' });
  const ids = i.followUps().map((m) => m.id);
  await world.emu.waitFor(() => ids.every((id, n) => world.emu.message(id)!.reactions.some((r) => r.emoji === VOTES[n] && r.userIds.includes(world.emu.botUserId))));
  return ids;
}

async function votes(announcementId: string): Promise<string[]> {
  const rows = await world.db.prisma.movieNightVote.findMany({
    where: { candidate: { night: { announcementId } } },
    select: { candidate: { select: { position: true } }, user: { select: { externalId: true } } },
  });
  return rows.map((r) => `${r.user.externalId}:${r.candidate.position + 1}`).sort();
}

const winnerName = async (announcementId: string) => {
  const night = await world.db.prisma.movieNight.findUniqueOrThrow({ where: { announcementId }, select: { winnerTitleId: true, state: true } });
  const title = night.winnerTitleId ? await world.db.prisma.title.findUniqueOrThrow({ where: { id: night.winnerTitleId } }) : undefined;
  return { state: night.state, titleId: title?.id, name: title ? `${title.name} (${title.year})` : undefined };
};

describe('/movienight: a whole night through the real client and the emulator', () => {
  it('join by 🍿, pick for the group, approval votes, closes by time, renames the event, then asks for ratings that reach the member’s ratings', async () => {
    const announcement = await startNight({ when: 'in 2h' });
    const [event] = world.emu.scheduledEvents();
    expect(event).toMatchObject({ name: 'Movie night', entity_type: 3, privacy_level: 2, entity_metadata: { location: '#general' } });
    expect(Date.parse(event!.scheduled_end_time!) - Date.parse(event!.scheduled_start_time)).toBe(3 * 3_600_000);

    await join(announcement, ana, bo, cy);
    await world.emu.unreact({ userId: cy.id, messageId: announcement, emoji: '🍿' });
    await world.emu.react({ userId: cy.id, messageId: announcement, emoji: '🍿' });
    await expect.poll(() => participants(announcement)).toEqual([ana.id, bo.id, cy.id].sort());

    const refused = await run(bo.id, 'pick');
    expect(refused.finalContent()).toMatch(/Only the host of this movie night or a member with Manage Events/);

    const candidates = await pick();
    expect(candidates).toHaveLength(5);
    const header = world.emu.message(candidates[0]!)!;
    expect(header.embeds[0]!.fields![0]!.name).toBe('Fit for each of you');
    expect(header.embeds[0]!.fields![0]!.value).toMatch(/⬜ cy/);
    const pickReply = (await world.db.prisma.movieNight.findUniqueOrThrow({ where: { announcementId: announcement } })).state;
    expect(pickReply).toBe('voting');
    expect(world.emu.messages().some((m) => /cy: no ratings yet, so counted neutral — use `\/onboard`/.test(m.content))).toBe(true);
    // No title any participant rated is proposed.
    const proposed = await world.db.prisma.movieNightCandidate.findMany({ where: { night: { announcementId: announcement } }, select: { titleId: true } });
    const rated = await world.db.prisma.rating.findMany({ where: { user: { source: 'discord' } }, select: { titleId: true } });
    expect(proposed.filter((p) => rated.some((r) => r.titleId === p.titleId))).toEqual([]);
    // Each candidate shows its poster where the title has one, and its runtime.
    const byPosition = await world.db.prisma.movieNightCandidate.findMany({ where: { night: { announcementId: announcement } }, orderBy: { position: 'asc' }, select: { titleId: true } });
    const poster = (titleId: number) => (titleId % 2 === 0 ? `https://image.tmdb.org/t/p/w500/${titleId}.jpg` : undefined);
    expect(candidates.map((id) => world.emu.message(id)!.embeds[0]!.thumbnail?.url)).toEqual(byPosition.map((c) => poster(c.titleId)));
    expect(byPosition.some((c) => poster(c.titleId)) && byPosition.some((c) => !poster(c.titleId))).toBe(true);
    for (const [n, c] of byPosition.entries()) if (poster(c.titleId)) expect(world.emu.message(candidates[n]!)!.embeds[0]!.description).toContain('1 h 40 min');

    await world.emu.react({ userId: ana.id, messageId: candidates[0]!, emoji: '1️⃣' });
    await world.emu.react({ userId: ana.id, messageId: candidates[1]!, emoji: '2️⃣' });
    await world.emu.react({ userId: bo.id, messageId: candidates[1]!, emoji: '2️⃣' });
    await world.emu.react({ userId: cy.id, messageId: candidates[0]!, emoji: '3️⃣' }); // not candidate 1's number
    await world.emu.react({ userId: dee.id, messageId: candidates[0]!, emoji: '1️⃣' }); // did not join
    await world.emu.react({ userId: dee.id, messageId: announcement, emoji: '🍿' }); // too late to join
    await expect.poll(() => votes(announcement)).toEqual([`${ana.id}:1`, `${ana.id}:2`, `${bo.id}:2`].sort());

    await world.emu.waitFor(() => world.emu.messages().some((m) => m.content.startsWith('🎬 **Tonight:')), { timeoutMs: 15_000, message: 'closed by time' });
    const winner = await winnerName(announcement);
    expect(winner.state).toBe('closed');
    expect(winner.titleId).toBe(proposed[1]!.titleId);
    expect(world.emu.messages().find((m) => m.content.startsWith('🎬'))!.content).toContain(`**Tonight: ${winner.name}** (2 votes)`);
    await expect.poll(() => world.emu.scheduledEvents()[0]!.name).toBe(`Movie night: ${winner.name}`);
    expect(await participants(announcement)).toEqual([ana.id, bo.id, cy.id].sort());

    await world.emu.waitFor(() => world.emu.messages().some((m) => m.content.startsWith('How was movie night?')), { timeoutMs: 15_000, message: 'rating prompt' });
    const prompt = world.emu.messages().find((m) => m.content.startsWith('How was movie night?'))!;
    expect(prompt.embeds[0]!.thumbnail?.url).toBe(poster(winner.titleId!));
    await world.emu.waitFor(() => world.emu.message(prompt.id)!.reactions.filter((r) => r.userIds.includes(world.emu.botUserId)).length === 5);
    await world.emu.react({ userId: cy.id, messageId: prompt.id, emoji: '😍' });
    await expect.poll(() => world.db.prisma.rating.findFirst({ where: { titleId: winner.titleId!, user: { externalId: cy.id } }, select: { value: true } })).toEqual({ value: 5 });
    await expect.poll(() => world.db.prisma.outboxEvent.count({ where: { kind: 'user-embedding' } })).toBeGreaterThan(0);

    // Votes on a closed night do not count.
    await world.emu.react({ userId: bo.id, messageId: candidates[2]!, emoji: '3️⃣' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await votes(announcement)).toEqual([`${ana.id}:1`, `${ana.id}:2`, `${bo.id}:2`].sort());
  }, 90_000);

  it('keeps a night across a restart: votes made while the bot was down are reconciled, a tie goes to the better group fit', async () => {
    const announcement = await startNight();
    await join(announcement, ana, bo);
    await expect.poll(() => participants(announcement)).toEqual([ana.id, bo.id].sort());
    const candidates = await pick();
    await world.restartBot(async () => {
      await world.emu.react({ userId: ana.id, messageId: candidates[1]!, emoji: '2️⃣' });
      await world.emu.react({ userId: bo.id, messageId: candidates[2]!, emoji: '3️⃣' });
    });
    await expect.poll(() => votes(announcement), { timeout: 10_000 }).toEqual([`${ana.id}:2`, `${bo.id}:3`].sort());
    // A vote taken back counts no more; the same vote again counts once.
    await world.emu.react({ userId: ana.id, messageId: candidates[0]!, emoji: '1️⃣' });
    await world.emu.unreact({ userId: ana.id, messageId: candidates[0]!, emoji: '1️⃣' });
    await world.emu.react({ userId: bo.id, messageId: candidates[0]!, emoji: '1️⃣' });
    await expect.poll(() => votes(announcement)).toEqual([`${ana.id}:2`, `${bo.id}:1`, `${bo.id}:3`].sort());
    await world.emu.unreact({ userId: bo.id, messageId: candidates[0]!, emoji: '1️⃣' });
    await expect.poll(() => votes(announcement)).toEqual([`${ana.id}:2`, `${bo.id}:3`].sort());

    const closed = await run(ana.id, 'close');
    expect(closed.finalContent()).toMatch(/\(1 votes?, tie broken by group fit\)/);
    const scores = await world.db.prisma.movieNightCandidate.findMany({ where: { night: { announcementId: announcement } }, orderBy: { position: 'asc' } });
    expect(scores[1]!.groupScore).toBeGreaterThanOrEqual(scores[2]!.groupScore);
    expect((await winnerName(announcement)).titleId).toBe(scores[1]!.titleId);
    expect((await run(ana.id, 'close')).finalContent()).toMatch(/no open movie night in this channel/);
  }, 90_000);

  it('answers bad input briefly and changes nothing: twice, too few people, bad times, closing before the vote, a bot without Manage Events', async () => {
    expect((await run(bo.id, 'start', { when: 'banana' })).finalContent()).toMatch(/could not read "banana" as a time/);
    expect((await run(bo.id, 'start', { when: 'yesterday 20:00' })).finalContent()).toMatch(/is in the past/);
    expect((await run(bo.id, 'pick')).finalContent()).toMatch(/no open movie night in this channel/);
    const announcement = await startNight();
    expect((await run(bo.id, 'start')).finalContent()).toContain(`already has an open movie night: https://discord.com/channels/${world.emu.guildId}/${world.emu.channelId}/${announcement}`);
    expect((await run(ana.id, 'pick')).finalContent()).toMatch(/Nobody has joined yet/);
    await join(announcement, bo);
    await expect.poll(() => participants(announcement)).toEqual([bo.id]);
    expect((await run(ana.id, 'pick')).finalContent()).toMatch(/Only one person has joined/);
    expect((await run(ana.id, 'close')).finalContent()).toMatch(/Voting has not started yet/);
    expect((await run(mod.id, 'cancel')).finalContent()).toBe('Movie night cancelled.');

    const botRole = world.emu.roles().find((r) => r.managed)!;
    world.emu.updateRole(botRole.id, { permissions: DEFAULT_BOT_PERMISSIONS });
    const before = world.emu.scheduledEvents().length;
    const noEvent = await run(ana.id, 'start', { when: 'tomorrow 20:00' });
    await world.emu.waitFor(() => noEvent.followUps().length === 1);
    expect(noEvent.followUps()[0]!.content).toMatch(/I need the \*\*Manage Events\*\* permission\. The night goes on without one/);
    expect(world.emu.scheduledEvents()).toHaveLength(before);
    expect((await run(ana.id, 'cancel')).finalContent()).toBe('Movie night cancelled.');
    world.emu.updateRole(botRole.id, { permissions: DEFAULT_BOT_PERMISSIONS | PermissionFlagsBits.ManageEvents });
  }, 60_000);

  it('forget-me removes the member’s participation, fits and votes, and leaves the others’', async () => {
    const user = await world.db.prisma.user.findFirstOrThrow({ where: { externalId: bo.id } });
    expect(await world.db.prisma.movieNightParticipant.count({ where: { userId: user.id } })).toBeGreaterThan(0);
    const anaBefore = await world.db.prisma.movieNightVote.count({ where: { user: { externalId: ana.id } } });
    await forgetMember(world.db.prisma, bo.id);
    for (const table of [world.db.prisma.movieNightParticipant, world.db.prisma.movieNightVote, world.db.prisma.movieNightFit] as const) {
      expect(await (table as typeof world.db.prisma.movieNightVote).count({ where: { userId: user.id } })).toBe(0);
    }
    expect(await world.db.prisma.movieNightVote.count({ where: { user: { externalId: ana.id } } })).toBe(anaBefore);
  });

  it('a member who used /forget-me while a night was joining stays out across a restart, until they react 🍿 again', async () => {
    const announcement = await startNight();
    await join(announcement, ana, dee);
    await expect.poll(() => participants(announcement)).toEqual([ana.id, dee.id].sort());
    await forgetMember(world.db.prisma, dee.id);
    await expect.poll(() => participants(announcement)).toEqual([ana.id]);
    // dee's 🍿 still shows in Discord; cy joins while the bot is down, so the night is seen reconciled.
    await world.restartBot(async () => {
      await world.emu.react({ userId: cy.id, messageId: announcement, emoji: '🍿' });
    });
    await expect.poll(() => participants(announcement), { timeout: 10_000 }).toEqual([ana.id, cy.id].sort());
    expect(await world.db.prisma.user.count({ where: { externalId: dee.id } })).toBe(0);
    // Acting again afterwards counts as usual.
    await world.emu.unreact({ userId: dee.id, messageId: announcement, emoji: '🍿' });
    await world.emu.react({ userId: dee.id, messageId: announcement, emoji: '🍿' });
    await expect.poll(() => participants(announcement)).toEqual([ana.id, cy.id, dee.id].sort());
    await run(ana.id, 'cancel');
  }, 90_000);
});
