import type { APIApplicationCommand, APIApplicationCommandOptionChoice, APIEmbed, APIMessage, APIMessageTopLevelComponent, ChannelType } from 'discord.js';

/** A permission set as accepted by discord.js `PermissionsBitField.resolve`: a bigint, a flag name such as 'ManageGuild', a decimal string, or a list of those. */
export type PermissionsInput = bigint | string | readonly (bigint | string)[];

/** A guild role. */
export interface EmulatedRoleInput {
  /** Snowflake; generated when omitted. */
  id?: string;
  name: string;
  /** Default: none (members still get @everyone's). */
  permissions?: PermissionsInput;
}

/** A role as the emulator holds it. */
export interface EmulatedRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  /** The bot's own role (from its invite); it cannot be given to members. */
  managed: boolean;
}

/** A guild member as the emulator holds it: their roles and guild-level permissions (before channel overwrites). */
export interface EmulatedMember {
  id: string;
  username: string;
  bot: boolean;
  roleIds: string[];
  permissions: bigint;
}

/**
 * A channel permission overwrite for a role (`@everyone` is the role whose id is the guild id) or a
 * member. Discord applies @everyone's, then all the member's roles' (denies, then allows), then the member's own.
 */
export interface EmulatedOverwriteInput {
  id: string;
  type: 'role' | 'member';
  allow?: PermissionsInput;
  deny?: PermissionsInput;
}

/**
 * One application command permission, as a server admin sets it under Server Settings > Integrations:
 * `id` is a role (the guild id for @everyone), a user, or a channel (guild id - 1 for all channels).
 */
export interface EmulatedCommandPermission {
  id: string;
  type: 'role' | 'user' | 'channel';
  permission: boolean;
}

/** A guild member the emulator knows about (the people who run commands and react). */
export interface EmulatedMemberInput {
  /** Snowflake; generated when omitted. */
  id?: string;
  username: string;
  /** Extra permissions granted through a role of this member's own (on top of @everyone). */
  permissions?: PermissionsInput;
  /** Roles from `options.roles` the member has, by id or name. */
  roles?: string[];
  bot?: boolean;
  /** Makes this member the guild owner (owners have every permission). */
  owner?: boolean;
  nick?: string;
}

/** A guild channel; text channels (type 0) are the default. */
export interface EmulatedChannelInput {
  id?: string;
  name: string;
  type?: ChannelType;
  permissionOverwrites?: EmulatedOverwriteInput[];
}

/** A custom guild emoji the bot may react with (`name:id`). */
export interface EmulatedEmojiInput {
  id?: string;
  name: string;
  animated?: boolean;
}

/** Options of {@link startDiscordEmulator}; every one has a default. */
export interface DiscordEmulatorOptions {
  /** Bot token the client must log in with; anything else gets 401 on REST and close code 4004 on the gateway. */
  token?: string;
  applicationId?: string;
  /** The bot user's id; Discord uses the application id for bots created since 2019, so that is the default. */
  botUserId?: string;
  botUsername?: string;
  /** Permissions of the bot's managed role (besides @everyone). Default: send messages, embed links, add reactions, read history, use external emojis. */
  botPermissions?: PermissionsInput;
  guildId?: string;
  guildName?: string;
  /** Permissions of @everyone. Default: view, send, embed, attach, react, read history, use application commands. */
  everyonePermissions?: PermissionsInput;
  /** Guild channels; the first text channel is `emu.channelId`. Default: one text channel 'general'. */
  channels?: EmulatedChannelInput[];
  /** Roles besides @everyone and the bot's own; members get them through `members[].roles`. */
  roles?: EmulatedRoleInput[];
  /** Guild members besides the bot. Default: one member 'alice'. */
  members?: EmulatedMemberInput[];
  emojis?: EmulatedEmojiInput[];
  /** Gateway heartbeat interval sent in HELLO, in ms (Discord: 41250). */
  heartbeatIntervalMs?: number;
  /** Time a bot has for the first interaction callback before Discord answers 10062 Unknown interaction (Discord: 3000). `null` disables the check. */
  interactionDeadlineMs?: number | null;
  /**
   * Enforce Discord's per-channel reaction-add bucket (1 per 250 ms, i.e. ~4/s) with its bucket headers
   * and 429 + retry_after when exceeded; `{ intervalMs }` changes the spacing. Default off, for speed.
   */
  enforceReactionRateLimit?: boolean | { intervalMs: number };
  /** Host to listen on. Default 127.0.0.1. */
  host?: string;
  /** The shard count GET /gateway/bot recommends (what discord.js uses for `shards: 'auto'`). Default 1. */
  recommendedShards?: number;
}

/** One REST call as the emulator received it. */
export interface RecordedRequest {
  method: string;
  /** Path after the API version, e.g. `/channels/123/messages`. */
  path: string;
  /** The matched route with placeholders, e.g. `POST /channels/:channel/messages`; `null` when no route matched (the call got 404). */
  route: string | null;
  query: Record<string, string>;
  /** Parsed JSON body (`payload_json` for multipart bodies), or undefined. */
  body: unknown;
  /** Names of files sent in a multipart body. */
  files: string[];
  status: number;
  /** Whether the call carried the right `Authorization: Bot <token>` header. */
  authorized: boolean;
  at: number;
}

/** One gateway dispatch the emulator sent (or buffered for a disconnected session). */
export interface RecordedDispatch {
  sessionId: string;
  t: string;
  s: number;
  d: unknown;
  at: number;
}

/** A reaction on a message: the emoji as text (unicode, or `name:id` for custom ones) and who reacted, in order. */
export interface EmulatedReaction {
  emoji: string;
  userIds: string[];
}

/** A message as the emulator stores it. */
export interface EmulatedMessage {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  allowedMentions: unknown;
  flags: number;
  /** Ephemeral interaction responses: only the invoking user sees them; they are not in channel history. */
  ephemeral: boolean;
  reactions: EmulatedReaction[];
  /** Set for messages made by interaction responses and follow-ups. */
  interactionId: string | null;
  createdAt: Date;
  editedAt: Date | null;
  /** The message as the REST API would return it to the bot. */
  toJSON(): APIMessage;
}

/** One thing the bot did in answer to an interaction, in the order it happened. */
export type InteractionResponseRecord =
  | { kind: 'callback'; type: number; data: unknown; at: number }
  | { kind: 'editOriginal'; messageId: string; data: unknown; at: number }
  | { kind: 'deleteOriginal'; messageId: string; at: number }
  | { kind: 'followUp'; messageId: string; data: unknown; at: number }
  | { kind: 'editFollowUp'; messageId: string; data: unknown; at: number }
  | { kind: 'deleteFollowUp'; messageId: string; at: number };

/** Option values for {@link DiscordEmulator.runCommand}: by name, or Discord-style `{ name, value }` pairs. Values are typed against the registered command definition. */
export type CommandOptionsInput = Record<string, string | number | boolean> | { name: string; value: string | number | boolean }[];

export interface RunCommandInput {
  userId: string;
  name: string;
  options?: CommandOptionsInput;
  /** Subcommand name, or `'group sub'` for a subcommand inside a group. */
  subcommand?: string;
  channelId?: string;
  /** Discord user locale sent with the interaction. Default 'en-US'. */
  locale?: string;
}

export interface AutocompleteInput extends RunCommandInput {
  /** Name of the option being typed in. */
  focused: string;
  /** What the user has typed so far. */
  value: string;
  timeoutMs?: number;
}

export interface ClickButtonInput {
  userId: string;
  messageId: string;
  customId: string;
  locale?: string;
}

export interface SelectMenuInput {
  userId: string;
  messageId: string;
  customId: string;
  values: string[];
  locale?: string;
}

export interface ModalSubmitInput {
  userId: string;
  customId: string;
  /** Text input values by custom_id. */
  fields: Record<string, string>;
  channelId?: string;
  /** The message the modal was opened from, when it came from a component. */
  messageId?: string;
  locale?: string;
}

export interface ReactInput {
  userId: string;
  messageId: string;
  /** Unicode emoji, or `name:id` of a custom emoji. */
  emoji: string;
}

export interface SettleOptions {
  /** No new response activity for this long means settled. Default 200 ms. */
  quietMs?: number;
  /** Give up waiting (and resolve anyway) after this long. Default 10 s. */
  timeoutMs?: number;
}

/** Handle on one interaction the emulator dispatched. */
export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** Interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  readonly type: number;
  /** Everything the bot did in answer, in order (a copy). */
  readonly responses: InteractionResponseRecord[];
  /** Resolves with the first callback (reply, defer, update, modal...); rejects after `timeoutMs` (default 5 s) without one. */
  reply(options?: { timeoutMs?: number }): Promise<Extract<InteractionResponseRecord, { kind: 'callback' }>>;
  /**
   * Waits until the bot is done: the first callback came, a deferred reply (type 5) was followed by an
   * edit or follow-up, and then nothing new happened for `quietMs`. Resolves anyway at `timeoutMs`.
   */
  settled(options?: SettleOptions): Promise<InteractionHandle>;
  /** The original response message (or, for component interactions, the message the component is on), if any. */
  original(): EmulatedMessage | undefined;
  finalContent(): string | undefined;
  finalEmbeds(): APIEmbed[];
  finalComponents(): EmulatedMessage['components'];
  followUps(): EmulatedMessage[];
  /** The data of a modal the bot opened (callback type 9), if any. */
  modal(): unknown;
  /** The choices of an autocomplete callback (type 8), if any. */
  choices(): APIApplicationCommandOptionChoice[] | undefined;
}

/** A registered application command (global ones have no guild_id). */
export type EmulatedCommand = APIApplicationCommand;
