import { once } from 'node:events';
import {
  ApplicationCommandOptionType,
  ButtonStyle,
  Client,
  ComponentType,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type User,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';

const COMMANDS: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  {
    name: 'recommend',
    description: 'Recommend movies',
    options: [
      { type: ApplicationCommandOptionType.Integer, name: 'count', description: 'How many', min_value: 1, max_value: 10 },
      {
        type: ApplicationCommandOptionType.String,
        name: 'genre',
        description: 'Genre',
        choices: [
          { name: 'Drama', value: 'drama' },
          { name: 'Comedy', value: 'comedy' },
        ],
      },
      { type: ApplicationCommandOptionType.Boolean, name: 'private', description: 'Only for me' },
      { type: ApplicationCommandOptionType.Number, name: 'min-rating', description: 'Lowest average rating' },
    ],
  },
  {
    name: 'search',
    description: 'Find a movie',
    options: [{ type: ApplicationCommandOptionType.String, name: 'query', description: 'Title', required: true, autocomplete: true }],
  },
  {
    name: 'admin',
    description: 'Admin tools',
    default_member_permissions: '32',
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'retrain',
        description: 'Retrain the model',
        options: [{ type: ApplicationCommandOptionType.Integer, name: 'epochs', description: 'Epochs', required: true }],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: 'status', description: 'Show status' },
    ],
  },
];

function newClient(): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel],
    rest: { api: '' },
  });
}

async function login(client: Client, emu: DiscordEmulator, token = emu.token): Promise<void> {
  client.rest.options.api = emu.apiUrl;
  const ready = once(client, Events.ClientReady);
  await client.login(token);
  await ready;
}

/** The next interaction the client receives, handled by `handler` (the test's stand-in for bot code). */
function nextInteraction(client: Client, handler: (interaction: Interaction) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once(Events.InteractionCreate, (interaction) => {
      handler(interaction).then(resolve, reject);
    });
  });
}

describe('discord.js Client against the Discord emulator', () => {
  let emu: DiscordEmulator;
  let client: Client;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    emu = await startDiscordEmulator({
      members: [{ username: 'alice', permissions: 'ManageGuild' }, { username: 'bob' }],
    });
    [alice, bob] = emu.memberIds as [string, string];
    client = newClient();
    await login(client, emu);
  });

  afterAll(async () => {
    await client?.destroy();
    await emu?.close();
  });

  it('logs in and becomes ready with the guild, its channels and roles cached', () => {
    expect(client.user?.id).toBe(emu.botUserId);
    expect(client.application?.id).toBe(emu.applicationId);
    const guild = client.guilds.cache.get(emu.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.get(emu.channelId)?.name).toBe('general');
    expect(guild?.roles.everyone.permissions.has('SendMessages')).toBe(true);
    expect(guild?.members.me?.id).toBe(emu.botUserId);
    expect(emu.requests.some((r) => r.route === 'GET /gateway/bot' && r.authorized)).toBe(true);
  });

  it('registers guild commands through REST and lists them', async () => {
    const registered = await client.application!.commands.set(COMMANDS, emu.guildId);
    expect(registered.size).toBe(3);
    expect(
      emu
        .commands()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['admin', 'recommend', 'search']);
    const put = emu.requests.find((r) => r.method === 'PUT' && r.route === 'PUT /applications/:app/guilds/:guild/commands');
    expect(put?.status).toBe(200);
    // Re-registering keeps ids, as Discord does.
    const again = await client.application!.commands.set(COMMANDS, emu.guildId);
    expect([...again.keys()].sort()).toEqual([...registered.keys()].sort());
  });

  it('delivers a slash command with typed options and records reply, edit and follow-up', async () => {
    const seen: unknown[] = [];
    const handled = nextInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
      seen.push(
        interaction.commandName,
        interaction.options.getInteger('count'),
        interaction.options.getString('genre'),
        interaction.options.getBoolean('private'),
        interaction.options.getNumber('min-rating'),
      );
      seen.push(interaction.memberPermissions?.has('ManageGuild'));
      await interaction.reply({ content: 'Looking...', embeds: [{ title: 'Draft' }] });
      await interaction.editReply({ content: 'Here are 3 picks', embeds: [{ title: 'The Godfather', description: '1972' }] });
      await interaction.followUp({ content: 'Rate them with reactions', flags: MessageFlags.Ephemeral });
    });
    const i = await emu.runCommand({ userId: alice, name: 'recommend', options: { count: '3', genre: 'drama', private: false, 'min-rating': 3.5 } });
    await handled;
    await i.settled();
    expect(seen).toEqual(['recommend', 3, 'drama', false, 3.5, true]);
    expect(i.responses.map((r) => r.kind)).toEqual(['callback', 'editOriginal', 'followUp']);
    expect((await i.reply()).type).toBe(4);
    expect(i.finalContent()).toBe('Here are 3 picks');
    expect(i.finalEmbeds()[0]?.title).toBe('The Godfather');
    expect(i.followUps()).toHaveLength(1);
    expect(i.followUps()[0]?.ephemeral).toBe(true);
    const original = i.original()!;
    expect(original.authorId).toBe(emu.botUserId);
    expect(emu.messages(emu.channelId).some((m) => m.id === original.id)).toBe(true);
  });

  it('records deferReply then editReply for a subcommand, and hides admin commands from members without the permission', async () => {
    const handled = nextInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
      await interaction.deferReply();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await interaction.editReply(`manage guild: ${interaction.memberPermissions?.has('ManageGuild')}; epochs ${interaction.options.getInteger('epochs')} via ${interaction.options.getSubcommand()}`);
    });
    const i = await emu.runCommand({ userId: alice, name: 'admin', subcommand: 'retrain', options: [{ name: 'epochs', value: 5 }] });
    await i.settled({ quietMs: 100 });
    await handled;
    expect(i.responses.map((r) => (r.kind === 'callback' ? `callback ${r.type}` : r.kind))).toEqual(['callback 5', 'editOriginal']);
    expect(i.finalContent()).toBe('manage guild: true; epochs 5 via retrain');
    await expect(emu.runCommand({ userId: bob, name: 'admin', subcommand: 'status' })).rejects.toThrow(/default_member_permissions 32/);
  });

  it('refuses to dispatch commands or options that were never registered', async () => {
    await expect(emu.runCommand({ userId: alice, name: 'nope' })).rejects.toThrow(/no command 'nope' is registered; registered: /);
    await expect(emu.runCommand({ userId: alice, name: 'recommend', options: { colour: 'red' } })).rejects.toThrow(/has no option 'colour'/);
    await expect(emu.runCommand({ userId: alice, name: 'recommend', options: { genre: 'horror' } })).rejects.toThrow(/must be one of "drama", "comedy"/);
    await expect(emu.runCommand({ userId: alice, name: 'recommend', options: { count: 11 } })).rejects.toThrow(/at most 10/);
    await expect(emu.runCommand({ userId: alice, name: 'admin' })).rejects.toThrow(/needs a subcommand/);
    await expect(emu.runCommand({ userId: alice, name: 'search' })).rejects.toThrow(/needs option\(s\) query/);
  });

  it('returns autocomplete choices the client responds with', async () => {
    const handled = nextInteraction(client, async (interaction) => {
      if (!interaction.isAutocomplete()) throw new Error('expected autocomplete');
      const typed = interaction.options.getFocused();
      await interaction.respond([
        { name: `The Godfather (${typed})`, value: '858' },
        { name: 'The Godfather Part II', value: '1221' },
      ]);
    });
    const choices = await emu.autocomplete({ userId: alice, name: 'search', focused: 'query', value: 'godf' });
    await handled;
    expect(choices).toEqual([
      { name: 'The Godfather (godf)', value: '858' },
      { name: 'The Godfather Part II', value: '1221' },
    ]);
  });

  it('dispatches a button click on a bot message and records the update', async () => {
    const channel = client.channels.cache.get(emu.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send({
      content: 'Pick one',
      components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, style: ButtonStyle.Primary, custom_id: 'more:1', label: 'More' }] }],
    });
    const handled = nextInteraction(client, async (interaction) => {
      if (!interaction.isButton()) throw new Error('expected a button');
      await interaction.update({ content: `More for ${interaction.user.username}`, components: [] });
    });
    const b = await emu.clickButton({ userId: bob, messageId: sent.id, customId: 'more:1' });
    await handled;
    await b.settled();
    expect((await b.reply()).type).toBe(7);
    expect(emu.message(sent.id)?.content).toBe('More for bob');
    expect(b.finalContent()).toBe('More for bob');
  });

  it('dispatches select menu picks and modal submits, and records the modal the bot opened', async () => {
    const channel = client.channels.cache.get(emu.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send({
      content: 'Genre?',
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.StringSelect,
              custom_id: 'genre',
              options: [
                { label: 'Drama', value: 'drama' },
                { label: 'Comedy', value: 'comedy' },
              ],
            },
          ],
        },
      ],
    });
    const picked = nextInteraction(client, async (interaction) => {
      if (!interaction.isStringSelectMenu()) throw new Error('expected a select menu');
      await interaction.showModal({
        custom_id: `why:${interaction.values.join(',')}`,
        title: 'Why?',
        components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.TextInput, custom_id: 'reason', label: 'Reason', style: 1 }] }],
      });
    });
    const s = await emu.selectMenu({ userId: bob, messageId: sent.id, customId: 'genre', values: ['comedy'] });
    await picked;
    expect((await s.reply()).type).toBe(9);
    expect(s.modal()).toMatchObject({ custom_id: 'why:comedy', title: 'Why?' });

    const submitted = nextInteraction(client, async (interaction) => {
      if (!interaction.isModalSubmit()) throw new Error('expected a modal submit');
      await interaction.reply({ content: `noted: ${interaction.fields.getTextInputValue('reason')}`, flags: MessageFlags.Ephemeral });
    });
    const m = await emu.submitModal({ userId: bob, customId: 'why:comedy', fields: { reason: 'it is funny' }, messageId: sent.id });
    await submitted;
    await m.settled({ quietMs: 50 });
    expect(m.finalContent()).toBe('noted: it is funny');
    expect(m.original()?.ephemeral).toBe(true);
    await expect(emu.react({ userId: bob, messageId: m.original()!.id, emoji: '👍' })).rejects.toThrow(/ephemeral/);
  });

  it('delivers a reaction on a message the client never cached (partials)', async () => {
    // Posted "before the bot connected": no gateway event, so the client never cached it.
    const posted = emu.seedMessage({ content: 'old recommendation' });
    const received = new Promise<{ reaction: MessageReaction | PartialMessageReaction; user: User | PartialUser }>((resolve) => {
      client.once(Events.MessageReactionAdd, (reaction, user) => resolve({ reaction, user }));
    });
    await emu.react({ userId: bob, messageId: posted.id, emoji: '👍' });
    const { reaction, user } = await received;
    expect(reaction.partial || reaction.message.partial).toBe(true);
    expect(reaction.message.id).toBe(posted.id);
    expect(reaction.emoji.name).toBe('👍');
    expect(user.id).toBe(bob);
    expect(emu.message(posted.id)?.reactions).toEqual([{ emoji: '👍', userIds: [bob] }]);
  });

  it('records message.react on the message and lists reacting users over REST', async () => {
    const channel = client.channels.cache.get(emu.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send('React to me');
    await emu.react({ userId: alice, messageId: sent.id, emoji: '👍' });
    await sent.react('👍');
    await sent.react('👎');
    expect(emu.message(sent.id)?.reactions).toEqual([
      { emoji: '👍', userIds: [alice, emu.botUserId] },
      { emoji: '👎', userIds: [emu.botUserId] },
    ]);
    const put = emu.requests.filter((r) => r.method === 'PUT' && r.route === 'PUT /channels/:channel/messages/:message/reactions/:emoji/@me');
    expect(put.map((r) => decodeURIComponent(r.path.split('/')[6]!))).toEqual(['👍', '👎']);
    const users = await sent.reactions.cache.get('👍')!.users.fetch({ limit: 10 });
    expect([...users.keys()].sort()).toEqual([alice, emu.botUserId].sort());
    await expect(sent.react('thumbsup')).rejects.toThrow(/Unknown Emoji/);
  });

  it('answers unknown routes with a Discord-style 404 and records them', async () => {
    await expect(client.rest.get('/nothing/here')).rejects.toThrow(/404: Not Found/);
    const last = emu.requests.at(-1);
    expect(last).toMatchObject({ method: 'GET', path: '/nothing/here', route: null, status: 404 });
  });

  it('resumes after the gateway connection drops and keeps receiving events, including ones sent while away', async () => {
    const resumed = once(client, Events.ShardResume);
    const posted = await emu.sendMessage({ userId: alice, content: 'while away' });
    expect(emu.dropGatewayConnections()).toBe(1);
    // Dispatched while the bot is disconnected: replayed on RESUME.
    const received = new Promise<string>((resolve) => client.once(Events.MessageReactionAdd, (reaction, user) => resolve(`${reaction.emoji.name} by ${user.id}`)));
    await emu.react({ userId: bob, messageId: posted.id, emoji: '🎬' });
    await resumed;
    expect(await received).toBe(`🎬 by ${bob}`);
    expect(emu.sessions()).toHaveLength(1);
    const handled = nextInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply('still here');
    });
    const i = await emu.runCommand({ userId: alice, name: 'recommend' });
    await handled;
    expect((await i.settled()).finalContent()).toBe('still here');
  });
});

describe('login failures', () => {
  it('fails login with a clear error for a wrong token', async () => {
    const emu = await startDiscordEmulator();
    const client = newClient();
    client.rest.options.api = emu.apiUrl;
    try {
      await expect(client.login('not-the-token')).rejects.toThrow(/invalid token/i);
    } finally {
      await client.destroy();
      await emu.close();
    }
  });
});
