/**
 * Soak benchmark, as production runs: `tastebud seed` imports MovieLens ml-latest-small, makes the
 * project's own text model, embeds the titles and trains and promotes the production model; then a
 * `tastebud worker` and a `tastebud bot` child process run against their own PostgreSQL and redis-server,
 * the bot with its production throttles. Every member first rates a few well-known titles with /rate,
 * so the worker builds their vectors and /recommend takes the personal path (the run counts personal vs
 * popular answers). The Discord emulator then sends a mixed stream (reactions, /recommend, /search
 * autocomplete) from the members, and two hostile members alongside: one holding a key down in /search
 * (keystrokes at --key-rate a second, each a new question) and one flooding reactions over all the
 * suggestions (--flood-rate a second). Reports throughput, p50/p95/p99 latency per kind for the ordinary
 * members, what the throttles let through, errors (must be 0), the bot's memory over time and, at the
 * end, whether the database matches what the emulator says was reacted and whether the flooder's
 * ratings are their latest held reactions.
 *
 *   npx tsx bench/soak.ts [--duration-s 300] [--members 200] [--concurrency 16] [--sample-s 10]
 *                         [--hostile 1] [--throttle 1] [--key-rate 30] [--flood-rate 20] [--ratings-per-member 6]
 *                         [--dir data/movielens/ml-latest-small]
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
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { normaliseEmoji, reactionMeaning, SUGGESTION_REACTIONS } from '../src/ratings/scale.ts';
import { BUSY_CHANNEL_NOTE } from '../src/bot/suggest.ts';
import { THROTTLE_DEFAULTS } from '../src/config.ts';
import { startDiscordEmulator, type DiscordEmulator, type InteractionHandle } from '../src/emulator/index.ts';
import { seededRandom } from '../src/lib/random.ts';
import { spawnManaged, startPostgresProcess, startRedisProcess, waitUntil, type ManagedChild } from '../test/support/processes/index.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';

const { values: args } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '300' },
    members: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    'sample-s': { type: 'string', default: '10' },
    hostile: { type: 'string', default: '1' },
    throttle: { type: 'string', default: '1' },
    'key-rate': { type: 'string', default: '30' },
    'flood-rate': { type: 'string', default: '20' },
    'ratings-per-member': { type: 'string', default: '6' },
    dir: { type: 'string' },
    'heap-every-s': { type: 'string', default: '30' },
    'snapshots-at': { type: 'string', default: '' },
    'snapshot-dir': { type: 'string', default: path.join(os.tmpdir(), 'soak-heaps') },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
args.dir ??= await movieLensOrStop();
const durationMs = Number(args['duration-s']) * 1000;
const memberCount = Number(args.members);
const concurrency = Number(args.concurrency);
const sampleMs = Number(args['sample-s']) * 1000;
const keyRate = Number(args['key-rate']);
const floodRate = Number(args['flood-rate']);
const ratingsPerMember = Number(args['ratings-per-member']);
const hostile = args.hostile !== '0';
/** `--throttle 0` lifts the autocomplete and reaction budgets to the most the config accepts (1000 per 10 s), to compare. */
const throttled = args.throttle !== '0';
const heapEveryMs = Number(args['heap-every-s']) * 1000;
const snapshotsAtS = args['snapshots-at'] ? args['snapshots-at'].split(',').map(Number) : [];
for (const [name, v] of Object.entries({ durationMs, memberCount, concurrency, sampleMs, keyRate, floodRate, ratingsPerMember })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
}
if (memberCount < 20) throw new Error('--members must be at least 20');
if (!(heapEveryMs >= 0) || snapshotsAtS.some((s) => !(s > 0))) throw new Error('--heap-every-s must be >= 0 and --snapshots-at positive seconds');

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/tastebud.js', import.meta.url));
const members = Array.from({ length: memberCount }, (_, i) => ({ id: String(500000000000000000n + BigInt(i)), username: `soak${i}` }));
const keyHolder = { id: '500000000000900001', username: 'keyholder' };
const flooder = { id: '500000000000900002', username: 'flooder' };
const RATING_EMOJI = ['😍', '👍', '😐', '👎'];
const WORDS = ['the', 'star', 'love', 'night', 'war', 'man', 'toy', 'ti', 'dark', 'x', 'story', 'blue', 'a', 'lo', 'se', 'godf', 'matrix', 'alien'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

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

interface Services {
  databaseUrl: string;
  redisUrl: string;
  db: pg.Pool;
  modelsDir: string;
  stop(): Promise<void>;
}

/** PostgreSQL and redis-server of the run's own, an empty `soak` database and a scratch models directory. */
async function startServices(): Promise<Services> {
  const [pgServer, redis] = await Promise.all([startPostgresProcess(), startRedisProcess()]);
  const client = new pg.Client({ connectionString: pgServer.url() });
  await client.connect();
  await client.query('CREATE DATABASE soak');
  await client.end();
  const databaseUrl = pgServer.url('soak');
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // The server is destroyed at the end while idle clients may still be open.
  db.on('error', () => {});
  const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'soak-models-'));
  return {
    databaseUrl,
    redisUrl: redis.url,
    db,
    modelsDir,
    async stop() {
      await db.end();
      await pgServer.destroy();
      await redis.destroy();
      rmSync(modelsDir, { recursive: true, force: true });
    },
  };
}

/** The environment of the seed, worker and bot processes, as a deployment's .env would set it. */
function appEnv(services: Services, emu?: DiscordEmulator): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    QUEUE_PREFIX: 'soak',
    MOVIELENS_DIR: args.dir,
    MODELS_DIR: services.modelsDir,
    ALLOW_REMOTE_MODELS: 'false',
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    // Out of the way of the load generator (16 drivers share 200 members); the throttles under test keep their production defaults.
    COMMAND_RATE_LIMIT: '1000',
    COMMAND_RATE_WINDOW_SECONDS: '1',
    ...(throttled ? {} : { AUTOCOMPLETE_RATE_LIMIT: '1000', REACTION_RATE_LIMIT: '1000' }),
    ...(emu ? { DISCORD_TOKEN: emu.token, DISCORD_APPLICATION_ID: emu.applicationId, DISCORD_GUILD_ID: emu.guildId, DISCORD_API_URL: emu.apiUrl } : {}),
  };
}

/** `tastebud seed`: migrations, the MovieLens import, the own text model, title embeddings and the first (production) training. */
async function seed(services: Services): Promise<void> {
  const t0 = performance.now();
  const child = spawnManaged(process.execPath, [BIN, 'seed'], { env: appEnv(services), cwd: ROOT });
  const code = await child.exited;
  if (code !== 0) throw new Error(`tastebud seed exited with ${code}:\n${child.output().slice(-3000)}`);
  const lines = child
    .output()
    .split('\n')
    .filter((l) => /imported|made a|embedded|first training|Ready/.test(l));
  console.log(`seed (${((performance.now() - t0) / 1000).toFixed(0)} s): ${lines.map((l) => l.trim()).join(' | ')}`);
}

/** Every member rates a few of the best-known titles with /rate; resolves when the worker has built all their vectors. */
async function personalise(emu: DiscordEmulator, db: pg.Pool, raters: readonly { id: string }[]): Promise<void> {
  const t0 = performance.now();
  const popular = (await db.query<{ id: number }>('SELECT id FROM titles ORDER BY rating_count DESC LIMIT 300')).rows.map((r) => r.id);
  const random = seededRandom(7);
  const jobs = raters.flatMap((m) => {
    const picked = new Set<number>();
    while (picked.size < ratingsPerMember) picked.add(popular[Math.floor(random() * popular.length)]!);
    return [...picked].map((titleId) => ({ userId: m.id, titleId, score: 1 + Math.floor(random() * 9) / 2 }));
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const it = await emu.runCommand({ userId: job.userId, name: 'rate', options: { title: String(job.titleId), score: job.score } });
        await emu.waitFor(() => /^Rated|went wrong|unavailable/.test(it.finalContent() ?? ''), { timeoutMs: 30_000 });
        if (!it.finalContent()?.startsWith('Rated')) throw new Error(`/rate answered "${it.finalContent()}"`);
      }
    }),
  );
  const ids = raters.map((m) => m.id);
  const vectors = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM user_vectors v JOIN users u ON u.id = v.user_id WHERE u.external_id = ANY($1)', [ids])).rows[0]!.n);
  await waitUntil(async () => (await vectors()) === ids.length, 'every member vector built by the worker', 300_000, 500);
  console.log(`personalised: ${ids.length} members rated ${jobs.length} titles with /rate; ${await vectors()} member vectors built (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

/** The bot and the worker as child processes; the bot with its inspector open. */
async function startProcesses(services: Services, emu: DiscordEmulator): Promise<{ bot: ManagedChild; worker: ManagedChild; inspector: Inspector }> {
  const worker = spawnManaged(process.execPath, [BIN, 'worker', '--no-schedule'], { env: appEnv(services), cwd: ROOT });
  const bot = spawnManaged(process.execPath, ['--inspect=127.0.0.1:0', BIN, 'bot'], { env: appEnv(services, emu), cwd: ROOT });
  await waitUntil(() => emu.sessions().some((s) => s.connected) && emu.commands('guild').length > 0, 'the bot to connect', 90_000, 100);
  await sleep(500);
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(bot.output())?.[1];
  if (!inspectorUrl) throw new Error('the bot did not open its inspector');
  return { bot, worker, inspector: await Inspector.connect(inspectorUrl) };
}

const isPersonal = (it: InteractionHandle) => it.finalContent()?.startsWith('Suggestions for') ?? false;

/** What the key holder got: keystrokes sent, answered with choices, answered with none. */
interface KeyStats {
  sent: number;
  withChoices: number;
  /** Answers with choices to a question not answered in the last 30 s (the bot's answer cache): searches the bot ran. */
  searched: number;
  empty: number;
  failed: number;
  latency: number[];
}

/** A member holding a key down in /search: `keyRate` keystrokes a second, typing title names letter by letter. */
async function holdKey(emu: DiscordEmulator, names: readonly string[], until: number, stats: KeyStats): Promise<void> {
  const random = seededRandom(11);
  const pending: Promise<void>[] = [];
  const answeredAt = new Map<string, number>();
  let name = '';
  let typed = 0;
  for (let i = 0; Date.now() < until; i++) {
    if (typed >= name.length) [name, typed] = [names[Math.floor(random() * names.length)]!, 0];
    const value = name.slice(0, ++typed);
    const t0 = performance.now();
    stats.sent++;
    pending.push(
      emu.autocomplete({ userId: keyHolder.id, name: 'search', focused: 'query', value, timeoutMs: 5_000 }).then(
        (choices) => {
          stats.latency.push(performance.now() - t0);
          if (choices.length === 0) return void stats.empty++;
          stats.withChoices++;
          // The bot's cache key is the trimmed text.
          const question = value.trim();
          if (Date.now() - (answeredAt.get(question) ?? -Infinity) > 30_000) {
            stats.searched++;
            answeredAt.set(question, Date.now());
          }
        },
        () => void stats.failed++,
      ),
    );
    await sleep(Math.max(0, t0 + 1000 / keyRate - performance.now()));
  }
  await Promise.all(pending);
}

/** The flooder's reactions in send order, for the rating each title must end with. */
interface Flood {
  sent: number;
  /** messageId -> the rating emoji held there and when it was added (send order). */
  held: Map<string, { emoji: string; seq: number }>;
}

/** A member reacting over every suggestion at `floodRate` events a second: set one rating emoji (switching off the one held) or clear it. */
async function flood(emu: DiscordEmulator, messageIds: readonly string[], until: number, state: Flood): Promise<void> {
  const random = seededRandom(13);
  let seq = 0;
  while (Date.now() < until) {
    const t0 = performance.now();
    const messageId = messageIds[Math.floor(random() * messageIds.length)]!;
    const held = state.held.get(messageId);
    if (held && random() < 0.3) {
      await emu.unreact({ userId: flooder.id, messageId, emoji: held.emoji });
      state.held.delete(messageId);
      state.sent++;
    } else {
      const emoji = RATING_EMOJI.filter((e) => e !== held?.emoji)[Math.floor(random() * 3)]!;
      if (held) await emu.unreact({ userId: flooder.id, messageId, emoji: held.emoji });
      await emu.react({ userId: flooder.id, messageId, emoji });
      state.held.set(messageId, { emoji, seq: seq++ });
      state.sent += held ? 2 : 1;
    }
    await sleep(Math.max(0, t0 + (1000 / floodRate) * (held ? 2 : 1) - performance.now()));
  }
}

/** The flooder's ratings as the database holds them vs as "latest held reaction per title" decides them. */
async function floodRatings(db: pg.Pool, state: Flood): Promise<{ titles: number; wrong: number }> {
  const titleOf = new Map(
    (await db.query<{ message_id: string; title_id: number }>('SELECT message_id, title_id FROM suggestions WHERE message_id = ANY($1)', [[...state.held.keys()]])).rows.map((r) => [
      r.message_id,
      r.title_id,
    ]),
  );
  const expected = new Map<number, { value: number; seq: number }>();
  for (const [messageId, { emoji, seq }] of state.held) {
    const titleId = titleOf.get(messageId)!;
    const meaning = reactionMeaning(emoji);
    if (meaning?.kind !== 'rating') continue;
    if ((expected.get(titleId)?.seq ?? -1) < seq) expected.set(titleId, { value: meaning.value, seq });
  }
  const stored = new Map(
    (await db.query<{ title_id: number; value: number }>('SELECT r.title_id, r.value FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.external_id = $1', [flooder.id])).rows.map((r) => [
      r.title_id,
      r.value,
    ]),
  );
  let wrong = 0;
  for (const [titleId, { value }] of expected) if (stored.get(titleId) !== value) wrong++;
  for (const titleId of stored.keys()) if (!expected.has(titleId)) wrong++;
  return { titles: expected.size, wrong };
}
async function main() {
  console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
  console.log(
    `soak: ${durationMs / 1000} s, ${memberCount} members, ${concurrency} concurrent drivers; hostile members: ${hostile ? `a key holder at ${keyRate} keystrokes/s, a flooder at ${floodRate} reaction events/s` : 'none'}`,
  );
  console.log(
    throttled
      ? `throttles (production defaults): autocomplete ${THROTTLE_DEFAULTS.autocomplete} searches and reactions ${THROTTLE_DEFAULTS.reactions} writes per member per ${THROTTLE_DEFAULTS.windowSeconds} s`
      : `throttles lifted (--throttle 0): 1000 searches and 1000 reaction writes per member per ${THROTTLE_DEFAULTS.windowSeconds} s`,
  );
  console.log(`load average before: ${loadavg()}`);
  const services = await startServices();
  await seed(services);
  const { db } = services;
  const emu: DiscordEmulator = await startDiscordEmulator({ members: [...members, keyHolder, flooder], interactionDeadlineMs: 3000 });
  const { bot, worker, inspector } = await startProcesses(services, emu);
  await personalise(emu, db, members);

  const rssMb = () => {
    const status = readFileSync(`/proc/${bot.process.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };

  // Suggestion messages to react on, one batch at a time so that each gets its scale.
  const suggestionIds: string[] = [];
  let personalBatches = 0;
  for (let i = 0; i < 10; i++) {
    const it = await emu.runCommand({ userId: members[i]!.id, name: 'recommend', options: { count: 5 } });
    await emu.waitFor(() => it.followUps().length === 5 && it.followUps().every((m) => m.reactions.length >= SUGGESTION_REACTIONS.length), { timeoutMs: 30_000 });
    suggestionIds.push(...it.followUps().map((m) => m.id));
    if (isPersonal(it)) personalBatches++;
  }
  console.log(`suggestions to react on: ${suggestionIds.length} (${personalBatches} of 10 batches personal)`);
  const titleNames = (await db.query<{ name: string }>('SELECT name FROM titles ORDER BY rating_count DESC LIMIT 2000')).rows.map((r) => r.name);

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
    const r = await db.query('SELECT 1 FROM suggestion_reactions sr JOIN users u ON u.id = sr.user_id WHERE sr.message_id = $1 AND u.external_id = $2 AND sr.emoji = $3', [
      messageId,
      discordId,
      emoji,
    ]);
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
  const keys: KeyStats = { sent: 0, withChoices: 0, searched: 0, empty: 0, failed: 0, latency: [] };
  const flooded: Flood = { sent: 0, held: new Map() };
  const hostiles = hostile
    ? [holdKey(emu, titleNames, started + durationMs, keys), flood(emu, suggestionIds, started + durationMs, flooded).catch((error: unknown) => void errors.push(`flood: ${(error as Error).message}`))]
    : [];
  await Promise.all([...drivers, ...hostiles]);
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
  const expectedHeld = () => {
    const expected = new Set<string>();
    for (const id of suggestionIds) {
      for (const r of emu.message(id)!.reactions) {
        if (!reactionMeaning(r.emoji)) continue;
        for (const u of r.userIds) if (u !== emu.botUserId) expected.add(`${id}|${u}|${normaliseEmoji(r.emoji)}`);
      }
    }
    return expected;
  };
  const storedHeld = async () =>
    new Set(
      (
        await db.query<{ k: string }>(
          `SELECT sr.message_id || '|' || u.external_id || '|' || sr.emoji AS k FROM suggestion_reactions sr JOIN users u ON u.id = sr.user_id WHERE sr.message_id = ANY($1)`,
          [suggestionIds],
        )
      ).rows.map((r) => r.k),
    );
  const settleStarted = performance.now();
  // The flooder's reactions still waiting for their budget are written at its pace after the load stops.
  const matches = async () => {
    const [expected, actual] = [expectedHeld(), await storedHeld()];
    return expected.size === actual.size && [...expected].every((k) => actual.has(k));
  };
  await waitUntil(matches, 'the database to hold every reaction', 300_000, 500).catch((error: unknown) => console.log((error as Error).message));
  const drainedS = (performance.now() - settleStarted) / 1000;
  await waitUntil(settledScale, 'the last scale reactions', 60_000, 250).catch((error: unknown) => console.log((error as Error).message));
  await sleep(2000);
  const adds = scaleAdds();
  const scaled = recommends.filter((r) => !isShed(r));
  const shed = recommends.length - scaled.length;
  const rateableAfter = scaled.map((r) => Math.max(...r.it.followUps().map((m) => Math.max(...(adds.get(m.id) ?? [Infinity])))) - r.at).sort((a, b) => a - b);
  const expected = expectedHeld();
  const actual = await storedHeld();
  const missing = [...expected].filter((k) => !actual.has(k)).length;
  const extra = [...actual].filter((k) => !expected.has(k)).length;
  const floodCheck = hostile ? await floodRatings(db, flooded) : { titles: 0, wrong: 0 };
  const botErrors = `${bot.output()}\n${worker.output()}`.split('\n').filter((l) => /"level":(50|60)/.test(l));

  console.log(`\nelapsed ${elapsedS.toFixed(0)} s; load average at the end (1/5/15 min): ${loadavg()}`);
  console.log('ordinary members:');
  console.log('kind          count   ops/s    p50 ms   p95 ms   p99 ms');
  const row = (label: string, values: number[], perS = true) => {
    const sorted = [...values].sort((a, b) => a - b);
    const rate = perS ? (sorted.length / elapsedS).toFixed(1) : '';
    return `${label.padEnd(12)} ${String(sorted.length).padStart(6)} ${rate.padStart(7)} ${percentile(sorted, 50).toFixed(1).padStart(9)} ${percentile(sorted, 95).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)}`;
  };
  for (const [kind, values] of Object.entries(latencies)) console.log(row(kind, values));
  console.log(`${row('→ rateable', rateableAfter, false)}   (/recommend → its last suggestion has the whole scale)`);
  const personal = recommends.filter((r) => isPersonal(r.it)).length;
  console.log(`/recommend personal: ${personal} of ${recommends.length}; posted without the scale (channel backlog full): ${shed} of ${recommends.length}`);
  if (hostile) {
    const windows = elapsedS / THROTTLE_DEFAULTS.windowSeconds;
    console.log(
      `key holder: ${keys.sent} keystrokes (${(keys.sent / elapsedS).toFixed(1)}/s); answered with choices ${keys.withChoices}, of them new questions (searches) ${keys.searched} = ${(keys.searched / windows).toFixed(1)} per ${THROTTLE_DEFAULTS.windowSeconds} s (budget ${throttled ? THROTTLE_DEFAULTS.autocomplete : 1000}), the rest from the cache; with no choices ${keys.empty}; failed ${keys.failed}; answer p50 ${percentile(
        [...keys.latency].sort((a, b) => a - b),
        50,
      ).toFixed(1)} ms`,
    );
    console.log(
      `flooder: ${flooded.sent} reaction events (${(flooded.sent / elapsedS).toFixed(1)}/s, budget ${(throttled ? THROTTLE_DEFAULTS.reactions : 1000) / THROTTLE_DEFAULTS.windowSeconds}/s); database held every reaction ${drainedS.toFixed(1)} s after the load stopped; ratings of ${floodCheck.titles} titles, ${floodCheck.wrong} not the latest held reaction`,
    );
  }
  // discord.js spends at most 50 requests a second outside interaction callbacks; where they went during the run.
  const during = emu.requests.filter((r) => r.at >= started && r.at <= started + elapsedS * 1000);
  const rate = (match: (route: string) => boolean) => (during.filter((r) => r.route !== null && match(r.route)).length / elapsedS).toFixed(1);
  console.log(
    `bot REST calls/s: scale reactions ${rate((r) => r.endsWith('/reactions/:emoji/@me'))}, interaction follow-ups and edits ${rate((r) => r.includes('/webhooks/'))}, interaction callbacks ${rate((r) => r.endsWith('/callback'))}`,
  );
  const total = Object.values(latencies).reduce((s, v) => s + v.length, 0);
  console.log(`total ${total} ordinary ops, ${(total / elapsedS).toFixed(1)} ops/s`);
  console.log(`errors: ${errors.length}${errors.length ? ` (first: ${errors.slice(0, 5).join(' | ')})` : ''}; bot and worker error log lines: ${botErrors.length}`);
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
  await worker.stop('SIGTERM', 15_000);
  await emu.close();
  await services.stop();
  if (errors.length > 0 || missing + extra + floodCheck.wrong > 0 || personal < recommends.length) process.exitCode = 1;
}

await main();
