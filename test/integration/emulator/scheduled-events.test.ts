import { Client, Events, GatewayIntentBits, GuildScheduledEventEntityType, GuildScheduledEventPrivacyLevel, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOT_PERMISSIONS } from '../../../src/emulator/index.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';

let emu: DiscordEmulator;
let client: Client;

beforeAll(async () => {
  emu = await startDiscordEmulator({ members: [{ username: 'ana' }], botPermissions: DEFAULT_BOT_PERMISSIONS | PermissionFlagsBits.ManageEvents });
  client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildScheduledEvents], rest: { api: emu.apiUrl } });
  const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(emu.token);
  await ready;
});

afterAll(async () => {
  await client?.destroy();
  await emu?.close();
});

const inOneHour = () => new Date(Date.now() + 3_600_000);

describe('the emulator’s guild scheduled events, through discord.js', () => {
  it('creates an EXTERNAL event with Discord’s shape, renames it, lists it, deletes it, and dispatches each change', async () => {
    const guild = await client.guilds.fetch(emu.guildId);
    const start = inOneHour();
    const end = new Date(start.getTime() + 7_200_000);
    const created = await guild.scheduledEvents.create({
      name: 'Movie night',
      scheduledStartTime: start,
      scheduledEndTime: end,
      privacyLevel: GuildScheduledEventPrivacyLevel.GuildOnly,
      entityType: GuildScheduledEventEntityType.External,
      entityMetadata: { location: '#movies' },
    });
    expect(created.entityType).toBe(GuildScheduledEventEntityType.External);
    expect(created.entityMetadata?.location).toBe('#movies');
    expect(created.scheduledStartAt?.toISOString()).toBe(start.toISOString());
    expect(emu.scheduledEvents()).toMatchObject([{ id: created.id, name: 'Movie night', channel_id: null, privacy_level: 2, status: 1, entity_type: 3 }]);

    const renamed = await guild.scheduledEvents.edit(created.id, { name: 'Movie night: Heat (1995)' });
    expect(renamed.name).toBe('Movie night: Heat (1995)');
    expect((await guild.scheduledEvents.fetch(created.id)).name).toBe('Movie night: Heat (1995)');
    expect([...(await guild.scheduledEvents.fetch()).keys()]).toEqual([created.id]);

    await guild.scheduledEvents.delete(created.id);
    expect(emu.scheduledEvents()).toEqual([]);
    await expect(guild.scheduledEvents.fetch(created.id)).rejects.toMatchObject({ code: 10070 });
    const kinds = emu.dispatches.filter((d) => d.t.startsWith('GUILD_SCHEDULED_EVENT')).map((d) => d.t);
    expect(kinds).toEqual(['GUILD_SCHEDULED_EVENT_CREATE', 'GUILD_SCHEDULED_EVENT_UPDATE', 'GUILD_SCHEDULED_EVENT_DELETE']);
  });

  it('refuses an EXTERNAL event without a location or end time, or starting in the past, with Discord’s form errors', async () => {
    const base = { name: 'x', privacy_level: 2, entity_type: 3, scheduled_start_time: inOneHour().toISOString() };
    const post = (body: object) => client.rest.post(`/guilds/${emu.guildId}/scheduled-events`, { body });
    await expect(post({ ...base, scheduled_end_time: new Date(Date.now() + 7_200_000).toISOString() })).rejects.toMatchObject({ code: 50035 });
    await expect(post({ ...base, entity_metadata: { location: 'here' } })).rejects.toMatchObject({ code: 50035 });
    await expect(post({ ...base, entity_metadata: { location: 'here' }, scheduled_start_time: '2020-01-01T00:00:00Z', scheduled_end_time: '2020-01-01T02:00:00Z' })).rejects.toMatchObject({
      code: 50035,
    });
  });

  it('answers 50013 Missing Permissions to a bot without Manage Events', async () => {
    const botRole = emu.roles().find((r) => r.managed)!;
    emu.updateRole(botRole.id, { permissions: DEFAULT_BOT_PERMISSIONS });
    const guild = await client.guilds.fetch(emu.guildId);
    await expect(
      guild.scheduledEvents.create({
        name: 'x',
        scheduledStartTime: inOneHour(),
        scheduledEndTime: new Date(Date.now() + 7_200_000),
        privacyLevel: 2,
        entityType: 3,
        entityMetadata: { location: 'here' },
      }),
    ).rejects.toMatchObject({ code: 50013 });
  });
});
