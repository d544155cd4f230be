import zlib from 'node:zlib';
import { GatewayIntentBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { isSnowflake, startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';

interface Payload {
  op: number;
  t?: string | null;
  s?: number | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw gateway JSON, read field by field by the assertions
  d?: any;
}

/** A bare gateway client: collects payloads (inflating zlib-stream frames when asked) and the close code. */
class RawGateway {
  readonly received: Payload[] = [];
  closeCode: number | null = null;
  readonly ws: WebSocket;
  readonly #inflate: zlib.Inflate | null;
  readonly #chunks: Buffer[] = [];

  constructor(url: string, { zlibStream = false } = {}) {
    this.ws = new WebSocket(`${url}?v=10&encoding=json${zlibStream ? '&compress=zlib-stream' : ''}`);
    this.#inflate = zlibStream ? zlib.createInflate() : null;
    this.#inflate?.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        this.received.push(JSON.parse(data.toString('utf8')) as Payload);
        return;
      }
      if (!this.#inflate) {
        this.received.push(JSON.parse(zlib.inflateSync(data).toString('utf8')) as Payload);
        return;
      }
      this.#inflate.write(data);
      this.#inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const text = Buffer.concat(this.#chunks.splice(0)).toString('utf8');
        if (text) this.received.push(JSON.parse(text) as Payload);
      });
    });
    this.ws.on('close', (code) => {
      this.closeCode = code;
    });
  }

  send(payload: Payload): void {
    this.ws.send(JSON.stringify(payload));
  }

  async waitFor(predicate: (p: Payload) => boolean, timeoutMs = 3000): Promise<Payload> {
    const started = Date.now();
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() - started > timeoutMs) throw new Error(`no matching payload; got ${JSON.stringify(this.received.map((p) => p.t ?? p.op))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async waitForClose(timeoutMs = 3000): Promise<number> {
    const started = Date.now();
    while (this.closeCode === null) {
      if (Date.now() - started > timeoutMs) throw new Error('socket did not close');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.closeCode;
  }

  close(): void {
    this.ws.close(1000);
    this.#inflate?.close();
  }
}

describe('emulated gateway protocol', () => {
  let emu: DiscordEmulator;
  const sockets: RawGateway[] = [];
  const open = (options?: { zlibStream?: boolean }) => {
    const socket = new RawGateway(emu.gatewayUrl, options);
    sockets.push(socket);
    return socket;
  };
  const identify = (socket: RawGateway, intents: number, token = emu.token) =>
    socket.send({ op: 2, d: { token, intents, properties: { os: 'linux', browser: 'test', device: 'test' }, shard: [0, 1] } });

  beforeAll(async () => {
    emu = await startDiscordEmulator({ members: [{ username: 'alice' }, { username: 'bob' }] });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await emu.close();
  });

  it('says HELLO, acknowledges heartbeats, and sends READY then GUILD_CREATE with increasing sequence numbers', async () => {
    const socket = open();
    const hello = await socket.waitFor((p) => p.op === 10);
    expect(hello.d.heartbeat_interval).toBeGreaterThan(0);
    socket.send({ op: 1, d: null });
    await socket.waitFor((p) => p.op === 11);
    identify(socket, GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers);
    const ready = await socket.waitFor((p) => p.t === 'READY');
    const guild = await socket.waitFor((p) => p.t === 'GUILD_CREATE');
    expect(ready.s).toBe(1);
    expect(guild.s).toBe(2);
    expect(ready.d).toMatchObject({ user: { id: emu.botUserId, bot: true }, application: { id: emu.applicationId }, guilds: [{ id: emu.guildId, unavailable: true }] });
    expect(ready.d.resume_gateway_url).toBe(emu.gatewayUrl);
    expect(guild.d.owner_id).toMatch(/^\d{17,20}$/);
    expect(guild.d.roles.find((r: { id: string }) => r.id === emu.guildId)).toMatchObject({ name: '@everyone' });
    // With GuildMembers every member is sent; the bot's own member always is.
    expect(guild.d.members.map((m: { user: { id: string } }) => m.user.id).sort()).toEqual([emu.botUserId, ...emu.memberIds].sort());
    expect(guild.d.channels.map((c: { id: string }) => c.id)).toContain(emu.channelId);
  });

  it('closes with 4004 when IDENTIFY carries a wrong token', async () => {
    const socket = open();
    await socket.waitFor((p) => p.op === 10);
    identify(socket, GatewayIntentBits.Guilds, 'wrong-token');
    expect(await socket.waitForClose()).toBe(4004);
  });

  it('sends only the events the IDENTIFY intents ask for', async () => {
    const withReactions = open();
    const withoutReactions = open();
    await withReactions.waitFor((p) => p.op === 10);
    await withoutReactions.waitFor((p) => p.op === 10);
    identify(withReactions, GatewayIntentBits.GuildMessageReactions);
    identify(withoutReactions, GatewayIntentBits.Guilds);
    const readyWith = await withReactions.waitFor((p) => p.t === 'READY');
    const readyWithout = await withoutReactions.waitFor((p) => p.t === 'READY');
    await withoutReactions.waitFor((p) => p.t === 'GUILD_CREATE');
    expect(withReactions.received.some((p) => p.t === 'GUILD_CREATE')).toBe(false);
    const message = emu.seedMessage({ content: 'pick' });
    await emu.react({ userId: emu.memberIds[0]!, messageId: message.id, emoji: '👍' });
    const event = await withReactions.waitFor((p) => p.t === 'MESSAGE_REACTION_ADD');
    expect(event.d).toMatchObject({ user_id: emu.memberIds[0], message_id: message.id, channel_id: emu.channelId, guild_id: emu.guildId, emoji: { id: null, name: '👍' } });
    // Dispatch is synchronous: by now the emulator has decided for every session.
    const reactionSessions = emu.dispatches.filter((d) => d.t === 'MESSAGE_REACTION_ADD').map((d) => d.sessionId);
    expect(reactionSessions).toContain(readyWith.d.session_id);
    expect(reactionSessions).not.toContain(readyWithout.d.session_id);
    expect(withoutReactions.received.filter((p) => p.t === 'MESSAGE_REACTION_ADD')).toEqual([]);
    withReactions.close();
    withoutReactions.close();
  });

  it('resumes a session with a replay of missed events, and answers INVALID_SESSION to an unknown one', async () => {
    const first = open();
    await first.waitFor((p) => p.op === 10);
    identify(first, GatewayIntentBits.GuildMessageReactions);
    const ready = await first.waitFor((p) => p.t === 'READY');
    emu.dropGatewayConnections();
    await first.waitForClose();
    const message = emu.seedMessage({ content: 'while away' });
    await emu.react({ userId: emu.memberIds[1]!, messageId: message.id, emoji: '🍿' });

    const second = open();
    await second.waitFor((p) => p.op === 10);
    second.send({ op: 6, d: { token: emu.token, session_id: ready.d.session_id, seq: ready.s } });
    const replayed = await second.waitFor((p) => p.t === 'MESSAGE_REACTION_ADD' && p.d.message_id === message.id);
    const resumed = await second.waitFor((p) => p.t === 'RESUMED');
    expect(replayed.s).toBeGreaterThan(ready.s!);
    expect(resumed.s).toBeGreaterThan(replayed.s!);

    const third = open();
    await third.waitFor((p) => p.op === 10);
    third.send({ op: 6, d: { token: emu.token, session_id: 'no-such-session', seq: 1 } });
    expect((await third.waitFor((p) => p.op === 9)).d).toBe(false);
  });

  it('speaks zlib-stream when the client asks for it', async () => {
    const socket = open({ zlibStream: true });
    await socket.waitFor((p) => p.op === 10);
    identify(socket, GatewayIntentBits.Guilds);
    const ready = await socket.waitFor((p) => p.t === 'READY');
    await socket.waitFor((p) => p.t === 'GUILD_CREATE');
    expect(ready.d.user.id).toBe(emu.botUserId);
  });

  it('gives everything snowflake ids that increase', () => {
    const ids = [emu.applicationId, emu.guildId, emu.channelId, ...emu.memberIds, ...emu.messages().map((m) => m.id)];
    for (const id of ids) expect(isSnowflake(id), id).toBe(true);
    const messageIds = emu.messages().map((m) => BigInt(m.id));
    expect([...messageIds].sort((a, b) => (a < b ? -1 : 1))).toEqual(messageIds);
  });
});
