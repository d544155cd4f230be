import { once } from 'node:events';
import { Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, Routes, type Interaction } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';

async function connect(emu: DiscordEmulator): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions], rest: { api: emu.apiUrl } });
  const ready = once(client, Events.ClientReady);
  await client.login(emu.token);
  await ready;
  await client.application!.commands.set([{ name: 'ping', description: 'Ping' }], emu.guildId);
  return client;
}

function handleNext(client: Client, handler: (interaction: Interaction) => Promise<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => client.once(Events.InteractionCreate, (interaction) => void handler(interaction).then(resolve, reject)));
}

describe('interaction responses as Discord answers them', () => {
  let emu: DiscordEmulator;
  let client: Client;
  let user: string;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    user = emu.memberIds[0]!;
    client = await connect(emu);
  });

  afterAll(async () => {
    await client?.destroy();
    await emu?.close();
  });

  it('returns the created message for reply({ withResponse: true })', async () => {
    const handled = handleNext(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) throw new Error('expected a command');
      const response = await interaction.reply({ content: 'pong', withResponse: true });
      return response.resource?.message?.id;
    });
    const i = await emu.runCommand({ userId: user, name: 'ping' });
    const messageId = await handled;
    expect(messageId).toBe(i.original()?.id);
    expect(emu.requests.find((r) => r.path.endsWith('/callback') && r.query.with_response === 'true')?.status).toBe(200);
  });

  it('fills an ephemeral deferred reply with the first follow-up, then posts further follow-ups', async () => {
    const handled = handleNext(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) throw new Error('expected a command');
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.followUp('first');
      await interaction.followUp('second');
    });
    const i = await emu.runCommand({ userId: user, name: 'ping' });
    await handled;
    await i.settled({ quietMs: 50 });
    expect(i.finalContent()).toBe('first');
    expect(i.original()?.ephemeral).toBe(true);
    expect(i.followUps().map((m) => m.content)).toEqual(['first', 'second']);
    expect(i.followUps()[0]?.id).toBe(i.original()?.id);
    // Channel endpoints do not know ephemeral messages: the bot cannot react to them.
    const channel = await client.channels.fetch(emu.channelId);
    if (!channel?.isTextBased()) throw new Error('not text');
    await expect(channel.messages.react(i.original()!.id, '👍')).rejects.toThrow(/Unknown Message/);
  });

  it('answers a second callback with 40060 and a late first one with 10062', async () => {
    const handled = handleNext(client, async (interaction) => {
      await client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 4, data: { content: 'one' } }, auth: false });
      return client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 4, data: { content: 'two' } }, auth: false }).catch((e: unknown) => e);
    });
    await emu.runCommand({ userId: user, name: 'ping' });
    const error = await handled;
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(40060);

    const late = await startDiscordEmulator({ interactionDeadlineMs: 1 });
    const lateClient = await connect(late);
    try {
      const lateHandled = handleNext(lateClient, async (interaction) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (interaction.isChatInputCommand()) return interaction.reply('too late').catch((e: unknown) => e);
      });
      await late.runCommand({ userId: late.memberIds[0]!, name: 'ping' });
      expect(((await lateHandled) as DiscordAPIError).code).toBe(10062);
    } finally {
      await lateClient.destroy();
      await late.close();
    }
  });

  it('refuses an empty message and over-long content the way Discord does', async () => {
    const channel = client.channels.cache.get(emu.channelId);
    if (!channel?.isSendable()) throw new Error('not sendable');
    await expect(channel.send({ content: '' })).rejects.toThrow();
    await expect(channel.send({ content: 'x'.repeat(2001) })).rejects.toThrow(/2000 or fewer/);
    await expect(channel.send({ embeds: [{ title: 't'.repeat(257) }] })).rejects.toThrow(/256 or fewer/);
  });

  it('pages channel history with limit/before/after, newest first', async () => {
    const channelId = emu.channelId;
    const seeded = Array.from({ length: 5 }, (_, n) => emu.seedMessage({ content: `m${n}`, channelId }));
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isTextBased()) throw new Error('not text');
    const latest = await channel.messages.fetch({ limit: 2 });
    expect(latest.map((m) => m.content)).toEqual(['m4', 'm3']);
    const before = await channel.messages.fetch({ limit: 2, before: seeded[3]!.id });
    expect(before.map((m) => m.content)).toEqual(['m2', 'm1']);
    const after = await channel.messages.fetch({ limit: 10, after: seeded[2]!.id });
    expect(after.map((m) => m.content)).toEqual(['m4', 'm3']);
    const single = await channel.messages.fetch(seeded[0]!.id);
    expect(single.content).toBe('m0');
  });

  it('lists reaction users with limit and after, and removes a user reaction', async () => {
    const message = emu.seedMessage({ content: 'vote' });
    await emu.react({ userId: user, messageId: message.id, emoji: '👍' });
    const channel = await client.channels.fetch(emu.channelId);
    if (!channel?.isTextBased()) throw new Error('not text');
    const fetched = await channel.messages.fetch(message.id);
    await fetched.react('👍');
    const ids = [user, emu.botUserId].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const firstPage = await fetched.reactions.cache.get('👍')!.users.fetch({ limit: 1 });
    expect([...firstPage.keys()]).toEqual([ids[0]]);
    const secondPage = await fetched.reactions.cache.get('👍')!.users.fetch({ limit: 1, after: ids[0] });
    expect([...secondPage.keys()]).toEqual([ids[1]]);
    // The bot lacks ManageMessages by default, so removing someone else's reaction is refused.
    await expect(fetched.reactions.cache.get('👍')!.users.remove(user)).rejects.toThrow(/Missing Permissions/);
    await fetched.reactions.cache.get('👍')!.users.remove(emu.botUserId);
    expect(emu.message(message.id)?.reactions).toEqual([{ emoji: '👍', userIds: [user] }]);
  });
});

describe('reaction rate limit', () => {
  it('makes discord.js wait out the per-channel reaction bucket, and answers a burst with 429 + retry_after', async () => {
    const emu = await startDiscordEmulator({ enforceReactionRateLimit: true });
    const client = await connect(emu);
    try {
      const channel = client.channels.cache.get(emu.channelId);
      if (!channel?.isSendable()) throw new Error('not sendable');
      const message = await channel.send('rate me');
      await Promise.all(['1️⃣', '2️⃣', '3️⃣'].map((emoji) => message.react(emoji)));
      expect(
        emu
          .message(message.id)
          ?.reactions.map((r) => r.emoji)
          .sort(),
      ).toEqual(['1️⃣', '2️⃣', '3️⃣'].sort());

      // A client that ignores the bucket headers gets 429.
      const slow = await startDiscordEmulator({ enforceReactionRateLimit: { intervalMs: 60_000 } });
      try {
        const seeded = slow.seedMessage({ content: 'x' });
        const url = `${slow.apiUrl}/v10/channels/${slow.channelId}/messages/${seeded.id}/reactions/${encodeURIComponent('👍')}/@me`;
        const headers = { authorization: `Bot ${slow.token}` };
        expect((await fetch(url, { method: 'PUT', headers })).status).toBe(204);
        const limited = await fetch(url.replace(encodeURIComponent('👍'), encodeURIComponent('👎')), { method: 'PUT', headers });
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await limited.json()) as { retry_after: number }).retry_after).toBeGreaterThan(0);
      } finally {
        await slow.close();
      }
    } finally {
      await client.destroy();
      await emu.close();
    }
  });
});
