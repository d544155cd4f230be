import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, MessageFlags, Partials, Routes, ShardClientUtil, type Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';

/** A guild id that Discord's `(guild_id >> 22) % count` routes to `shard`. */
function guildIdOnShard(shard: number, count: number): string {
  const id = (BigInt(1_300_000_000_000_000_000n >> 22n) * BigInt(count) + BigInt(shard)) << 22n;
  return id.toString();
}

function shardClient(emu: DiscordEmulator, sharding: { shards: number[] | 'auto'; shardCount?: number }): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    rest: { api: emu.apiUrl },
    ...sharding,
  });
}

async function login(client: Client, emu: DiscordEmulator): Promise<void> {
  const ready = once(client, Events.ClientReady);
  await client.login(emu.token);
  await ready;
}

describe('emulated gateway sharding', () => {
  let emu: DiscordEmulator | undefined;
  const clients: Client[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.destroy();
    await emu?.close();
  });

  it("routes the guild's GUILD_CREATE, interactions and reactions only to the shard that owns it", async () => {
    const guildId = guildIdOnShard(1, 2);
    expect(ShardClientUtil.shardIdForGuildId(guildId, 2)).toBe(1);
    emu = await startDiscordEmulator({ guildId, members: [{ username: 'alice' }] });
    const [alice] = emu.memberIds;
    const shard0 = shardClient(emu, { shards: [0], shardCount: 2 });
    const shard1 = shardClient(emu, { shards: [1], shardCount: 2 });
    clients.push(shard0, shard1);
    await login(shard0, emu);
    await login(shard1, emu);
    expect(
      emu
        .sessions()
        .map((s) => s.shard)
        .sort(),
    ).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(shard0.guilds.cache.size).toBe(0);
    expect([...shard1.guilds.cache.keys()]).toEqual([guildId]);

    await shard1.rest.put(Routes.applicationGuildCommands(emu.applicationId, guildId), { body: [{ name: 'ping', description: 'Ping' }] });
    const seen: string[] = [];
    const answer = (name: string) => async (interaction: Interaction) => {
      seen.push(name);
      if (interaction.isChatInputCommand()) await interaction.reply({ content: `pong from ${name}`, flags: MessageFlags.Ephemeral });
    };
    shard0.on(Events.InteractionCreate, answer('shard 0'));
    shard1.on(Events.InteractionCreate, answer('shard 1'));
    const reactions: string[] = [];
    shard0.on(Events.MessageReactionAdd, () => void reactions.push('shard 0'));
    shard1.on(Events.MessageReactionAdd, () => void reactions.push('shard 1'));

    const i = await emu.runCommand({ userId: alice!, name: 'ping' });
    await i.settled();
    expect(i.finalContent()).toBe('pong from shard 1');
    const message = emu.seedMessage({ content: 'a suggestion' });
    await emu.react({ userId: alice!, messageId: message.id, emoji: '👍' });
    await emu.waitFor(() => reactions.length > 0, { timeoutMs: 5000 });
    await emu.sendMessage({ userId: alice!, content: 'one more event, so a stray reaction would have arrived' });
    expect(seen).toEqual(['shard 1']);
    expect(reactions).toEqual(['shard 1']);
    const guildEvents = emu.dispatches.filter((d) => d.t === 'GUILD_CREATE' || d.t === 'INTERACTION_CREATE' || d.t === 'MESSAGE_REACTION_ADD');
    const shard1Session = emu.sessions().find((s) => s.shard[0] === 1)!.id;
    expect(guildEvents.every((d) => d.sessionId === shard1Session)).toBe(true);
  });

  it("answers GET /gateway/bot with its recommended shard count, which discord.js's shards: 'auto' follows", async () => {
    emu = await startDiscordEmulator({ recommendedShards: 2 });
    const client = shardClient(emu, { shards: 'auto' });
    clients.push(client);
    await login(client, emu);
    expect(client.options.shardCount).toBe(2);
    expect(
      emu
        .sessions()
        .map((s) => s.shard)
        .sort(),
    ).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const owner = ShardClientUtil.shardIdForGuildId(emu.guildId, 2);
    expect(client.guilds.cache.get(emu.guildId)?.shardId).toBe(owner);
  });
});
