import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord.js';
import { WebSocket, WebSocketServer } from 'ws';
import type { EmulatorState } from './state.ts';
import type { RecordedDispatch } from './types.ts';

type Json = Record<string, unknown>;

interface Connection {
  ws: WebSocket;
  session: Session | null;
  /** `compress=zlib-stream`: one deflate context for the whole connection, flushed after every payload. */
  deflate: zlib.Deflate | null;
  /** IDENTIFY `compress: true`: every payload after it is a separately deflated binary message. */
  identifyCompress: boolean;
  /** Sends go through this chain so compressed frames keep their order. */
  sending: Promise<void>;
}

interface Session {
  id: string;
  intents: number;
  /** IDENTIFY's `shard: [id, count]`; [0, 1] when the bot did not shard. */
  shard: [number, number];
  seq: number;
  /** Every dispatch of the session, kept for RESUME replays (tests are short; memory is no concern). */
  events: { s: number; t: string; d: unknown }[];
  connection: Connection | null;
}

/** Which intent a dispatch needs; events not listed are always sent (READY, RESUMED, INTERACTION_CREATE, ...). */
const EVENT_INTENTS: Partial<Record<string, number>> = {
  [GatewayDispatchEvents.GuildCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildRoleCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildRoleUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildRoleDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildMemberAdd]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.GuildMemberUpdate]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.GuildMemberRemove]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.MessageCreate]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.MessageUpdate]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.MessageDelete]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.MessageDeleteBulk]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.MessageReactionAdd]: GatewayIntentBits.GuildMessageReactions,
  [GatewayDispatchEvents.MessageReactionRemove]: GatewayIntentBits.GuildMessageReactions,
  [GatewayDispatchEvents.MessageReactionRemoveAll]: GatewayIntentBits.GuildMessageReactions,
  [GatewayDispatchEvents.MessageReactionRemoveEmoji]: GatewayIntentBits.GuildMessageReactions,
};

/** Events about something in one channel: Discord sends them only to bots that can view that channel. */
const CHANNEL_EVENTS = new Set<string>([
  GatewayDispatchEvents.MessageCreate,
  GatewayDispatchEvents.MessageUpdate,
  GatewayDispatchEvents.MessageDelete,
  GatewayDispatchEvents.MessageDeleteBulk,
  GatewayDispatchEvents.MessageReactionAdd,
  GatewayDispatchEvents.MessageReactionRemove,
  GatewayDispatchEvents.MessageReactionRemoveAll,
  GatewayDispatchEvents.MessageReactionRemoveEmoji,
  GatewayDispatchEvents.TypingStart,
]);

/** Guild events that carry the guild as `id` rather than `guild_id`. */
const GUILD_OBJECT_EVENTS = new Set<string>([GatewayDispatchEvents.GuildCreate, GatewayDispatchEvents.GuildUpdate, GatewayDispatchEvents.GuildDelete]);

/** The shard that receives a guild's events, by Discord's formula `(guild_id >> 22) % num_shards`. */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Message events whose content Discord blanks for sessions without the MessageContent intent. */
const CONTENT_EVENTS = new Set<string>([GatewayDispatchEvents.MessageCreate, GatewayDispatchEvents.MessageUpdate]);

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** The ws:// address the gateway is reachable at (also sent as resume_gateway_url). */
  url: () => string;
}

/**
 * The Discord gateway (v10, JSON encoding) on a `ws` server: HELLO, IDENTIFY with token check,
 * heartbeats, READY + GUILD_CREATE, sequence numbers, RESUME with replay, intents, and optional
 * zlib-stream or identify compression. Sessions outlive their connections until the client closes
 * with 1000/1001, so events dispatched while a bot is disconnected are replayed when it resumes.
 */
export class Gateway {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  readonly #connections = new Set<Connection>();
  /** Every dispatch sent or buffered, in order. */
  readonly dispatches: RecordedDispatch[] = [];

  constructor(
    private readonly state: EmulatorState,
    private readonly options: GatewayOptions,
  ) {}

  /** Takes over an HTTP upgrade request. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request));
  }

  /** Sessions the emulator knows, for tests that look at gateway state. */
  sessions(): { id: string; intents: number; shard: [number, number]; seq: number; connected: boolean }[] {
    return [...this.#sessions.values()].map((s) => ({ id: s.id, intents: s.intents, shard: s.shard, seq: s.seq, connected: s.connection !== null }));
  }

  /** Whether any bot session exists (connected or waiting to resume). */
  hasSession(): boolean {
    return this.#sessions.size > 0;
  }

  /**
   * Sends a dispatch to every session whose intents allow it; disconnected sessions buffer it for RESUME.
   * `data` may be a function of the session's intents (to blank message content, for instance).
   * A guild's events go only to the session whose shard owns the guild; events without a guild (DMs) to shard 0.
   */
  dispatch(t: string, data: unknown): void {
    const channelId = CHANNEL_EVENTS.has(t) ? (data as Json).channel_id : undefined;
    if (typeof channelId === 'string' && this.state.channels.has(channelId) && !this.state.botCanView(channelId)) return;
    const guildId = GUILD_OBJECT_EVENTS.has(t) ? (data as Json).id : (data as Json).guild_id;
    for (const session of this.#sessions.values()) {
      if (ownsEvent(session.shard, typeof guildId === 'string' ? guildId : undefined)) this.#dispatchTo(session, t, data);
    }
  }

  /** Cuts every gateway connection without a close frame (like a network failure), or with `code` if given. Sessions stay resumable. */
  dropConnections(code?: number): number {
    let dropped = 0;
    for (const connection of this.#connections) {
      dropped++;
      if (code === undefined) connection.ws.terminate();
      else connection.ws.close(code, 'Emulator closed the connection');
    }
    return dropped;
  }

  /** Sends op 7 RECONNECT to every connection (discord.js then closes and resumes). */
  requestReconnect(): void {
    for (const connection of this.#connections) this.#send(connection, { op: GatewayOpcodes.Reconnect, d: null });
  }

  /** Forgets every session: the next RESUME gets INVALID_SESSION and the bot identifies again. */
  invalidateSessions(): void {
    this.#sessions.clear();
  }

  async close(): Promise<void> {
    for (const connection of this.#connections) connection.ws.terminate();
    this.#connections.clear();
    this.#sessions.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket, request: IncomingMessage): void {
    const params = new URL(request.url ?? '/', 'ws://localhost').searchParams;
    const connection: Connection = { ws, session: null, deflate: null, identifyCompress: false, sending: Promise.resolve() };
    this.#connections.add(connection);
    ws.on('close', (code) => this.#onClose(connection, code));
    ws.on('error', () => ws.terminate());
    const version = params.get('v');
    if (version !== null && version !== '10') {
      ws.close(GatewayCloseCodes.InvalidAPIVersion, 'Invalid API version: the emulator speaks gateway v10');
      return;
    }
    if ((params.get('encoding') ?? 'json') !== 'json') {
      ws.close(GatewayCloseCodes.DecodeError, 'The emulator supports only encoding=json');
      return;
    }
    const compress = params.get('compress');
    if (compress === 'zlib-stream') connection.deflate = zlib.createDeflate();
    else if (compress !== null) {
      ws.close(GatewayCloseCodes.DecodeError, `The emulator supports compress=zlib-stream only, not ${compress}`);
      return;
    }
    ws.on('message', (raw, isBinary) => this.#onMessage(connection, raw as Buffer, isBinary));
    this.#send(connection, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['["discord-emulator"]'] } });
  }

  #onClose(connection: Connection, code: number): void {
    this.#connections.delete(connection);
    connection.deflate?.close();
    const session = connection.session;
    if (session && session.connection === connection) {
      session.connection = null;
      // A client that closes with 1000/1001 ends its session on Discord; anything else may resume.
      if (code === 1000 || code === 1001) this.#sessions.delete(session.id);
    }
  }

  #onMessage(connection: Connection, raw: Buffer, isBinary: boolean): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse((isBinary ? zlib.inflateSync(raw) : raw).toString('utf8')) as typeof payload;
    } catch {
      connection.ws.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      return;
    }
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.#send(connection, { op: GatewayOpcodes.HeartbeatAck });
        return;
      case GatewayOpcodes.Identify:
        this.#identify(connection, payload.d as Json);
        return;
      case GatewayOpcodes.Resume:
        this.#resume(connection, payload.d as Json);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
        if (!connection.session) connection.ws.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        return;
      case GatewayOpcodes.RequestGuildMembers:
        if (!connection.session) connection.ws.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        else this.#requestGuildMembers(connection.session, payload.d as Json);
        return;
      default:
        connection.ws.close(GatewayCloseCodes.UnknownOpcode, 'Unknown opcode.');
    }
  }

  #identify(connection: Connection, d: Json | undefined): void {
    if (connection.session) {
      connection.ws.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    if (!d || d.token !== this.state.token) {
      connection.ws.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    if (typeof d.intents !== 'number' || !Number.isInteger(d.intents) || d.intents < 0) {
      connection.ws.close(GatewayCloseCodes.InvalidIntents, 'Invalid intent(s).');
      return;
    }
    const shard = d.shard as [number, number] | undefined;
    if (shard !== undefined && !isShard(shard)) {
      connection.ws.close(GatewayCloseCodes.InvalidShard, 'Invalid shard.');
      return;
    }
    connection.identifyCompress = d.compress === true && connection.deflate === null;
    const session: Session = { id: randomBytes(16).toString('hex'), intents: d.intents, shard: shard ?? [0, 1], seq: 0, events: [], connection };
    connection.session = session;
    this.#sessions.set(session.id, session);
    const application = { id: this.state.applicationId, flags: (1 << 19) | (1 << 15) | (1 << 13) };
    this.#dispatchTo(session, GatewayDispatchEvents.Ready, {
      v: 10,
      user: { ...this.state.userJson(this.state.bot), verified: true, mfa_enabled: false },
      user_settings: {},
      guilds: this.#guildIdsOf(session).map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.options.url(),
      shard: session.shard,
      application,
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
    });
    if (this.#guildIdsOf(session).length > 0) {
      this.#dispatchTo(session, GatewayDispatchEvents.GuildCreate, this.state.guildCreateJson((session.intents & GatewayIntentBits.GuildMembers) !== 0));
    }
  }

  /** The guilds a session's shard owns. */
  #guildIdsOf(session: Session): string[] {
    return [this.state.guild.id].filter((id) => ownsEvent(session.shard, id));
  }

  #resume(connection: Connection, d: Json | undefined): void {
    const session = typeof d?.session_id === 'string' ? this.#sessions.get(d.session_id) : undefined;
    if (!d || d.token !== this.state.token) {
      connection.ws.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    if (!session || typeof d.seq !== 'number' || d.seq > session.seq) {
      this.#send(connection, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    // A resumed session moves to the new connection; an old one still open is cut, as on Discord.
    if (session.connection && session.connection !== connection) session.connection.ws.terminate();
    session.connection = connection;
    connection.session = session;
    for (const event of session.events) {
      if (event.s > d.seq) this.#send(connection, { op: GatewayOpcodes.Dispatch, t: event.t, s: event.s, d: event.d });
    }
    this.#dispatchTo(session, GatewayDispatchEvents.Resumed, { _trace: ['["discord-emulator"]'] });
  }

  #requestGuildMembers(session: Session, d: Json | undefined): void {
    const guildIds = Array.isArray(d?.guild_id) ? (d.guild_id as string[]) : [String(d?.guild_id)];
    if (!guildIds.includes(this.state.guild.id)) return;
    const userIds = Array.isArray(d?.user_ids) ? (d.user_ids as string[]) : typeof d?.user_ids === 'string' ? [d.user_ids] : null;
    const query = typeof d?.query === 'string' ? d.query.toLowerCase() : '';
    const limit = typeof d?.limit === 'number' && d.limit > 0 ? d.limit : Infinity;
    const members = [...this.state.members.values()].filter((m) => (userIds ? userIds.includes(m.user.id) : m.user.username.toLowerCase().startsWith(query))).slice(0, limit);
    this.#dispatchTo(session, GatewayDispatchEvents.GuildMembersChunk, {
      guild_id: this.state.guild.id,
      members: members.map((m) => this.state.memberJson(m.user.id)),
      chunk_index: 0,
      chunk_count: 1,
      ...(userIds ? { not_found: userIds.filter((id) => !this.state.members.has(id)) } : {}),
      ...(d?.nonce !== undefined ? { nonce: d.nonce } : {}),
    });
  }

  #dispatchTo(session: Session, t: string, data: unknown): void {
    const intent = EVENT_INTENTS[t];
    // GUILD_MEMBER_UPDATE about the bot itself comes regardless of the GuildMembers intent, as on Discord.
    const aboutItself = t === GatewayDispatchEvents.GuildMemberUpdate && ((data as Json).user as Json | undefined)?.id === this.state.bot.id;
    if (intent !== undefined && (session.intents & intent) === 0 && !aboutItself) return;
    let d = data;
    if (CONTENT_EVENTS.has(t) && (session.intents & GatewayIntentBits.MessageContent) === 0) d = withoutContent(data as Json, this.state.bot.id);
    session.seq++;
    const event = { s: session.seq, t, d };
    session.events.push(event);
    this.dispatches.push({ sessionId: session.id, t, s: event.s, d, at: Date.now() });
    if (session.connection) this.#send(session.connection, { op: GatewayOpcodes.Dispatch, ...event });
  }

  #send(connection: Connection, payload: Json): void {
    const text = JSON.stringify(payload);
    const { ws } = connection;
    if (connection.deflate) {
      const deflate = connection.deflate;
      connection.sending = connection.sending.then(
        () =>
          new Promise<void>((resolve) => {
            const chunks: Buffer[] = [];
            const onData = (chunk: Buffer) => chunks.push(chunk);
            deflate.on('data', onData);
            deflate.write(text);
            deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
              deflate.off('data', onData);
              if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat(chunks));
              resolve();
            });
          }),
      );
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) return;
    const isDispatchAfterIdentify = connection.identifyCompress && payload.op === GatewayOpcodes.Dispatch;
    ws.send(isDispatchAfterIdentify ? zlib.deflateSync(text) : text);
  }
}

/** IDENTIFY's `shard`: two integers, a count of at least 1 and an id below it. */
function isShard(shard: unknown): shard is [number, number] {
  if (!Array.isArray(shard) || shard.length !== 2 || !shard.every((n) => Number.isInteger(n))) return false;
  const [id, count] = shard as [number, number];
  return count >= 1 && id >= 0 && id < count;
}

/** Whether a shard receives an event about `guildId` (undefined: not about a guild, which Discord sends to shard 0). */
function ownsEvent([id, count]: [number, number], guildId: string | undefined): boolean {
  return guildId === undefined ? id === 0 : shardOfGuild(guildId, count) === id;
}

/** Discord leaves content, embeds, attachments and components empty for bots without MessageContent, except on their own messages. */
function withoutContent(data: Json, botId: string): Json {
  const author = data.author as Json | undefined;
  if (author?.id === botId) return data;
  return { ...data, content: '', embeds: [], attachments: [], components: [] };
}
