/**
 * Soak benchmark: the Discord emulator sends a mixed stream (reactions, /recommend, /search autocomplete)
 * from many members against a `tastebud bot` child process, with its own PostgreSQL and redis-server.
 * Reports throughput, p50/p95/p99 latency per kind, errors (must be 0), the bot's memory over time
 * and, at the end, whether the database matches what the emulator says was reacted.
 *
 *   npx tsx bench/soak.ts [--duration-s 300] [--members 200] [--concurrency 16] [--sample-s 10]
 *                         [--heap-every-s 30] [--snapshots-at 120,480,840 --snapshot-dir /tmp/soak-heaps]
 *
 * The bot runs with the inspector on a local port: every `--heap-every-s` the benchmark forces a full GC
 * there and reads process.memoryUsage(), so the heap that survives GC (what a leak grows) is reported
 * beside RSS (which also holds GC slack V8 has not given back). `--snapshots-at` writes heap snapshots
 * at those seconds into the run (each pauses the bot for seconds: diagnosis runs, not benchmark figures).
 *
 * Reaction latency is "emulator dispatch -> row visible in suggestion_reactions" (polled every 5 ms, which
 * adds a little database load); /recommend is "command -> last suggestion posted", and "-> rateable"
 * "command -> the bot's last scale reaction on it" (from the emulator's request log; suggestions the bot
 * posted without the scale because the channel's backlog was full are counted apart); autocomplete is
 * "keystroke -> choices received".
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { normaliseEmoji, reactionMeaning, SUGGESTION_REACTIONS } from '../src/ratings/scale.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { BUSY_CHANNEL_NOTE } from '../src/bot/suggest.ts';
import { startDiscordEmulator, type DiscordEmulator, type InteractionHandle } from '../src/emulator/index.ts';
import { spawnManaged, startPostgresProcess, startRedisProcess, waitUntil } from '../test/support/processes/index.ts';

const { values: args } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '300' },
    members: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    'sample-s': { type: 'string', default: '10' },
    titles: { type: 'string', default: '2000' },
    'heap-every-s': { type: 'string', default: '30' },
    'snapshots-at': { type: 'string', default: '' },
    'snapshot-dir': { type: 'string', default: path.join(os.tmpdir(), 'soak-heaps') },
  },
});
const durationMs = Number(args['duration-s']) * 1000;
const memberCount = Number(args.members);
const concurrency = Number(args.concurrency);
const sampleMs = Number(args['sample-s']) * 1000;
const titleCount = Number(args.titles);
const heapEveryMs = Number(args['heap-every-s']) * 1000;
const snapshotsAtS = args['snapshots-at'] ? args['snapshots-at'].split(',').map(Number) : [];
for (const [name, v] of Object.entries({ durationMs, memberCount, concurrency, sampleMs, titleCount })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
}
if (!(heapEveryMs >= 0) || snapshotsAtS.some((s) => !(s > 0))) throw new Error('--heap-every-s must be >= 0 and --snapshots-at positive seconds');

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const members = Array.from({ length: memberCount }, (_, i) => ({ id: String(500000000000000000n + BigInt(i)), username: `soak${i}` }));
const RATING_EMOJI = ['😍', '👍', '😐', '👎'];
const WORDS = ['the', 'star', 'love', 'night', 'war', 'man', 'title 1', 'ti', 'dark', 'x', 'story', 'blue', 'a', 'lo', 'se'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A minimal Chrome DevTools Protocol client for the bot's inspector (forced GC, memory, heap snapshots). */
class Inspector {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private onChunk: ((chunk: string) => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: { chunk: string } };
      if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') this.onChunk?.(msg.params!.chunk);
      const w = msg.id === undefined ? undefined : this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id!);
      if (msg.error) w.reject(new Error(msg.error.message));
      else w.resolve(msg.result);
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Inspector(ws);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  /** process.memoryUsage() right after a full, forced garbage collection. */
  async memoryAfterGc(): Promise<NodeJS.MemoryUsage> {
    await this.send('HeapProfiler.collectGarbage');
    const { result } = await this.send<{ result: { value: string } }>('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(result.value) as NodeJS.MemoryUsage;
  }

  async heapSnapshot(file: string): Promise<void> {
    const out = createWriteStream(file);
    this.onChunk = (chunk) => out.write(chunk);
    try {
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.onChunk = undefined;
      await new Promise((resolve) => out.end(resolve));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Least-squares slope of y over x, per minute of x seconds. */
function slopePerMin(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  return (points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / points.reduce((s, p) => s + (p.x - mx) ** 2, 0)) * 60;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
  console.log(`soak: ${durationMs / 1000} s, ${memberCount} members, ${concurrency} concurrent drivers`);
  const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average before: ${loadavg()}`);
  const [pgServer, redis] = await Promise.all([startPostgresProcess(), startRedisProcess()]);
  const client = new pg.Client({ connectionString: pgServer.url() });
  await client.connect();
  await client.query('CREATE DATABASE soak');
  await client.end();
  const databaseUrl = pgServer.url('soak');
  await applyMigrations(databaseUrl, fileURLToPath(new URL('../prisma/migrations', import.meta.url)));
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // The server is destroyed at the end while idle clients may still be open.
  db.on('error', () => {});
  const genres = ['Action', 'Comedy', 'Horror', 'Romance', 'Drama', 'Sci-Fi'];
  const adjectives = ['Dark', 'Blue', 'Silent', 'Last', 'Lost', 'Golden', 'Night', 'Love', 'War', 'Star'];
  const nouns = ['Story', 'Man', 'City', 'River', 'Game', 'Road', 'Star', 'House', 'Dream', 'Night'];
  for (let start = 0; start < titleCount; start += 500) {
    const rows = Array.from({ length: Math.min(500, titleCount - start) }, (_, k) => {
      const i = start + k;
      const name = `The ${adjectives[i % 10]} ${nouns[Math.floor(i / 10) % 10]} ${Math.floor(i / 100) + 1}`;
      return [name, 1950 + (i % 70), `{${genres[i % genres.length]}}`, name.toLowerCase(), 10000 - i, 2.5 + (i % 5) / 2];
    });
    const params: unknown[] = [];
    const tuples = rows.map((r, k) => {
      params.push(r[0], r[1], [String(r[2]).slice(1, -1)], r[3], r[4], r[5]);
      const b = k * 6;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, now())`;
    });
    await db.query(`INSERT INTO titles (name, year, genres, search_name, rating_count, rating_mean, updated_at) VALUES ${tuples.join(', ')}`, params);
  }

  const emu: DiscordEmulator = await startDiscordEmulator({ members, interactionDeadlineMs: 3000 });
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'soak',
    DISCORD_TOKEN: emu.token,
    DISCORD_APPLICATION_ID: emu.applicationId,
    DISCORD_GUILD_ID: emu.guildId,
    DISCORD_API_URL: emu.apiUrl,
    COMMAND_RATE_LIMIT: '1000',
    COMMAND_RATE_WINDOW_SECONDS: '1',
    METRICS_PORT: '0',
  };
  const bot = spawnManaged(process.execPath, ['--inspect=127.0.0.1:0', fileURLToPath(new URL('../bin/tastebud.js', import.meta.url)), 'bot'], { env, cwd: ROOT });
  await waitUntil(() => emu.sessions().some((s) => s.connected) && emu.commands('guild').length > 0, 'the bot to connect', 60_000, 100);
  await sleep(500);
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(bot.output())?.[1];
  if (!inspectorUrl) throw new Error('the bot did not open its inspector');
  const inspector = await Inspector.connect(inspectorUrl);

  const rssMb = () => {
    const status = readFileSync(`/proc/${bot.process.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };

  // Suggestion messages to react on, one batch at a time so that each gets its scale.
  const suggestionIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const it = await emu.runCommand({ userId: members[i]!.id, name: 'recommend', options: { count: 5 } });
    await emu.waitFor(() => it.followUps().length === 5 && it.followUps().every((m) => m.reactions.length >= SUGGESTION_REACTIONS.length), { timeoutMs: 30_000 });
    suggestionIds.push(...it.followUps().map((m) => m.id));
  }

  const latencies: Record<string, number[]> = { reaction: [], recommend: [], autocomplete: [] };
  const errors: string[] = [];
  const memory: { atS: number; rssMb: number }[] = [{ atS: 0, rssMb: rssMb() }];
  const heap: { atS: number; heapMb: number; heapTotalMb: number; externalMb: number; rssMb: number }[] = [];
  const busy = new Set<string>();
  const started = Date.now();
  const atS = () => Math.round((Date.now() - started) / 1000);
  const sampler = setInterval(() => memory.push({ atS: atS(), rssMb: rssMb() }), sampleMs);
  // Heap samples and snapshots take turns on the one inspector connection.
  let inspecting = Promise.resolve();
  const inspect = (work: () => Promise<void>) => {
    inspecting = inspecting.then(work).catch((error: unknown) => console.log(`inspector: ${(error as Error).message}`));
  };
  const sampleHeap = () =>
    inspect(async () => {
      const m = await inspector.memoryAfterGc();
      heap.push({ atS: atS(), heapMb: m.heapUsed / 2 ** 20, heapTotalMb: m.heapTotal / 2 ** 20, externalMb: m.external / 2 ** 20, rssMb: m.rss / 2 ** 20 });
    });
  sampleHeap();
  const heapSampler = heapEveryMs > 0 ? setInterval(sampleHeap, heapEveryMs) : undefined;
  if (snapshotsAtS.length > 0) mkdirSync(args['snapshot-dir'], { recursive: true });
  const snapshotTimers = snapshotsAtS.map((s) =>
    setTimeout(
      () =>
        inspect(async () => {
          const file = path.join(args['snapshot-dir'], `bot-${s}s.heapsnapshot`);
          const t0 = performance.now();
          await inspector.heapSnapshot(file);
          console.log(`heap snapshot at ${s} s: ${file} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        }),
      s * 1000,
    ),
  );

  const rowVisible = async (messageId: string, discordId: string, emoji: string) => {
    const r = await db.query('SELECT 1 FROM suggestion_reactions sr JOIN users u ON u.id = sr.user_id WHERE sr.message_id = $1 AND u.external_id = $2 AND sr.emoji = $3', [messageId, discordId, emoji]);
    return (r.rowCount ?? 0) > 0;
  };

  async function oneReaction() {
    let member: string;
    let messageId: string;
    let key: string;
    do {
      member = members[Math.floor(Math.random() * members.length)]!.id;
      messageId = suggestionIds[Math.floor(Math.random() * suggestionIds.length)]!;
      key = `${member}|${messageId}`;
    } while (busy.has(key));
    busy.add(key);
    try {
      const held = emu.message(messageId)!.reactions.find((r) => r.userIds.includes(member) && RATING_EMOJI.includes(r.emoji))?.emoji;
      const t0 = performance.now();
      if (held) {
        await emu.unreact({ userId: member, messageId, emoji: held });
        await waitUntil(async () => !(await rowVisible(messageId, member, normaliseEmoji(held))), 'reaction removal stored', 15_000, 5);
      } else {
        const emoji = RATING_EMOJI[Math.floor(Math.random() * RATING_EMOJI.length)]!;
        await emu.react({ userId: member, messageId, emoji });
        await waitUntil(() => rowVisible(messageId, member, normaliseEmoji(emoji)), 'reaction stored', 15_000, 5);
      }
      latencies.reaction!.push(performance.now() - t0);
    } finally {
      busy.delete(key);
    }
  }

  // Drivers move on once the suggestions are posted; when each became rateable is read afterwards.
  const recommends: { at: number; it: InteractionHandle }[] = [];
  async function oneRecommend() {
    const member = members[10 + Math.floor(Math.random() * (members.length - 10))]!.id;
    const t0 = performance.now();
    const at = Date.now();
    const it = await emu.runCommand({ userId: member, name: 'recommend', options: { count: 3 } });
    await emu.waitFor(() => it.followUps().length === 3 || /went wrong|unavailable|Slow down/.test(it.finalContent() ?? ''), { timeoutMs: 30_000 });
    if (it.followUps().length !== 3) throw new Error(`/recommend answered "${it.finalContent()}"`);
    latencies.recommend!.push(performance.now() - t0);
    recommends.push({ at, it });
  }

  async function oneAutocomplete() {
    const member = members[Math.floor(Math.random() * members.length)]!.id;
    const word = WORDS[Math.floor(Math.random() * WORDS.length)]!;
    const t0 = performance.now();
    const choices = await emu.autocomplete({ userId: member, name: 'search', focused: 'query', value: word, timeoutMs: 5_000 });
    if (!Array.isArray(choices)) throw new Error('autocomplete gave no choices array');
    latencies.autocomplete!.push(performance.now() - t0);
  }

  const drivers = Array.from({ length: concurrency }, async () => {
    while (Date.now() - started < durationMs) {
      const roll = Math.random();
      const kind = roll < 0.55 ? 'reaction' : roll < 0.65 ? 'recommend' : 'autocomplete';
      try {
        if (kind === 'reaction') await oneReaction();
        else if (kind === 'recommend') await oneRecommend();
        else await oneAutocomplete();
      } catch (error) {
        errors.push(`${kind}: ${(error as Error).message}`);
      }
    }
  });
  await Promise.all(drivers);
  const elapsedS = (Date.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(heapSampler);
  for (const t of snapshotTimers) clearTimeout(t);
  memory.push({ atS: atS(), rssMb: rssMb() });
  if (heapEveryMs > 0) sampleHeap();
  await inspecting;
  inspector.close();

  // Settle (the last suggestions' scale reactions included), then compare the database with the emulator row by row.
  const scaleAdds = () => {
    const adds = new Map<string, number[]>();
    for (const r of emu.requests) {
      if (r.route !== 'PUT /channels/:channel/messages/:message/reactions/:emoji/@me' || r.status !== 204) continue;
      const messageId = r.path.split('/')[4]!;
      adds.set(messageId, [...(adds.get(messageId) ?? []), r.at]);
    }
    return adds;
  };
  const isShed = (r: (typeof recommends)[number]) => r.it.finalContent()?.endsWith(BUSY_CHANNEL_NOTE) ?? false;
  // Each /recommend ends either scaled or with the busy note (edited in just after its suggestions).
  const settledScale = () => {
    const adds = scaleAdds();
    return recommends.every((r) => isShed(r) || r.it.followUps().every((m) => (adds.get(m.id)?.length ?? 0) >= SUGGESTION_REACTIONS.length));
  };
  await waitUntil(settledScale, 'the last scale reactions', 60_000, 250).catch((error: unknown) => console.log((error as Error).message));
  await sleep(2000);
  const adds = scaleAdds();
  const scaled = recommends.filter((r) => !isShed(r));
  const shed = recommends.length - scaled.length;
  const rateableAfter = scaled
    .map((r) => Math.max(...r.it.followUps().map((m) => Math.max(...(adds.get(m.id) ?? [Infinity])))) - r.at)
    .sort((a, b) => a - b);
  const expected = new Set<string>();
  for (const id of suggestionIds) {
    for (const r of emu.message(id)!.reactions) {
      if (!reactionMeaning(r.emoji)) continue;
      for (const u of r.userIds) if (u !== emu.botUserId) expected.add(`${id}|${u}|${normaliseEmoji(r.emoji)}`);
    }
  }
  const stored = await db.query<{ k: string }>(
    `SELECT sr.message_id || '|' || u.external_id || '|' || sr.emoji AS k FROM suggestion_reactions sr JOIN users u ON u.id = sr.user_id WHERE sr.message_id = ANY($1)`,
    [suggestionIds],
  );
  const actual = new Set(stored.rows.map((r) => r.k));
  const missing = [...expected].filter((k) => !actual.has(k)).length;
  const extra = [...actual].filter((k) => !expected.has(k)).length;
  const botErrors = bot.output().split('\n').filter((l) => /"level":(50|60)/.test(l));

  console.log(`\nelapsed ${elapsedS.toFixed(0)} s; load average at the end (1/5/15 min): ${loadavg()}`);
  console.log('kind          count   ops/s    p50 ms   p95 ms   p99 ms');
  for (const [kind, values] of Object.entries(latencies)) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `${kind.padEnd(12)} ${String(sorted.length).padStart(6)} ${(sorted.length / elapsedS).toFixed(1).padStart(7)} ${percentile(sorted, 50).toFixed(1).padStart(9)} ${percentile(sorted, 95).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)}`,
    );
  }
  console.log(
    `${'→ rateable'.padEnd(12)} ${String(rateableAfter.length).padStart(6)} ${''.padStart(7)} ${percentile(rateableAfter, 50).toFixed(1).padStart(9)} ${percentile(rateableAfter, 95).toFixed(1).padStart(8)} ${percentile(rateableAfter, 99).toFixed(1).padStart(8)}   (/recommend → its last suggestion has the whole scale)`,
  );
  console.log(`/recommend posted without the scale (channel backlog full): ${shed} of ${recommends.length}`);
  // discord.js spends at most 50 requests a second outside interaction callbacks; where they went during the run.
  const during = emu.requests.filter((r) => r.at >= started && r.at <= started + elapsedS * 1000);
  const rate = (match: (route: string) => boolean) => (during.filter((r) => r.route !== null && match(r.route)).length / elapsedS).toFixed(1);
  console.log(
    `bot REST calls/s: scale reactions ${rate((r) => r.endsWith('/reactions/:emoji/@me'))}, interaction follow-ups and edits ${rate((r) => r.includes('/webhooks/'))}, interaction callbacks ${rate((r) => r.endsWith('/callback'))}`,
  );
  const total = Object.values(latencies).reduce((s, v) => s + v.length, 0);
  console.log(`total ${total} ops, ${(total / elapsedS).toFixed(1)} ops/s`);
  console.log(`errors: ${errors.length}${errors.length ? ` (first: ${errors.slice(0, 5).join(' | ')})` : ''}; bot error log lines: ${botErrors.length}`);
  for (const line of botErrors.slice(0, 3)) console.log(`  ${line.slice(0, 600)}`);
  console.log(`database vs emulator: ${expected.size} held reactions expected, ${missing} missing, ${extra} extra`);
  console.log(`bot RSS MB over time: ${memory.map((m) => `${m.atS}s=${m.rssMb.toFixed(0)}`).join(' ')}`);
  const secondHalf = <T extends { atS: number }>(xs: T[]) => xs.filter((m) => m.atS >= elapsedS / 2);
  const rssHalf = secondHalf(memory);
  if (rssHalf.length >= 3) console.log(`RSS trend over the second half: ${slopePerMin(rssHalf.map((m) => ({ x: m.atS, y: m.rssMb }))).toFixed(2)} MB/min`);
  if (heap.length > 0) {
    console.log(`bot heapUsed after forced GC, MB: ${heap.map((m) => `${m.atS}s=${m.heapMb.toFixed(1)}`).join(' ')}`);
    console.log(`bot heapTotal / external / RSS right after forced GC, MB: ${heap.map((m) => `${m.atS}s=${m.heapTotalMb.toFixed(0)}/${m.externalMb.toFixed(1)}/${m.rssMb.toFixed(0)}`).join(' ')}`);
    const heapHalf = secondHalf(heap);
    if (heapHalf.length >= 3) console.log(`heap-after-GC trend over the second half: ${slopePerMin(heapHalf.map((m) => ({ x: m.atS, y: m.heapMb }))).toFixed(2)} MB/min`);
  }

  await bot.stop('SIGTERM', 15_000);
  await emu.close();
  await db.end();
  await pgServer.destroy();
  await redis.destroy();
  if (errors.length > 0 || missing + extra > 0) process.exitCode = 1;
}

await main();
