import { ChannelFlags, DiscordAPIError, GatewayDispatchEvents, PermissionFlagsBits, type TextChannel } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../src/bot/bot.ts';
import type { Queues } from '../../../src/queue/queues.ts';
import { SUGGESTION_REACTIONS } from '../../../src/ratings/scale.ts';
import type { DiscordEmulator, InteractionHandle } from '../../support/discord-emulator/index.ts';
import type { TestDatabase } from '../../support/database.ts';
import { memberList, recommend } from '../reliability/harness.ts';
import { captureLogs, startBotWorld, type BotWorld } from './bot-world.ts';

type Member = { id: string; username: string };
const [alice, bob, carol, erin] = memberList(4) as [Member, Member, Member, Member];
const CURATORS = '300000000000000901';
const ADMINS = '300000000000000902';
const BACKROOM = '300000000000000950';
const REFUSAL = 'Only members with the Manage Server permission can use `/admin`.';

let world: BotWorld;
let db: TestDatabase;
let emu: DiscordEmulator;
let queues: Queues;
let bot: Bot;
const { logger, lines: logs } = captureLogs('debug');

beforeAll(async () => {
  world = await startBotWorld({
    emulator: {
      roles: [
        { id: CURATORS, name: 'Curators', permissions: 'ManageGuild' },
        { id: ADMINS, name: 'Admins', permissions: 'ManageGuild' },
      ],
      members: [alice, bob, { ...carol, roles: ['Curators'] }, { ...erin, roles: ['Admins'] }],
      channels: [{ name: 'general' }, { id: BACKROOM, name: 'backroom' }],
      interactionDeadlineMs: null,
    },
    logger,
  });
  ({ db, emu, queues, bot } = world);
});

afterAll(() => world?.stop());

async function admin(userId: string, subcommand: 'status' | 'retrain'): Promise<InteractionHandle> {
  const i = await emu.runCommand({ userId, name: 'admin', subcommand });
  await i.settled({ timeoutMs: 15_000 });
  return i;
}

/** The member permissions Discord put into the interaction's payload. */
function payloadPermissions(i: InteractionHandle): bigint {
  const dispatch = emu.dispatches.find((d) => d.t === GatewayDispatchEvents.InteractionCreate && (d.d as { id: string }).id === i.id);
  return BigInt((dispatch!.d as { member: { permissions: string } }).member.permissions);
}

const logsFrom = (index: number, level: number) => logs.slice(index).filter((l) => l.level >= level);

describe('Manage Server is checked on every /admin call', () => {
  it('a member whose role loses Manage Server is refused at once, though the server still lets them run /admin', async () => {
    // A server admin opened /admin to the Curators role under Server Settings > Integrations.
    emu.setCommandPermissions({ command: 'admin', permissions: [{ id: CURATORS, type: 'role', permission: true }] });
    const before = await admin(carol.id, 'status');
    expect(before.finalContent()).toMatch(/Active model/);
    expect(before.original()?.ephemeral).toBe(true);

    emu.updateRole(CURATORS, { permissions: 0n });
    // The bot hears of it (GUILD_ROLE_UPDATE) but must not depend on that: the interaction says it all.
    await emu.waitFor(() => bot.client.guilds.cache.get(emu.guildId)?.roles.cache.get(CURATORS)?.permissions.has(PermissionFlagsBits.ManageGuild) === false);
    for (const subcommand of ['retrain', 'status'] as const) {
      const refused = await admin(carol.id, subcommand);
      expect(payloadPermissions(refused) & PermissionFlagsBits.ManageGuild).toBe(0n);
      expect(refused.finalContent()).toBe(REFUSAL);
      expect(refused.original()?.ephemeral).toBe(true);
      expect(refused.responses).toHaveLength(1);
    }
    expect(await queues.retrain.count()).toBe(0);

    // Without the Integrations entry Discord itself no longer offers the command to them.
    emu.setCommandPermissions({ command: 'admin', permissions: [] });
    await expect(emu.runCommand({ userId: carol.id, name: 'admin', subcommand: 'status' })).rejects.toThrow(/default_member_permissions 32/);
  });

  it('a member whose Manage Server role is taken away is refused on the next call, though the bot is never told', async () => {
    emu.setCommandPermissions({ command: 'admin', permissions: [{ id: erin.id, type: 'user', permission: true }] });
    expect((await admin(erin.id, 'status')).finalContent()).toMatch(/Active model/);

    const since = emu.dispatches.length;
    emu.removeMemberRole(erin.id, ADMINS);
    // Role changes of members reach only bots with the privileged GuildMembers intent; tastebud has not asked for it.
    expect(emu.dispatches.slice(since).map((d) => d.t)).not.toContain(GatewayDispatchEvents.GuildMemberUpdate);
    const refused = await admin(erin.id, 'retrain');
    expect(payloadPermissions(refused) & PermissionFlagsBits.ManageGuild).toBe(0n);
    expect(refused.finalContent()).toBe(REFUSAL);
    expect(refused.original()?.ephemeral).toBe(true);
    expect(await queues.retrain.count()).toBe(0);

    emu.addMemberRole(erin.id, ADMINS);
    expect((await admin(erin.id, 'status')).finalContent()).toMatch(/Active model/);
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});

describe('a channel the bot cannot see', () => {
  it('reactions there never reach the bot; its stale look at old suggestions gets 403 50001 and is ignored; they count once it sees again', async () => {
    // Suggestions posted in #backroom while the bot could still see it.
    const i = await emu.runCommand({ userId: bob.id, name: 'recommend', options: { count: 2 }, channelId: BACKROOM });
    await emu.waitFor(() => i.followUps().length === 2 && i.followUps().every((m) => m.reactions.length === SUGGESTION_REACTIONS.length), { timeoutMs: 20_000 });
    const hiddenIds = i.followUps().map((m) => m.id);
    expect(i.followUps().every((m) => m.channelId === BACKROOM)).toBe(true);
    const ratingsBefore = await db.prisma.rating.count();
    const logIndex = logs.length;

    // A moderator takes View Channel away from the bot in #backroom.
    const since = emu.dispatches.length;
    emu.setChannelOverwrite(BACKROOM, { id: emu.botUserId, type: 'member', deny: 'ViewChannel' });
    const cached = () => bot.client.channels.cache.get(BACKROOM) as TextChannel | undefined;
    await emu.waitFor(() => cached()?.flags.has(ChannelFlags.ChannelObfuscated));
    expect(cached()!.name).toBe('___hidden___');
    expect(cached()!.permissionsFor(bot.client.user!)?.has(PermissionFlagsBits.ViewChannel)).toBe(false);

    await emu.react({ userId: bob.id, messageId: hiddenIds[0]!, emoji: '😍' });
    await emu.react({ userId: alice.id, messageId: hiddenIds[1]!, emoji: '👎' });
    expect(emu.message(hiddenIds[0]!)!.reactions.find((r) => r.emoji === '😍')!.userIds).toContain(bob.id);
    const sent = emu.dispatches.slice(since).map((d) => d.t);
    expect(sent).toEqual([GatewayDispatchEvents.ChannelUpdate]);

    // Anything that still looks there (a partial fetched, reconciliation of recent suggestions) gets Missing Access.
    const fetchError = await cached()!
      .messages.fetch(hiddenIds[0]!)
      .catch((error: unknown) => error);
    expect(fetchError).toBeInstanceOf(DiscordAPIError);
    expect(fetchError).toMatchObject({ status: 403, code: 50001 });
    const stats = await bot.reconciler.reconcileRecent(14);
    expect(stats).toMatchObject({ gone: 2, failed: 0, adds: 0 });
    const denied = emu.requests.filter((r) => r.status === 403 && r.path.startsWith(`/channels/${BACKROOM}/`));
    expect(denied.length).toBeGreaterThanOrEqual(3);
    expect(await db.prisma.rating.count()).toBe(ratingsBefore);
    expect(await db.prisma.suggestionReaction.count({ where: { messageId: { in: hiddenIds } } })).toBe(0);
    expect(logsFrom(logIndex, 50)).toEqual([]);
    expect(logsFrom(logIndex, 40).length).toBeLessThanOrEqual(1);

    // The next good reaction elsewhere still counts (carol's: her suggestion may show the same title as bob's).
    const [visible] = await recommend(emu, carol.id, 1);
    await emu.react({ userId: carol.id, messageId: visible!, emoji: '👍' });
    await expect.poll(() => db.prisma.rating.count(), { timeout: 10_000 }).toBe(ratingsBefore + 1);

    // Seen again: Discord sends the whole channel, and the reactions made meanwhile are reconciled, each once.
    emu.deleteChannelOverwrite(BACKROOM, emu.botUserId);
    await emu.waitFor(() => cached()?.name === 'backroom');
    expect(cached()!.flags.has(ChannelFlags.ChannelObfuscated)).toBe(false);
    expect(await bot.reconciler.reconcileRecent(14)).toMatchObject({ adds: 2, failed: 0 });
    expect(await bot.reconciler.reconcileRecent(14)).toMatchObject({ adds: 0, removes: 0, failed: 0 });
    expect(await db.prisma.rating.count()).toBe(ratingsBefore + 3);
    expect(logsFrom(logIndex, 50)).toEqual([]);
  });
});

describe('the emulator’s permission model, as the bot’s discord.js client sees it', () => {
  const api = async (method: string, path: string) => {
    const res = await fetch(`${emu.apiUrl}/v10${path}`, { method, headers: { authorization: `Bot ${emu.token}` } });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as unknown) };
  };

  it('roles given to the bot reach it without GuildMembers; overwrites decide 50001 or 50013 and what the guild lists', async () => {
    const quiet = emu.createRole({ name: 'Quiet', permissions: 0n });
    emu.setChannelOverwrite(BACKROOM, { id: quiet.id, type: 'role', deny: ['SendMessages', 'AddReactions'] });
    emu.addMemberRole(emu.botUserId, quiet.id);
    // About itself the bot hears of its roles, intent or not.
    await emu.waitFor(() => bot.client.guilds.cache.get(emu.guildId)?.members.me?.roles.cache.has(quiet.id));
    const inBackroom = emu.permissionsIn(emu.botUserId, BACKROOM);
    expect(inBackroom & PermissionFlagsBits.ViewChannel).toBe(PermissionFlagsBits.ViewChannel);
    // No Send Messages takes Embed Links with it.
    expect(inBackroom & (PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks)).toBe(0n);

    const seeded = emu.seedMessage({ content: 'before', channelId: BACKROOM, authorId: alice.id });
    const react = `/channels/${BACKROOM}/messages/${seeded.id}/reactions/${encodeURIComponent('👍')}/@me`;
    expect(await api('PUT', react)).toMatchObject({ status: 403, body: { code: 50013 } });
    emu.setChannelOverwrite(BACKROOM, { id: emu.guildId, type: 'role', deny: 'ViewChannel' });
    expect(await api('PUT', react)).toMatchObject({ status: 403, body: { code: 50001, message: 'Missing Access' } });
    expect(await api('GET', `/channels/${BACKROOM}/messages/404`)).toMatchObject({ status: 403, body: { code: 50001 } });
    const listed = (await api('GET', `/guilds/${emu.guildId}/channels`)).body as { id: string }[];
    expect(listed.map((c) => c.id)).toEqual([emu.channelId]);

    // Given a role that may view the channel, the bot sees it again, and Discord sends the whole channel.
    emu.removeMemberRole(emu.botUserId, quiet.id);
    emu.setChannelOverwrite(BACKROOM, { id: quiet.id, type: 'role', allow: 'ViewChannel' });
    const since = emu.dispatches.length;
    emu.addMemberRole(emu.botUserId, quiet.id);
    await emu.waitFor(() => (bot.client.channels.cache.get(BACKROOM) as TextChannel | undefined)?.name === 'backroom');
    expect(emu.dispatches.slice(since).map((d) => d.t)).toEqual([GatewayDispatchEvents.GuildMemberUpdate, GatewayDispatchEvents.ChannelUpdate]);
    expect(await api('PUT', react)).toMatchObject({ status: 204 });
    emu.removeMemberRole(emu.botUserId, quiet.id);
    for (const id of [emu.guildId, quiet.id]) emu.deleteChannelOverwrite(BACKROOM, id);
  });

  it('command permissions can turn a command off in a channel, and the bot can read them', async () => {
    emu.setCommandPermissions({ command: 'recommend', permissions: [{ id: BACKROOM, type: 'channel', permission: false }] });
    await expect(emu.runCommand({ userId: bob.id, name: 'recommend', channelId: BACKROOM })).rejects.toThrow(/turn \/recommend off in channel/);
    const recommendId = emu.commands('guild').find((c) => c.name === 'recommend')!.id;
    const read = await api('GET', `/applications/${emu.applicationId}/guilds/${emu.guildId}/commands/${recommendId}/permissions`);
    expect(read).toMatchObject({ status: 200, body: { id: recommendId, permissions: [{ id: BACKROOM, type: 3, permission: false }] } });
    emu.setCommandPermissions({ command: 'recommend', permissions: [] });
    expect(await api('GET', `/applications/${emu.applicationId}/guilds/${emu.guildId}/commands/${recommendId}/permissions`)).toMatchObject({ status: 404, body: { code: 10066 } });
  });
});
