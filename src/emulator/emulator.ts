import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ComponentType, GatewayDispatchEvents, MessageFlags, PermissionFlagsBits, type APIApplicationCommandOptionChoice } from 'discord.js';
import { Gateway } from './gateway.ts';
import { buildCommandOptions, findCommand, findComponent, InteractionHandleImpl, waitUntil, type StoredInteraction } from './interactions.ts';
import { dispatchMessage, dispatchReaction, RestApi } from './rest.ts';
import type { EmulatedScheduledEvent } from './scheduled-events.ts';
import { EmulatorState, resolvePermissions, type StoredChannel, type StoredMessage, type StoredRole } from './state.ts';
import type {
  AutocompleteInput,
  ClickButtonInput,
  DiscordEmulatorOptions,
  EmulatedCommand,
  EmulatedCommandPermission,
  EmulatedMember,
  EmulatedMessage,
  EmulatedOverwriteInput,
  EmulatedRole,
  InteractionHandle,
  ModalSubmitInput,
  PermissionsInput,
  ReactInput,
  RecordedDispatch,
  RecordedRequest,
  RunCommandInput,
  SelectMenuInput,
} from './types.ts';

type Json = Record<string, unknown>;

/**
 * A local Discord (REST + gateway on one port) that the real discord.js Client runs against.
 * Start it with {@link startDiscordEmulator}; point the client at it with `rest: { api: emu.apiUrl }`.
 */
export class DiscordEmulator {
  /** Every REST call, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly #state: EmulatorState;
  readonly #gateway: Gateway;
  readonly #rest: RestApi;
  readonly #interactions = new Map<string, StoredInteraction>();
  readonly #server: Server;
  #port = 0;
  #closed = false;

  constructor(
    options: DiscordEmulatorOptions = {},
    private readonly host = options.host ?? '127.0.0.1',
  ) {
    this.#state = new EmulatorState(options);
    this.#gateway = new Gateway(this.#state, { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250, url: () => this.gatewayUrl });
    this.#rest = new RestApi({
      state: this.#state,
      gateway: this.#gateway,
      interactions: this.#interactions,
      requests: this.requests,
      interactionDeadlineMs: options.interactionDeadlineMs === undefined ? 3000 : options.interactionDeadlineMs,
      reactionIntervalMs: options.enforceReactionRateLimit === true ? 250 : options.enforceReactionRateLimit ? options.enforceReactionRateLimit.intervalMs : null,
      gatewayUrl: () => this.gatewayUrl,
      recommendedShards: options.recommendedShards ?? 1,
    });
    this.#server = createServer((request, response) => {
      if (!request.url?.startsWith('/api')) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 0, message: '404: Not Found' }));
        return;
      }
      this.#rest.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500).end(String(error));
      });
    });
    this.#server.on('upgrade', (request, socket, head) => this.#gateway.handleUpgrade(request, socket, head));
  }

  /** @internal Starts listening; {@link startDiscordEmulator} calls it. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, this.host, () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Base URL for discord.js's `rest.api` option, e.g. `http://127.0.0.1:PORT/api` (discord.js appends `/v10`). */
  get apiUrl(): string {
    return `http://${this.host}:${this.#port}/api`;
  }

  /** The gateway address `GET /gateway/bot` hands out. */
  get gatewayUrl(): string {
    return `ws://${this.host}:${this.#port}`;
  }

  get token(): string {
    return this.#state.token;
  }

  get applicationId(): string {
    return this.#state.applicationId;
  }

  get botUserId(): string {
    return this.#state.bot.id;
  }

  get guildId(): string {
    return this.#state.guild.id;
  }

  /** The default text channel (the first one given, or 'general'). */
  get channelId(): string {
    return this.#state.defaultChannelId;
  }

  /** Member ids besides the bot, in the order given. */
  get memberIds(): string[] {
    return [...this.#state.members.keys()].filter((id) => id !== this.#state.bot.id);
  }

  /** Every gateway dispatch sent (or buffered for a disconnected session), in order. */
  get dispatches(): RecordedDispatch[] {
    return this.#gateway.dispatches;
  }

  /** Gateway sessions: id, intents, last sequence number, whether a connection is attached. */
  sessions(): { id: string; intents: number; shard: [number, number]; seq: number; connected: boolean }[] {
    return this.#gateway.sessions();
  }

  /** Registered commands: the guild's (default: the emulated guild) followed by global ones; pass `'global'` for global ones only. */
  commands(scope: 'all' | 'global' | 'guild' = 'all'): EmulatedCommand[] {
    const guild = [...(this.#state.guildCommands.get(this.#state.guild.id)?.values() ?? [])];
    const global = [...this.#state.globalCommands.values()];
    const list = scope === 'global' ? global : scope === 'guild' ? guild : [...guild, ...global];
    return structuredClone(list) as unknown as EmulatedCommand[];
  }

  /**
   * A member runs a slash command: dispatches INTERACTION_CREATE (type 2) with options typed from the
   * registered definition. Throws at once (nothing dispatched) for an unregistered command, unknown
   * or missing options, values Discord's client would not allow, or a member the command is not for:
   * lacking its `default_member_permissions`, or kept out by command permissions (Discord hides such
   * commands from them; see {@link setCommandPermissions}).
   */
  async runCommand(input: RunCommandInput): Promise<InteractionHandle> {
    const command = findCommand(this.#state, input.name);
    const channel = this.#commandChannel(input, command);
    const { options, resolved } = buildCommandOptions(this.#state, command, { ...input, channelId: channel.id });
    return this.#dispatchInteraction(2, input.userId, channel.id, input.locale, String(command.name), {
      id: command.id,
      name: command.name,
      type: command.type ?? 1,
      guild_id: command.guild_id,
      ...(options.length > 0 ? { options } : {}),
      ...(resolved ? { resolved } : {}),
    });
  }

  /** A member types into an autocomplete option: dispatches INTERACTION_CREATE (type 4) and resolves with the choices the bot answered. */
  async autocomplete(input: AutocompleteInput): Promise<APIApplicationCommandOptionChoice[]> {
    const command = findCommand(this.#state, input.name);
    const channel = this.#commandChannel(input, command);
    const { options } = buildCommandOptions(this.#state, command, { ...input, channelId: channel.id }, { name: input.focused, value: input.value });
    const handle = await this.#dispatchInteraction(4, input.userId, channel.id, input.locale, String(command.name), {
      id: command.id,
      name: command.name,
      type: command.type ?? 1,
      guild_id: command.guild_id,
      options,
    });
    await handle.reply({ timeoutMs: input.timeoutMs ?? 5000 });
    return handle.choices() ?? [];
  }

  /** A member clicks a button on a message: dispatches INTERACTION_CREATE (type 3). */
  async clickButton(input: ClickButtonInput): Promise<InteractionHandle> {
    const message = this.#messageForTest(input.messageId);
    const component = findComponent(message.components, input.customId);
    if (!component || component.type !== ComponentType.Button) {
      throw new Error(`Discord emulator: message ${message.id} has no button with custom_id '${input.customId}'; its custom_ids are ${listCustomIds(message.components).join(', ') || '(none)'}`);
    }
    if (component.disabled) throw new Error(`Discord emulator: button '${input.customId}' on message ${message.id} is disabled; Discord does not let users click it`);
    return this.#dispatchInteraction(3, input.userId, message.channelId, input.locale, null, { custom_id: input.customId, component_type: ComponentType.Button }, message);
  }

  /** A member picks values in a string select menu: dispatches INTERACTION_CREATE (type 3). */
  async selectMenu(input: SelectMenuInput): Promise<InteractionHandle> {
    const message = this.#messageForTest(input.messageId);
    const component = findComponent(message.components, input.customId);
    if (!component || component.type !== ComponentType.StringSelect) {
      throw new Error(`Discord emulator: message ${message.id} has no string select with custom_id '${input.customId}'`);
    }
    const known = ((component.options ?? []) as Json[]).map((o) => String(o.value));
    const unknown = input.values.filter((v) => !known.includes(v));
    if (unknown.length > 0) throw new Error(`Discord emulator: select '${input.customId}' has no option(s) ${unknown.join(', ')}; options are ${known.join(', ')}`);
    return this.#dispatchInteraction(3, input.userId, message.channelId, input.locale, null, { custom_id: input.customId, component_type: ComponentType.StringSelect, values: input.values }, message);
  }

  /** A member submits a modal: dispatches INTERACTION_CREATE (type 5) with one text input per field. */
  async submitModal(input: ModalSubmitInput): Promise<InteractionHandle> {
    const message = input.messageId ? this.#messageForTest(input.messageId) : undefined;
    const components = Object.entries(input.fields).map(([customId, value]) => ({
      type: ComponentType.ActionRow,
      components: [{ type: ComponentType.TextInput, custom_id: customId, value }],
    }));
    return this.#dispatchInteraction(5, input.userId, input.channelId ?? message?.channelId, input.locale, null, { custom_id: input.customId, components }, message);
  }

  /** A member reacts to a message: updates its reactions and dispatches MESSAGE_REACTION_ADD (if the bot asked for reaction events). */
  async react(input: ReactInput): Promise<void> {
    const message = this.#messageForTest(input.messageId);
    this.#state.memberForTest(input.userId);
    if (message.flags & MessageFlags.Ephemeral) throw new Error(`Discord emulator: message ${message.id} is ephemeral; nobody can react to it`);
    const emoji = this.#emojiForTest(input.emoji);
    const isNew = !message.reactions.some((r) => r.key === emoji.key && r.userIds.length > 0);
    const needed = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory | (isNew ? PermissionFlagsBits.AddReactions : 0n);
    if ((this.#state.permissionsIn(input.userId, message.channelId) & needed) !== needed) {
      throw new Error(
        `Discord emulator: member ${input.userId} lacks View Channel, Read Message History${isNew ? ' or Add Reactions' : ''} in channel ${message.channelId}; Discord would not let them react there`,
      );
    }
    if (this.#state.addReaction(message, emoji, input.userId)) dispatchReaction(this.#core, GatewayDispatchEvents.MessageReactionAdd, message, emoji, input.userId);
  }

  /** A member removes their reaction: dispatches MESSAGE_REACTION_REMOVE. */
  async unreact(input: ReactInput): Promise<void> {
    const message = this.#messageForTest(input.messageId);
    this.#state.memberForTest(input.userId);
    const emoji = this.#emojiForTest(input.emoji);
    if (this.#state.removeReaction(message, emoji.key, input.userId)) dispatchReaction(this.#core, GatewayDispatchEvents.MessageReactionRemove, message, emoji, input.userId);
  }

  /** A member posts a message in a channel (MESSAGE_CREATE if the bot asked for message events). Returns the message. */
  async sendMessage(input: { userId: string; content: string; channelId?: string }): Promise<EmulatedMessage> {
    this.#state.memberForTest(input.userId);
    const message = this.#state.createMessage({ channelId: input.channelId ?? this.channelId, authorId: input.userId, body: { content: input.content } });
    dispatchMessage(this.#core, GatewayDispatchEvents.MessageCreate, message);
    return this.#state.messageView(message);
  }

  /**
   * Puts a message into a channel without any gateway event, as if it was posted before the bot
   * connected (e.g. a recommendation the bot made before a restart). `authorId` defaults to the bot.
   */
  seedMessage(input: { content?: string; authorId?: string; channelId?: string; embeds?: unknown[]; components?: unknown[] }): EmulatedMessage {
    const authorId = input.authorId ?? this.#state.bot.id;
    this.#state.memberForTest(authorId);
    const body = this.#state.readMessageBody({ content: input.content ?? '', embeds: input.embeds, components: input.components }, { creating: true });
    const message = this.#state.createMessage({ channelId: input.channelId ?? this.channelId, authorId, body });
    return this.#state.messageView(message);
  }

  /** Messages of one channel (or of all channels), oldest first, including ephemeral interaction responses (marked `ephemeral`). */
  messages(channelId?: string): EmulatedMessage[] {
    return [...this.#state.messages.values()].filter((m) => channelId === undefined || m.channelId === channelId).map((m) => this.#state.messageView(m));
  }

  /** One message by id, if it exists. */
  message(id: string): EmulatedMessage | undefined {
    const message = this.#state.messages.get(id);
    return message ? this.#state.messageView(message) : undefined;
  }

  /** The guild's scheduled events, oldest first. */
  scheduledEvents(): EmulatedScheduledEvent[] {
    return [...this.#rest.scheduledEvents.events.values()];
  }

  /** Polls `condition` (every 10 ms) until it is truthy; rejects with `message` after `timeoutMs` (default 5 s). */
  async waitFor(condition: () => unknown, { timeoutMs = 5000, message }: { timeoutMs?: number; message?: string } = {}): Promise<void> {
    try {
      await waitUntil(() => Boolean(condition()), timeoutMs);
    } catch {
      throw new Error(`Discord emulator: waitFor timed out after ${timeoutMs} ms${message ? `: ${message}` : ''}`);
    }
  }

  /** The guild's roles, @everyone (id = guild id) first. */
  roles(): EmulatedRole[] {
    return [...this.#state.roles.values()].map((role) => this.#state.roleView(role));
  }

  /** A member (or the bot) with their role ids and guild-level permissions. */
  member(userId: string): EmulatedMember {
    return this.#state.memberView(userId);
  }

  /** What Discord computes for a member in a channel: roles, overwrites, and implicit removals (nothing without View Channel). */
  permissionsIn(userId: string, channelId: string): bigint {
    this.#state.memberForTest(userId);
    this.#channelForTest(channelId);
    return this.#state.permissionsIn(userId, channelId);
  }

  /** A server admin creates a role: GUILD_ROLE_CREATE. Nobody has it yet. */
  createRole(input: { name: string; permissions?: PermissionsInput; id?: string }): EmulatedRole {
    const id = input.id ?? this.#state.ids.next();
    if (this.#state.roles.has(id)) throw new Error(`Discord emulator: role ${id} exists already`);
    const position = Math.max(...[...this.#state.roles.values()].map((r) => r.position)) + 1;
    const role: StoredRole = { id, name: input.name, permissions: input.permissions === undefined ? 0n : resolvePermissions(input.permissions), position, managed: false };
    this.#state.roles.set(id, role);
    this.#gateway.dispatch(GatewayDispatchEvents.GuildRoleCreate, { guild_id: this.guildId, role: this.#state.roleJson(role) });
    return this.#state.roleView(role);
  }

  /**
   * A server admin edits a role (@everyone's id is the guild id; the bot's managed role may be edited
   * too): GUILD_ROLE_UPDATE. Interactions dispatched afterwards carry the members' new permissions.
   */
  updateRole(roleId: string, change: { name?: string; permissions?: PermissionsInput }): EmulatedRole {
    const role = this.#roleForTest(roleId);
    const permissions = change.permissions === undefined ? role.permissions : resolvePermissions(change.permissions);
    this.#changingBotView(() => {
      if (change.name !== undefined) role.name = change.name;
      role.permissions = permissions;
      this.#gateway.dispatch(GatewayDispatchEvents.GuildRoleUpdate, { guild_id: this.guildId, role: this.#state.roleJson(role) });
    });
    return this.#state.roleView(role);
  }

  /**
   * A server admin sets a member's roles: GUILD_MEMBER_UPDATE, which Discord sends only to sessions
   * with the GuildMembers intent, or about the bot itself. @everyone and managed roles cannot be given,
   * nor the bot's managed role taken away.
   */
  setMemberRoles(userId: string, roleIds: readonly string[]): EmulatedMember {
    const member = this.#state.memberForTest(userId);
    for (const id of roleIds) {
      const role = this.#roleForTest(id);
      if (role.id === this.guildId || (role.managed && role.botId !== userId)) throw new Error(`Discord emulator: role ${role.name} cannot be given to a member`);
    }
    const managed = member.roleIds.find((id) => this.#state.roles.get(id)?.managed && !roleIds.includes(id));
    if (managed) throw new Error(`Discord emulator: the managed role ${managed} cannot be taken from ${userId}`);
    this.#changingBotView(() => {
      member.roleIds = [...new Set(roleIds)];
      this.#gateway.dispatch(GatewayDispatchEvents.GuildMemberUpdate, { guild_id: this.guildId, ...this.#state.memberJson(userId) });
    });
    return this.#state.memberView(userId);
  }

  addMemberRole(userId: string, roleId: string): EmulatedMember {
    return this.setMemberRoles(userId, [...this.#state.memberForTest(userId).roleIds, roleId]);
  }

  removeMemberRole(userId: string, roleId: string): EmulatedMember {
    return this.setMemberRoles(
      userId,
      this.#state.memberForTest(userId).roleIds.filter((id) => id !== roleId),
    );
  }

  /**
   * A server admin sets (replaces) a channel's permission overwrite for a role or member: CHANNEL_UPDATE.
   * A channel the bot can no longer view reaches it obfuscated (name `___hidden___`, CHANNEL_OBFUSCATED
   * flag), and from then on nothing that happens in it is dispatched, and REST about it answers 403 50001.
   */
  setChannelOverwrite(channelId: string, overwrite: EmulatedOverwriteInput): void {
    const channel = this.#channelForTest(channelId);
    const stored = this.#state.readOverwrite(overwrite);
    this.#changingBotView(() => {
      channel.overwrites = [...channel.overwrites.filter((o) => o.id !== stored.id), stored];
      this.#dispatchChannelUpdate(channel);
    }, channel.id);
  }

  /** A server admin removes a channel's overwrite for a role or member: CHANNEL_UPDATE. */
  deleteChannelOverwrite(channelId: string, id: string): void {
    const channel = this.#channelForTest(channelId);
    if (!channel.overwrites.some((o) => o.id === id)) throw new Error(`Discord emulator: channel ${channelId} has no overwrite for ${id}`);
    this.#changingBotView(() => {
      channel.overwrites = channel.overwrites.filter((o) => o.id !== id);
      this.#dispatchChannelUpdate(channel);
    }, channel.id);
  }

  /**
   * A server admin sets who may use a command (Server Settings > Integrations), replacing its previous
   * entries; without `command`, the application-wide entries for all commands. Dispatches
   * APPLICATION_COMMAND_PERMISSIONS_UPDATE. Entries can let members run a command whatever its
   * `default_member_permissions`, which is why bots must check permissions themselves.
   */
  setCommandPermissions(input: { command?: string; permissions: readonly EmulatedCommandPermission[] }): void {
    const id = input.command === undefined ? this.applicationId : String(findCommand(this.#state, input.command).id);
    const entries = this.#state.readCommandPermissions(input.permissions);
    if (entries.length === 0) this.#state.commandPermissions.delete(id);
    else this.#state.commandPermissions.set(id, entries);
    this.#gateway.dispatch(GatewayDispatchEvents.ApplicationCommandPermissionsUpdate, this.#state.commandPermissionsJson(id));
  }

  /** Cuts every gateway connection abruptly (default) or with a close `code`; sessions stay resumable and buffer events meanwhile. Returns how many were cut. */
  dropGatewayConnections(options: { code?: number } = {}): number {
    return this.#gateway.dropConnections(options.code);
  }

  /** Sends op 7 RECONNECT; discord.js reconnects and resumes. */
  requestReconnect(): void {
    this.#gateway.requestReconnect();
  }

  /** Forgets all gateway sessions, so the next RESUME gets INVALID_SESSION and the bot identifies anew. */
  invalidateSessions(): void {
    this.#gateway.invalidateSessions();
  }

  /** Stops the servers and cuts every connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  get #core() {
    return { state: this.#state, gateway: this.#gateway };
  }

  #channelForTest(id: string): StoredChannel {
    const channel = this.#state.channels.get(id);
    if (!channel) throw new Error(`Discord emulator: no channel with id ${id}; channels are ${[...this.#state.channels.values()].map((c) => `${c.id} (${c.name})`).join(', ')}`);
    return channel;
  }

  #roleForTest(id: string): StoredRole {
    const role = this.#state.roles.get(id);
    if (!role) throw new Error(`Discord emulator: no role with id ${id}; roles are ${[...this.#state.roles.values()].map((r) => `${r.id} (${r.name})`).join(', ')}`);
    return role;
  }

  /** The channel a command is run in, after checking Discord would offer the member the command there. */
  #commandChannel(input: { userId: string; channelId?: string }, command: Json): StoredChannel {
    this.#state.memberForTest(input.userId);
    const channel = this.#channelForTest(input.channelId ?? this.channelId);
    const refused = this.#state.commandAccess(input.userId, command, channel.id);
    if (refused) throw new Error(`Discord emulator: ${refused}; Discord would not offer them the command`);
    return channel;
  }

  #dispatchChannelUpdate(channel: StoredChannel): void {
    this.#gateway.dispatch(GatewayDispatchEvents.ChannelUpdate, this.#state.channelJsonForBot(channel));
  }

  /**
   * Runs a change to roles or overwrites; channels the bot can view again afterwards get a CHANNEL_UPDATE
   * with their whole data, as Discord documents for obfuscated channels (`except`: the channel the
   * change itself updates).
   */
  #changingBotView(change: () => void, except?: string): void {
    const hidden = [...this.#state.channels.values()].filter((c) => !this.#state.botCanView(c.id));
    change();
    for (const channel of hidden) if (channel.id !== except && this.#state.botCanView(channel.id)) this.#dispatchChannelUpdate(channel);
  }

  #messageForTest(id: string): StoredMessage {
    const message = this.#state.messages.get(id);
    if (!message) throw new Error(`Discord emulator: no message with id ${id} (it may have been deleted)`);
    return message;
  }

  #emojiForTest(raw: string): ReturnType<EmulatorState['parseEmoji']> {
    try {
      return this.#state.parseEmoji(raw);
    } catch {
      throw new Error(`Discord emulator: '${raw}' is not a unicode emoji or a known custom emoji (name:id)`);
    }
  }

  async #dispatchInteraction(
    type: number,
    userId: string,
    channelId: string | undefined,
    locale: string | undefined,
    commandName: string | null,
    data: Json,
    message?: StoredMessage,
  ): Promise<InteractionHandle> {
    if (this.#closed) throw new Error('Discord emulator: it is closed');
    if (!this.#gateway.hasSession()) throw new Error('Discord emulator: no bot is connected to the gateway (log the client in and wait for ready first)');
    this.#state.memberForTest(userId);
    const channel = this.#state.channels.get(channelId ?? this.channelId);
    if (!channel) throw new Error(`Discord emulator: no channel with id ${String(channelId)}`);
    const interaction: StoredInteraction = {
      id: this.#state.ids.next(),
      token: `aW50ZXJhY3Rpb24.${randomBytes(48).toString('base64url')}`,
      type,
      userId,
      channelId: channel.id,
      commandName,
      createdAt: Date.now(),
      callbackType: null,
      originalMessageId: null,
      componentMessageId: message?.id ?? null,
      loadingOriginal: false,
      followUpIds: [],
      responses: [],
      lastActivityAt: Date.now(),
    };
    this.#interactions.set(interaction.id, interaction);
    // Computed now, at each interaction, as Discord does; without implicit removals, as its payloads carry them.
    const botPermissions = this.#state.permissionsIn(this.#state.bot.id, channel.id, { implicit: false }).toString();
    const memberPermissions = this.#state.permissionsIn(userId, channel.id, { implicit: false }).toString();
    this.#gateway.dispatch(GatewayDispatchEvents.InteractionCreate, {
      id: interaction.id,
      application_id: this.#state.applicationId,
      type,
      data,
      guild: { id: this.#state.guild.id, locale: 'en-US', features: [] },
      guild_id: this.#state.guild.id,
      // Interactions always carry the whole channel, even one the bot cannot view.
      channel: { ...this.#state.channelJson(channel), permissions: memberPermissions },
      channel_id: channel.id,
      member: { ...this.#state.memberJson(userId), permissions: memberPermissions },
      token: interaction.token,
      version: 1,
      app_permissions: botPermissions,
      locale: locale ?? 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.#state.guild.id },
      context: 0,
      attachment_size_limit: 10_485_760,
      ...(message ? { message: this.#state.messageJson(message) } : {}),
    });
    return new InteractionHandleImpl(interaction, this.#state);
  }
}

function listCustomIds(components: unknown, out: string[] = []): string[] {
  if (Array.isArray(components)) for (const child of components) listCustomIds(child, out);
  else if (components && typeof components === 'object') {
    const node = components as Json;
    if (typeof node.custom_id === 'string') out.push(node.custom_id);
    listCustomIds(node.components, out);
    listCustomIds(node.accessory, out);
  }
  return out;
}

/** Starts a Discord emulator on a free port of 127.0.0.1. Call `close()` when done (in afterAll). */
export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const emulator = new DiscordEmulator(options);
  await emulator.listen();
  return emulator;
}
