import { randomBytes } from 'node:crypto';
import {
  ApplicationCommandPermissionType,
  ChannelFlags,
  ChannelType,
  MessageFlags,
  MessageType,
  OverwriteType,
  PermissionFlagsBits,
  PermissionsBitField,
  type APIEmbed,
  type APIMessage,
  type APIMessageTopLevelComponent,
} from 'discord.js';
import { DiscordApiError, emptyMessage, invalidFormBody, unknownChannel, unknownEmoji, unknownMember, unknownMessage } from './errors.ts';
import { compareSnowflakes, SnowflakeGenerator } from './snowflake.ts';
import type { DiscordEmulatorOptions, EmulatedCommandPermission, EmulatedMember, EmulatedMessage, EmulatedOverwriteInput, EmulatedReaction, EmulatedRole, PermissionsInput } from './types.ts';

type Json = Record<string, unknown>;

export interface StoredUser {
  id: string;
  username: string;
  bot: boolean;
}

export interface StoredMember {
  user: StoredUser;
  roleIds: string[];
  nick: string | null;
  joinedAt: string;
}

export interface StoredRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
  botId?: string;
}

export interface StoredChannel {
  id: string;
  name: string;
  type: ChannelType;
  position: number;
  overwrites: StoredOverwrite[];
}

export interface StoredOverwrite {
  id: string;
  type: OverwriteType;
  allow: bigint;
  deny: bigint;
}

export interface StoredCommandPermission {
  id: string;
  type: ApplicationCommandPermissionType;
  permission: boolean;
}

export interface StoredEmoji {
  id: string;
  name: string;
  animated: boolean;
}

export interface StoredReaction {
  /** Unicode emoji, or `name:id`. */
  key: string;
  emoji: { id: string | null; name: string; animated?: boolean };
  userIds: string[];
}

export interface InteractionLink {
  id: string;
  type: number;
  userId: string;
  name?: string;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  allowedMentions: unknown;
  flags: number;
  type: MessageType;
  createdAt: Date;
  editedAt: Date | null;
  reactions: StoredReaction[];
  interaction: InteractionLink | null;
  webhookId: string | null;
  messageReference: Json | null;
  nonce: unknown;
  tts: boolean;
}

/** Permissions @everyone gets unless the test says otherwise: what a fresh Discord server grants members, trimmed to what matters here. */
export const DEFAULT_EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseExternalEmojis |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands;

/** Permissions of the bot's managed role unless the test says otherwise (what the invite link asks for). */
export const DEFAULT_BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseExternalEmojis;

const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** What a channel the bot cannot view is called over the gateway since Discord's channel obfuscation (mandatory from November 2026). */
export const OBFUSCATED_CHANNEL_NAME = '___hidden___';

/** Permissions Discord takes away implicitly: without Send Messages, nothing that rides on a message. */
const SEND_DEPENDENT = PermissionFlagsBits.MentionEveryone | PermissionFlagsBits.SendTTSMessages | PermissionFlagsBits.AttachFiles | PermissionFlagsBits.EmbedLinks;

const COMMAND_PERMISSION_TYPES: Record<EmulatedCommandPermission['type'], ApplicationCommandPermissionType> = {
  role: ApplicationCommandPermissionType.Role,
  user: ApplicationCommandPermissionType.User,
  channel: ApplicationCommandPermissionType.Channel,
};

/** Reads a permission set given by a test; a plain Error naming what is wrong. */
export function resolvePermissions(input: PermissionsInput): bigint {
  try {
    return PermissionsBitField.resolve(input as Parameters<typeof PermissionsBitField.resolve>[0]);
  } catch (error) {
    throw new Error(`Discord emulator: cannot read permissions ${String(input)}: use a bigint, a flag name such as 'ManageGuild', or a decimal string (${(error as Error).message})`, { cause: error });
  }
}

/** A 'Bot' token shaped like Discord's: base64 of the user id, a timestamp part and an HMAC-looking part. */
function makeToken(botUserId: string): string {
  return `${Buffer.from(botUserId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
}

const UNICODE_EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

/**
 * The emulated Discord world: one guild with its roles, channels, members and emojis, the bot,
 * messages with reactions, and registered application commands. Plain data and rules, no I/O.
 */
export class EmulatorState {
  readonly ids = new SnowflakeGenerator();
  readonly token: string;
  readonly applicationId: string;
  readonly bot: StoredUser;
  readonly guild: { id: string; name: string; ownerId: string; createdAt: string };
  readonly roles = new Map<string, StoredRole>();
  readonly channels = new Map<string, StoredChannel>();
  readonly members = new Map<string, StoredMember>();
  readonly emojis = new Map<string, StoredEmoji>();
  readonly messages = new Map<string, StoredMessage>();
  readonly globalCommands = new Map<string, Json>();
  readonly guildCommands = new Map<string, Map<string, Json>>();
  /** Command permissions set by server admins, by command id (or the application id for all commands). */
  readonly commandPermissions = new Map<string, StoredCommandPermission[]>();

  constructor(options: DiscordEmulatorOptions = {}) {
    this.applicationId = options.applicationId ?? this.ids.next();
    this.bot = { id: options.botUserId ?? this.applicationId, username: options.botUsername ?? 'tastebud', bot: true };
    this.token = options.token ?? makeToken(this.bot.id);
    const guildId = options.guildId ?? this.ids.next();
    const now = new Date().toISOString();

    // @everyone's role id is the guild id, as on Discord.
    this.roles.set(guildId, {
      id: guildId,
      name: '@everyone',
      permissions: options.everyonePermissions === undefined ? DEFAULT_EVERYONE_PERMISSIONS : resolvePermissions(options.everyonePermissions),
      position: 0,
      managed: false,
    });
    const botRole: StoredRole = {
      id: this.ids.next(),
      name: this.bot.username,
      permissions: options.botPermissions === undefined ? DEFAULT_BOT_PERMISSIONS : resolvePermissions(options.botPermissions),
      position: 1,
      managed: true,
      botId: this.bot.id,
    };
    this.roles.set(botRole.id, botRole);
    this.members.set(this.bot.id, { user: this.bot, roleIds: [botRole.id], nick: null, joinedAt: now });

    for (const [index, channel] of (options.channels ?? [{ name: 'general' }]).entries()) {
      const id = channel.id ?? this.ids.next();
      this.channels.set(id, { id, name: channel.name, type: channel.type ?? ChannelType.GuildText, position: index, overwrites: [] });
    }
    if (![...this.channels.values()].some((channel) => channel.type === ChannelType.GuildText)) {
      throw new Error('Discord emulator: options.channels needs at least one text channel (type 0)');
    }

    const namedRoles: StoredRole[] = [];
    for (const [index, input] of (options.roles ?? []).entries()) {
      const role: StoredRole = {
        id: input.id ?? this.ids.next(),
        name: input.name,
        permissions: input.permissions === undefined ? 0n : resolvePermissions(input.permissions),
        position: 2 + index,
        managed: false,
      };
      if (this.roles.has(role.id)) throw new Error(`Discord emulator: role id ${role.id} is given twice`);
      this.roles.set(role.id, role);
      namedRoles.push(role);
    }

    let ownerId: string | undefined;
    for (const input of options.members ?? [{ username: 'alice' }]) {
      const id = input.id ?? this.ids.next();
      if (this.members.has(id)) throw new Error(`Discord emulator: member id ${id} is given twice (or is the bot's id)`);
      const roleIds: string[] = (input.roles ?? []).map((ref) => {
        const role = namedRoles.find((r) => r.id === ref || r.name === ref);
        if (!role) throw new Error(`Discord emulator: member ${input.username} has role '${ref}', which is not in options.roles (${namedRoles.map((r) => r.name).join(', ') || 'none'})`);
        return role.id;
      });
      if (input.permissions !== undefined) {
        const role: StoredRole = { id: this.ids.next(), name: `${input.username} permissions`, permissions: resolvePermissions(input.permissions), position: 2 + namedRoles.length, managed: false };
        this.roles.set(role.id, role);
        roleIds.push(role.id);
      }
      this.members.set(id, { user: { id, username: input.username, bot: input.bot ?? false }, roleIds, nick: input.nick ?? null, joinedAt: now });
      if (input.owner) ownerId = id;
    }
    for (const input of options.emojis ?? []) {
      const id = input.id ?? this.ids.next();
      this.emojis.set(id, { id, name: input.name, animated: input.animated ?? false });
    }
    this.guild = { id: guildId, name: options.guildName ?? 'Emulated Guild', ownerId: ownerId ?? this.ids.next(), createdAt: now };
    for (const [index, input] of (options.channels ?? []).entries()) {
      const channel = [...this.channels.values()][index]!;
      channel.overwrites = (input.permissionOverwrites ?? []).map((overwrite) => this.readOverwrite(overwrite));
    }
  }

  /** Checks an overwrite given by a test (its role or member must exist) and stores it the way Discord does. */
  readOverwrite(input: EmulatedOverwriteInput): StoredOverwrite {
    const type = input.type === 'role' ? OverwriteType.Role : OverwriteType.Member;
    if (type === OverwriteType.Role ? !this.roles.has(input.id) : !this.members.has(input.id)) {
      throw new Error(`Discord emulator: a permission overwrite names ${input.type} ${input.id}, which the guild does not have (@everyone's role id is the guild id)`);
    }
    return {
      id: input.id,
      type,
      allow: input.allow === undefined ? 0n : resolvePermissions(input.allow),
      deny: input.deny === undefined ? 0n : resolvePermissions(input.deny),
    };
  }

  /** Reads command permissions given by a test: at most 100, with role, user and channel ids the guild has. */
  readCommandPermissions(input: readonly EmulatedCommandPermission[]): StoredCommandPermission[] {
    if (input.length > 100) throw new Error('Discord emulator: a command takes at most 100 permission overwrites');
    const allChannels = this.allChannelsId;
    return input.map((p) => {
      const known = p.type === 'role' ? this.roles.has(p.id) : p.type === 'user' ? this.members.has(p.id) : p.id === allChannels || this.channels.has(p.id);
      if (!known) throw new Error(`Discord emulator: command permission for ${p.type} ${p.id}, which the guild does not have`);
      return { id: p.id, type: COMMAND_PERMISSION_TYPES[p.type], permission: p.permission };
    });
  }

  /** The "All Channels" constant of command permissions: the guild id minus one. */
  get allChannelsId(): string {
    return (BigInt(this.guild.id) - 1n).toString();
  }

  /** The first text channel: where things happen unless a test names another. */
  get defaultChannelId(): string {
    const channel = [...this.channels.values()].find((c) => c.type === ChannelType.GuildText);
    return channel!.id;
  }

  channel(id: string): StoredChannel {
    const channel = this.channels.get(id);
    if (!channel) throw unknownChannel();
    return channel;
  }

  member(userId: string): StoredMember {
    const member = this.members.get(userId);
    if (!member) throw unknownMember();
    return member;
  }

  /** Like {@link member} but for test-driver calls: a plain Error naming the known members. */
  memberForTest(userId: string): StoredMember {
    const member = this.members.get(userId);
    if (!member) {
      const known = [...this.members.values()].map((m) => `${m.user.id} (${m.user.username})`).join(', ');
      throw new Error(`Discord emulator: no member with id ${userId}; members are ${known}`);
    }
    return member;
  }

  /**
   * A message by id. With `channelId` (the channel routes) it must be in that channel and not
   * ephemeral: Discord's channel endpoints do not know ephemeral messages (only the interaction webhook does).
   */
  message(id: string, channelId?: string): StoredMessage {
    const message = this.messages.get(id);
    if (!message) throw unknownMessage();
    if (channelId !== undefined && (message.channelId !== channelId || (message.flags & MessageFlags.Ephemeral) !== 0)) throw unknownMessage();
    return message;
  }

  /** Guild-level permissions of a member: @everyone plus their roles; owners and administrators get everything. */
  permissionsOf(userId: string): bigint {
    if (userId === this.guild.ownerId) return ALL_PERMISSIONS;
    const member = this.member(userId);
    let permissions = this.roles.get(this.guild.id)!.permissions;
    for (const roleId of member.roleIds) permissions |= this.roles.get(roleId)?.permissions ?? 0n;
    return permissions & PermissionFlagsBits.Administrator ? ALL_PERMISSIONS : permissions;
  }

  /**
   * A member's permissions in a channel, as Discord computes them: guild permissions, then the
   * channel's @everyone overwrite, the member's roles' overwrites together (denies, then allows), and
   * the member's own. Owners and administrators skip overwrites. With `implicit` (the default), what
   * Discord takes away implicitly goes too: everything without View Channel, message extras without
   * Send Messages. Interaction payloads carry the value without implicit removals, as Discord's do.
   */
  permissionsIn(userId: string, channelId: string, { implicit = true }: { implicit?: boolean } = {}): bigint {
    const base = this.permissionsOf(userId);
    if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;
    const channel = this.channel(channelId);
    const member = this.member(userId);
    const apply = (permissions: bigint, o: { allow: bigint; deny: bigint } | undefined) => (o ? (permissions & ~o.deny) | o.allow : permissions);
    let permissions = apply(
      base,
      channel.overwrites.find((o) => o.type === OverwriteType.Role && o.id === this.guild.id),
    );
    const roles = channel.overwrites.filter((o) => o.type === OverwriteType.Role && member.roleIds.includes(o.id));
    permissions = apply(permissions, { allow: roles.reduce((a, o) => a | o.allow, 0n), deny: roles.reduce((d, o) => d | o.deny, 0n) });
    permissions = apply(
      permissions,
      channel.overwrites.find((o) => o.type === OverwriteType.Member && o.id === userId),
    );
    if (!implicit) return permissions;
    if ((permissions & PermissionFlagsBits.ViewChannel) === 0n) return 0n;
    if ((permissions & PermissionFlagsBits.SendMessages) === 0n) permissions &= ~SEND_DEPENDENT;
    return permissions;
  }

  /** Whether the bot can view the channel; Discord sends it no events from channels it cannot view. */
  botCanView(channelId: string): boolean {
    return (this.permissionsIn(this.bot.id, channelId) & PermissionFlagsBits.ViewChannel) !== 0n;
  }

  /**
   * Why Discord would not let the member run this command in this channel, or null when it would.
   * Administrators may run everything. Otherwise the emulator's reading of Discord's command
   * permissions: a channel entry (this channel, else "all channels"; the command's own, else the
   * application-wide ones) that disallows wins; then the member: their user entry, else their roles'
   * entries (any allow wins), else @everyone's, command-level before application-wide; with none of
   * those, the command's `default_member_permissions`.
   */
  commandAccess(userId: string, command: Json, channelId: string): string | null {
    const permissions = this.permissionsOf(userId);
    if (permissions & PermissionFlagsBits.Administrator) return null;
    const name = `/${String(command.name)}`;
    const levels = [this.commandPermissions.get(String(command.id)) ?? [], this.commandPermissions.get(this.applicationId) ?? []];
    const entry = (list: StoredCommandPermission[], type: ApplicationCommandPermissionType, id: string) => list.find((p) => p.type === type && p.id === id);
    for (const channelKey of [channelId, this.allChannelsId]) {
      for (const list of levels) {
        const rule = entry(list, ApplicationCommandPermissionType.Channel, channelKey);
        if (rule && !rule.permission) return `command permissions turn ${name} off in channel ${channelId}`;
        if (rule) break;
      }
    }
    const member = this.member(userId);
    for (const list of levels) {
      const own = entry(list, ApplicationCommandPermissionType.User, userId);
      if (own) return own.permission ? null : `command permissions deny ${name} to member ${userId}`;
      const roles = list.filter((p) => p.type === ApplicationCommandPermissionType.Role && member.roleIds.includes(p.id));
      if (roles.length > 0) return roles.some((p) => p.permission) ? null : `command permissions deny ${name} to every role of member ${userId}`;
      const everyone = entry(list, ApplicationCommandPermissionType.Role, this.guild.id);
      if (everyone) return everyone.permission ? null : `command permissions deny ${name} to @everyone`;
    }
    const required = command.default_member_permissions;
    if (typeof required === 'string' && (permissions & BigInt(required)) !== BigInt(required)) {
      return `${name} was registered with default_member_permissions ${required}, which member ${userId} lacks`;
    }
    return null;
  }

  /** The guild application command permissions object of a command (or of the application, for all commands). */
  commandPermissionsJson(id: string): Json {
    return {
      id,
      application_id: this.applicationId,
      guild_id: this.guild.id,
      permissions: (this.commandPermissions.get(id) ?? []).map((p) => ({ id: p.id, type: p.type, permission: p.permission })),
    };
  }

  roleView(role: StoredRole): EmulatedRole {
    return { id: role.id, name: role.name, permissions: role.permissions, position: role.position, managed: role.managed };
  }

  memberView(userId: string): EmulatedMember {
    const member = this.memberForTest(userId);
    return { id: member.user.id, username: member.user.username, bot: member.user.bot, roleIds: [...member.roleIds], permissions: this.permissionsOf(userId) };
  }

  userJson(user: StoredUser): Json {
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.bot ? null : user.username,
      avatar: null,
      bot: user.bot,
      system: false,
      public_flags: 0,
      flags: 0,
    };
  }

  memberJson(userId: string): Json {
    const member = this.member(userId);
    const json: Json = {
      user: this.userJson(member.user),
      nick: member.nick,
      avatar: null,
      roles: [...member.roleIds],
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
    return json;
  }

  roleJson(role: StoredRole): Json {
    return {
      id: role.id,
      name: role.name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: false,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  /** A channel with all its data, as REST and interactions show it (and the gateway, when the bot can view it). */
  channelJson(channel: StoredChannel): Json {
    const lastMessage = [...this.messages.values()].filter((m) => m.channelId === channel.id).at(-1);
    return {
      id: channel.id,
      type: channel.type,
      guild_id: this.guild.id,
      name: channel.name,
      position: channel.position,
      permission_overwrites: channel.overwrites.map((o) => ({ id: o.id, type: o.type, allow: o.allow.toString(), deny: o.deny.toString() })),
      parent_id: null,
      nsfw: false,
      topic: null,
      rate_limit_per_user: 0,
      last_message_id: lastMessage?.id ?? null,
      flags: 0,
    };
  }

  /**
   * A channel as the gateway sends it to the bot: whole when the bot can view it, else obfuscated as
   * Discord does since channel obfuscation: only id, type and position are real; the name is
   * `___hidden___`, the CHANNEL_OBFUSCATED flag is set and the overwrites are one @everyone deny of View Channel.
   */
  channelJsonForBot(channel: StoredChannel): Json {
    if (this.botCanView(channel.id)) return this.channelJson(channel);
    return {
      id: channel.id,
      type: channel.type,
      guild_id: this.guild.id,
      name: OBFUSCATED_CHANNEL_NAME,
      position: channel.position,
      permission_overwrites: [{ id: this.guild.id, type: OverwriteType.Role, allow: '0', deny: PermissionFlagsBits.ViewChannel.toString() }],
      parent_id: null,
      nsfw: false,
      topic: null,
      rate_limit_per_user: 0,
      last_message_id: null,
      flags: ChannelFlags.ChannelObfuscated,
    };
  }

  emojiJson(emoji: StoredEmoji): Json {
    return { id: emoji.id, name: emoji.name, animated: emoji.animated, roles: [], require_colons: true, managed: false, available: true };
  }

  /** The guild as REST `GET /guilds/{id}` returns it. */
  guildJson(): Json {
    return {
      id: this.guild.id,
      name: this.guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: this.guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [...this.roles.values()].map((role) => this.roleJson(role)),
      emojis: [...this.emojis.values()].map((emoji) => this.emojiJson(emoji)),
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
    };
  }

  /** The guild as the gateway's GUILD_CREATE carries it; `allMembers` false sends only the bot's own member, as Discord does without the GuildMembers intent. */
  guildCreateJson(allMembers: boolean): Json {
    const memberIds = allMembers ? [...this.members.keys()] : [this.bot.id];
    return {
      ...this.guildJson(),
      joined_at: this.members.get(this.bot.id)!.joinedAt,
      large: false,
      unavailable: false,
      member_count: this.members.size,
      voice_states: [],
      members: memberIds.map((id) => this.memberJson(id)),
      channels: [...this.channels.values()].map((channel) => this.channelJsonForBot(channel)),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /**
   * Reads an emoji from a REST path segment or a test: unicode, `name:id`, or `<:name:id>`.
   * Discord answers 10014 Unknown Emoji for text that is neither (a classic: sending ':thumbsup:').
   */
  parseEmoji(raw: string): StoredReaction['emoji'] & { key: string } {
    const text = raw.replace(/^<a?:/, '').replace(/>$/, '');
    const custom = /^([\w~]+):(\d{17,20})$/.exec(text);
    if (custom) {
      const emoji = this.emojis.get(custom[2]!);
      if (!emoji) throw unknownEmoji();
      return { key: `${emoji.name}:${emoji.id}`, id: emoji.id, name: emoji.name, animated: emoji.animated };
    }
    if (!UNICODE_EMOJI.test(text) || /[\s:]/.test(text)) throw unknownEmoji();
    return { key: text, id: null, name: text };
  }

  /** Adds a user's reaction; false when it was already there (Discord then does nothing). */
  addReaction(message: StoredMessage, emoji: ReturnType<EmulatorState['parseEmoji']>, userId: string): boolean {
    let reaction = message.reactions.find((r) => r.key === emoji.key);
    if (!reaction) {
      reaction = { key: emoji.key, emoji: { id: emoji.id, name: emoji.name, ...(emoji.id ? { animated: emoji.animated ?? false } : {}) }, userIds: [] };
      message.reactions.push(reaction);
    }
    if (reaction.userIds.includes(userId)) return false;
    reaction.userIds.push(userId);
    return true;
  }

  /** Removes a user's reaction; false when there was none. */
  removeReaction(message: StoredMessage, emojiKey: string, userId: string): boolean {
    const reaction = message.reactions.find((r) => r.key === emojiKey);
    if (!reaction || !reaction.userIds.includes(userId)) return false;
    reaction.userIds = reaction.userIds.filter((id) => id !== userId);
    if (reaction.userIds.length === 0) message.reactions = message.reactions.filter((r) => r !== reaction);
    return true;
  }

  /** Checks a create/edit message body against Discord's limits and returns the fields to store. */
  readMessageBody(
    body: unknown,
    { creating }: { creating: boolean },
  ): Partial<Pick<StoredMessage, 'content' | 'embeds' | 'components' | 'allowedMentions' | 'flags' | 'messageReference' | 'nonce' | 'tts'>> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidFormBody('_root', 'DICT_TYPE_CONVERT', 'Must be an object.');
    const input = body as Json;
    const out: ReturnType<EmulatorState['readMessageBody']> = {};
    if ('content' in input && input.content !== null && input.content !== undefined) {
      if (typeof input.content !== 'string') throw invalidFormBody('content', 'BASE_TYPE_STRING', 'Must be a string.');
      if ([...input.content].length > 2000) throw invalidFormBody('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
      out.content = input.content;
    } else if ('content' in input) out.content = '';
    if ('embeds' in input && input.embeds !== null && input.embeds !== undefined) {
      if (!Array.isArray(input.embeds)) throw invalidFormBody('embeds', 'BASE_TYPE_LIST', 'Must be an array.');
      if (input.embeds.length > 10) throw invalidFormBody('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
      input.embeds.forEach((embed, index) => checkEmbed(embed as Json, index));
      const total = input.embeds.reduce((sum: number, embed) => sum + embedTextLength(embed as Json), 0);
      if (total > 6000) throw invalidFormBody('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
      out.embeds = input.embeds.map((embed) => ({ type: 'rich', ...(embed as Json) }) as APIEmbed);
    } else if ('embeds' in input) out.embeds = [];
    if ('components' in input && input.components !== null && input.components !== undefined) {
      if (!Array.isArray(input.components)) throw invalidFormBody('components', 'BASE_TYPE_LIST', 'Must be an array.');
      checkComponents(input.components as Json[]);
      out.components = input.components as APIMessageTopLevelComponent[];
    } else if ('components' in input) out.components = [];
    if ('allowed_mentions' in input) out.allowedMentions = input.allowed_mentions;
    if ('flags' in input && typeof input.flags === 'number') out.flags = input.flags;
    if ('message_reference' in input && input.message_reference) out.messageReference = input.message_reference as Json;
    if ('nonce' in input) out.nonce = input.nonce;
    if ('tts' in input) out.tts = Boolean(input.tts);
    if (creating && !out.content && !out.embeds?.length && !out.components?.length && !('attachments' in input) && !('sticker_ids' in input) && !('poll' in input)) {
      throw emptyMessage();
    }
    return out;
  }

  /** Stores a new message (validated body already read) and returns it. */
  createMessage(fields: {
    channelId: string;
    authorId: string;
    body: ReturnType<EmulatorState['readMessageBody']>;
    type?: MessageType;
    interaction?: InteractionLink | null;
    webhookId?: string | null;
  }): StoredMessage {
    this.channel(fields.channelId);
    const message: StoredMessage = {
      id: this.ids.next(),
      channelId: fields.channelId,
      authorId: fields.authorId,
      content: fields.body.content ?? '',
      embeds: fields.body.embeds ?? [],
      components: fields.body.components ?? [],
      allowedMentions: fields.body.allowedMentions ?? null,
      // Only these flags can be set by senders; the rest are Discord's to set.
      flags: (fields.body.flags ?? 0) & (MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsComponentsV2 | MessageFlags.Loading),
      type: fields.type ?? (fields.body.messageReference ? MessageType.Reply : MessageType.Default),
      createdAt: new Date(),
      editedAt: null,
      reactions: [],
      interaction: fields.interaction ?? null,
      webhookId: fields.webhookId ?? null,
      messageReference: fields.body.messageReference ?? null,
      nonce: fields.body.nonce,
      tts: fields.body.tts ?? false,
    };
    this.messages.set(message.id, message);
    return message;
  }

  /** Applies an edit body to a stored message. */
  editMessage(message: StoredMessage, body: ReturnType<EmulatorState['readMessageBody']>): void {
    if (body.content !== undefined) message.content = body.content;
    if (body.embeds !== undefined) message.embeds = body.embeds;
    if (body.components !== undefined) message.components = body.components;
    if (body.allowedMentions !== undefined) message.allowedMentions = body.allowedMentions;
    if (body.flags !== undefined) message.flags = (message.flags & MessageFlags.Ephemeral) | (body.flags & (MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2));
    message.flags &= ~MessageFlags.Loading;
    message.editedAt = new Date();
  }

  /** A message as the REST API (and the gateway, with `guild_id` added) shows it; `me` in reactions is relative to `viewerId`. */
  messageJson(message: StoredMessage, viewerId = this.bot.id): Json {
    const author = this.members.get(message.authorId)?.user ?? { id: message.authorId, username: 'unknown', bot: false };
    const json: Json = {
      id: message.id,
      type: message.type,
      channel_id: message.channelId,
      author: this.userJson(author),
      content: message.content,
      timestamp: message.createdAt.toISOString(),
      edited_timestamp: message.editedAt?.toISOString() ?? null,
      tts: message.tts,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: message.embeds,
      pinned: false,
      flags: message.flags,
      components: message.components,
    };
    if (message.nonce !== undefined) json.nonce = message.nonce;
    if (message.reactions.length > 0) {
      json.reactions = message.reactions.map((r) => ({
        emoji: r.emoji,
        count: r.userIds.length,
        count_details: { burst: 0, normal: r.userIds.length },
        me: r.userIds.includes(viewerId),
        me_burst: false,
        burst_colors: [],
      }));
    }
    if (message.webhookId) {
      json.webhook_id = message.webhookId;
      json.application_id = this.applicationId;
    }
    if (message.messageReference) json.message_reference = { type: 0, channel_id: message.channelId, guild_id: this.guild.id, ...message.messageReference };
    if (message.interaction) {
      const user = this.userJson(this.member(message.interaction.userId).user);
      json.interaction_metadata = {
        id: message.interaction.id,
        type: message.interaction.type,
        user,
        authorizing_integration_owners: { '0': this.guild.id },
        ...(message.interaction.name ? { name: message.interaction.name } : {}),
      };
      json.interaction = { id: message.interaction.id, type: message.interaction.type, name: message.interaction.name ?? '', user };
    }
    return json;
  }

  /** The test-facing view of a stored message. */
  messageView(message: StoredMessage): EmulatedMessage {
    const reactions: EmulatedReaction[] = message.reactions.map((r) => ({ emoji: r.key, userIds: [...r.userIds] }));
    return {
      id: message.id,
      channelId: message.channelId,
      authorId: message.authorId,
      content: message.content,
      embeds: structuredClone(message.embeds),
      components: structuredClone(message.components),
      allowedMentions: structuredClone(message.allowedMentions),
      flags: message.flags,
      ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
      reactions,
      interactionId: message.interaction?.id ?? null,
      createdAt: message.createdAt,
      editedAt: message.editedAt,
      toJSON: () => this.messageJson(message) as unknown as APIMessage,
    };
  }

  /** Non-ephemeral messages of a channel, oldest first. */
  channelHistory(channelId: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId && (m.flags & MessageFlags.Ephemeral) === 0).sort((a, b) => compareSnowflakes(a.id, b.id));
  }
}

function checkLength(value: unknown, max: number, path: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') throw invalidFormBody(path, 'BASE_TYPE_STRING', 'Must be a string.');
  if ([...value].length > max) throw invalidFormBody(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
}

function checkEmbed(embed: Json, index: number): void {
  const at = `embeds.${index}`;
  if (embed === null || typeof embed !== 'object') throw invalidFormBody(at, 'DICT_TYPE_CONVERT', 'Must be an object.');
  checkLength(embed.title, 256, `${at}.title`);
  checkLength(embed.description, 4096, `${at}.description`);
  checkLength((embed.footer as Json | undefined)?.text, 2048, `${at}.footer.text`);
  checkLength((embed.author as Json | undefined)?.name, 256, `${at}.author.name`);
  if (embed.url !== undefined && embed.url !== null && !/^(https?|attachment):\/\//.test(String(embed.url))) {
    throw invalidFormBody(`${at}.url`, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  }
  const fields = (embed.fields ?? []) as Json[];
  if (fields.length > 25) throw invalidFormBody(`${at}.fields`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  fields.forEach((field, i) => {
    if (!field.name) throw invalidFormBody(`${at}.fields.${i}.name`, 'BASE_TYPE_REQUIRED', 'This field is required');
    if (!field.value) throw invalidFormBody(`${at}.fields.${i}.value`, 'BASE_TYPE_REQUIRED', 'This field is required');
    checkLength(field.name, 256, `${at}.fields.${i}.name`);
    checkLength(field.value, 1024, `${at}.fields.${i}.value`);
  });
}

function embedTextLength(embed: Json): number {
  const text = (value: unknown) => (typeof value === 'string' ? [...value].length : 0);
  const fields = ((embed.fields ?? []) as Json[]).reduce((sum, f) => sum + text(f.name) + text(f.value), 0);
  return text(embed.title) + text(embed.description) + text((embed.footer as Json | undefined)?.text) + text((embed.author as Json | undefined)?.name) + fields;
}

/** Discord's limits on legacy action rows: 5 rows, 5 buttons or 1 select per row, custom_id up to 100, labels up to 80, unique custom_ids. */
function checkComponents(rows: Json[]): void {
  const customIds = new Set<string>();
  const isV2 = rows.some((row) => row.type !== 1);
  if (!isV2 && rows.length > 5) throw invalidFormBody('components', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
  rows.forEach((row, r) => {
    if (row.type !== 1) return;
    const children = (row.components ?? []) as Json[];
    if (children.length === 0 || children.length > 5) throw invalidFormBody(`components.${r}.components`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
    children.forEach((child, c) => {
      const at = `components.${r}.components.${c}`;
      checkLength(child.label, 80, `${at}.label`);
      if (child.type === 2 && child.style !== 5 && child.style !== 6 && typeof child.custom_id !== 'string') {
        throw invalidFormBody(`${at}.custom_id`, 'BASE_TYPE_REQUIRED', 'This field is required');
      }
      if (typeof child.custom_id === 'string') {
        checkLength(child.custom_id, 100, `${at}.custom_id`);
        if (customIds.has(child.custom_id)) throw invalidFormBody(`${at}.custom_id`, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
        customIds.add(child.custom_id);
      }
    });
  });
}

export { DiscordApiError };
