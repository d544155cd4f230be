/**
 * HTTP API load: `GET /api/users/{user}/recommendations` at a fixed rate against the real `tastebud api` process.
 *
 *   npx tsx bench/api-load.ts [--rate 200] [--duration-s 60] [--connections 20] [--n 10] [--users 610] [--dir <ml-latest-small>]
 *                             [--keep] [--database-url <url>] [--calibrate-s 20] [--log-level info] [--untuned]
 *                             [--load-generator inline|child] [--pin] [--trace-gc] [--probe] [--api-env NAME=value ...] [--api-root <dir>]
 *
 * `--database-url`: a database `tastebud seed` filled (an earlier `--keep` run's, or a deployment's after the README's
 * `npx tastebud seed`), served as it is: its active model version, its MovieLens users.
 *
 * Set-up as a deployment: a scratch database on the local PostgreSQL, `tastebud seed` (MovieLens ml-latest-small
 * import, the project's own text model, title embeddings, the first training of the default model by the real
 * trainer, promoted), then `tastebud api` (compiled, NODE_ENV=production, LOG_LEVEL=warn) as a child process on
 * its own port with one read key and the rate limit out of the way, in the environment the compose service gives it
 * (API_PROCESS_ENVIRONMENT of src/app/api-process.ts; `--untuned` leaves it out, to measure what it changes) and at
 * the production log level (info; `--log-level`). autocannon sends `--rate` requests a second
 * from `--connections` connections for `--duration-s` seconds (after a 5 s warm-up at the same rate), cycling
 * through the MovieLens users (`movielens:<id>`, each with their rated history: the personal path, checked on
 * a cold pass first), so the answers are ranked by the model, not served from one hot entry. autocannon corrects
 * for coordinated omission (a late answer delays the requests behind it, and their latency counts from when
 * they should have been sent). The API process's RSS is read from /proc every 500 ms. Before the timed run a
 * cold pass asks for every user once, one request at a time: those answers are ranked anew (the cost of a cache
 * miss); the run then reports the ranked-list cache's hits and misses from the API's /metrics and the API's CPU
 * time per request (/proc/<pid>/stat). Calibration runs at the same rate against /healthz (no key, no database)
 * just before and just after the timed run show the latency floor of the machine at that moment (the HTTP stack,
 * autocannon, other jobs on the machine); the last line puts the figures, both calibrations and the load side by side.
 *
 * Where the load generator runs (printed as `load generator:`): `--load-generator inline` (the default, as every
 * figure in BENCHMARKS.md until 2026-12-07 was measured) runs autocannon in this process, on the same 2 cores as the
 * API, PostgreSQL and Redis, so its own event-loop waits count as API latency; `--load-generator child` runs it in a
 * process of its own (bench/load-generator.ts); `--pin` (implies child) pins that process to core 0 and the API to
 * core 1 with `taskset -c` (PostgreSQL, Redis and this process stay unpinned). The calibrations use the same set-up.
 *
 * Finding the tail: `--trace-gc` starts the API with `--trace-gc` and prints the scavenges and mark-compacts of the
 * timed run (count, total and longest pause); `--log-level debug` makes the API log each request's own time
 * (Fastify's reply.elapsedTime, from routing to the answer sent) and the run prints their percentiles beside the
 * client's; `--probe` times a PostgreSQL round trip (the history-stamp query) and a Redis round trip (PING) from this
 * process every 20 ms during the timed run. `--api-env NAME=value` (repeatable) adds a setting to the API's environment,
 * e.g. `--api-env API_RATE_LIMIT_LEASES=false` to compare the rate limit's Redis round trip per request;
 * `--api-root <dir>` runs the API built in another checkout (`npm run build` there), e.g. the commit before a change.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { historyStamp } from '../src/api/answers.ts';
import { createPrisma, type PrismaClient } from '../src/db/client.ts';
import { activeModelVersion } from '../src/model-store/store.ts';
import { API_PROCESS_ENVIRONMENT } from '../src/app/api-process.ts';
import { buildIfStale } from '../test/support/build.ts';
import { freePort, spawnManaged, waitUntil, type ManagedChild } from '../test/support/processes/index.ts';
import { createScratchDatabase, dropPrefix, machine, percentiles, REDIS_URL, uniquePrefix } from '../test/integration/worker/support.ts';
import { autocannonOptions, type LoadSpec } from './load-generator.ts';
import { DEFAULT_MOVIELENS, seedProduction } from './production-loop.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    'duration-s': { type: 'string', default: '60' },
    connections: { type: 'string', default: '20' },
    n: { type: 'string', default: '10' },
    users: { type: 'string', default: '610' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'calibrate-s': { type: 'string', default: '20' },
    'log-level': { type: 'string', default: 'info' },
    untuned: { type: 'boolean', default: false },
    'load-generator': { type: 'string', default: 'inline' },
    pin: { type: 'boolean', default: false },
    'trace-gc': { type: 'boolean', default: false },
    probe: { type: 'boolean', default: false },
    'api-env': { type: 'string', multiple: true, default: [] },
    'api-root': { type: 'string' },
  },
});
const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Whose built API runs: this checkout's (built when stale), or `--api-root`'s (built by whoever made it), for before/after runs. */
const API_ROOT = args['api-root'] ?? ROOT;
const BIN = join(API_ROOT, 'bin', 'tastebud.js');
const KEY = `bench-read-${'k'.repeat(24)}`;
const rate = Number(args.rate);
const durationS = Number(args['duration-s']);
if (!['inline', 'child'].includes(args['load-generator'])) throw new Error(`--load-generator is inline or child, not ${args['load-generator']}`);
const loadGenerator = args.pin ? 'child' : args['load-generator'];
/** `taskset -c <core>` before a command when --pin is set: the load generator on core 0, the API on core 1. */
const pinned = (core: number, command: string, commandArgs: string[]): [string, string[]] => (args.pin ? ['taskset', ['-c', String(core), command, ...commandArgs]] : [command, commandArgs]);
const GENERATOR = join(fileURLToPath(new URL('./', import.meta.url)), 'load-generator.ts');

/** One autocannon run of `spec`, here or in its own (maybe pinned) process, as --load-generator and --pin say. */
async function load(spec: LoadSpec): Promise<Result> {
  if (loadGenerator === 'inline') return autocannon(autocannonOptions(spec));
  const [command, commandArgs] = pinned(0, process.execPath, [...process.execArgv, GENERATOR, JSON.stringify(spec)]);
  const child = spawnManaged(command, commandArgs, { cwd: ROOT });
  const code = await child.exited;
  const line = child
    .output()
    .split('\n')
    .find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`the load generator failed (${code}):\n${child.output().slice(-2000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as Result;
}

/** User + system CPU seconds the process has used (/proc/<pid>/stat, clock ticks of 10 ms). */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const rssMb = (pid: number) => statusMb(pid, 'VmRSS');
const loadAverages = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The API's process.memoryUsage() right after a forced full GC, through its inspector (Chrome DevTools Protocol). */
async function memoryAfterGc(inspectorUrl: string): Promise<NodeJS.MemoryUsage> {
  const ws = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<{ result?: { value?: string } }>((resolve) => {
      const mine = ++id;
      const listener = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: { result?: { value?: string } } };
        if (message.id !== mine) return;
        ws.off('message', listener);
        resolve(message.result ?? {});
      };
      ws.on('message', listener);
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    await send('HeapProfiler.collectGarbage');
    const answer = (await send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result?: { value?: string } };
    return JSON.parse(answer.result!.value!) as NodeJS.MemoryUsage;
  } finally {
    ws.close();
  }
}

async function startApi(url: string, prefix: string, modelsDir: string): Promise<{ child: ManagedChild; base: string; inspectorUrl: string }> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: args['log-level'],
    ...(args.untuned ? {} : API_PROCESS_ENVIRONMENT),
    DATABASE_URL: url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MODELS_DIR: modelsDir,
    ALLOW_REMOTE_MODELS: 'false',
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    API_KEYS: `bench:read:${KEY}`,
    API_RATE_LIMIT: '100000',
    DASHBOARD_SESSION_SECRET: 's'.repeat(40),
    ...Object.fromEntries(args['api-env'].map((setting) => [setting.slice(0, setting.indexOf('=')), setting.slice(setting.indexOf('=') + 1)])),
  };
  // The inspector only answers the forced-GC reading at the end (nothing attaches during the run).
  const [command, commandArgs] = pinned(1, process.execPath, ['--inspect=127.0.0.1:0', ...(args['trace-gc'] ? ['--trace-gc'] : []), BIN, 'api']);
  const child = spawnManaged(command, commandArgs, { env, cwd: API_ROOT });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true, `the API on ${base}`, 120_000, 200).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${child.output().slice(-2000)}`);
  });
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(child.output())?.[1];
  if (!inspectorUrl) throw new Error('the API did not open its inspector');
  return { child, base, inspectorUrl };
}

interface Calibration {
  p50: number;
  p99: number;
  /** 1-minute load average when it ended. */
  load: number;
}

/** The floor on this machine right now: the same rate at /healthz (no key, no database, no ranking). */
async function calibrate(base: string, connections: number, when: string): Promise<Calibration | undefined> {
  const seconds = Number(args['calibrate-s']);
  if (seconds <= 0) return undefined;
  const floor = await load({ url: `${base}/healthz`, connections, rate, durationS: seconds });
  const f = floor.latency;
  console.log(
    `calibration ${when}, GET /healthz at ${rate}/s for ${seconds} s: ${floor.requests.total} answered (${(floor.requests.total / floor.duration).toFixed(1)}/s), latency ms p50 ${f.p50}, p90 ${f.p90}, p99 ${f.p99}, max ${f.max}; load ${loadAverages()}`,
  );
  return { p50: f.p50, p99: f.p99, load: loadavg()[0]! };
}

/** Every user once, one request at a time (each ranked anew); each must be personal, from the active version. */
async function coldPass(base: string, path: (i: number) => string, users: number, versionId: number, pid: number) {
  const headers = { authorization: `Bearer ${KEY}` };
  const rssBefore = rssMb(pid);
  const cold: number[] = [];
  for (let i = 0; i < users; i++) {
    const t0 = performance.now();
    const body = (await (await fetch(`${base}${path(i)}`, { headers })).json()) as { personal: boolean; modelVersion: number | null; items: unknown[] };
    cold.push(performance.now() - t0);
    if (!body.personal || body.modelVersion !== versionId || body.items.length !== Number(args.n))
      throw new Error(`not a personal answer of version ${versionId}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  const c = percentiles(cold);
  console.log(
    `cold pass (one request at a time, every user once, all personal): n ${c.n}, p50 ${c.p50.toFixed(1)} ms, p95 ${c.p95.toFixed(1)}, p99 ${c.p99.toFixed(1)}, max ${c.max.toFixed(1)}; API RSS ${rssBefore.toFixed(0)} -> ${rssMb(pid).toFixed(0)} MB`,
  );
  return c;
}

/** The ranked-list cache's hit and miss counts on the API's /metrics. */
async function cacheCounts(base: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const count = (result: string) => Number(new RegExp(`tastebud_api_ranked_list_cache_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { hit: count('hit'), miss: count('miss') };
}

/** The timed run at `rate`/s (after a 5 s warm-up), with the API's RSS sampled every 500 ms and its CPU time. */
async function timedRun(base: string, paths: string[], api: ManagedChild, probe: Probe | undefined) {
  const pid = api.process.pid!;
  const spec: LoadSpec = { url: base, connections: Number(args.connections), rate, durationS: 5, headers: { authorization: `Bearer ${KEY}` }, paths };
  await load(spec);
  const rss: number[] = [rssMb(pid)];
  const sampler = setInterval(() => rss.push(rssMb(pid)), 500);
  const before = await cacheCounts(base);
  const cpuBefore = cpuSeconds(pid);
  const outputFrom = api.output().length;
  probe?.start();
  const result = await load({ ...spec, durationS });
  probe?.stop();
  clearInterval(sampler);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const during = api.output().slice(outputFrom);
  const after = await cacheCounts(base);
  rss.push(rssMb(pid));
  const l = result.latency;
  const hits = after.hit - before.hit;
  const misses = after.miss - before.miss;
  const cpuMsPerRequest = (1000 * cpu) / Math.max(1, result.requests.total);
  console.log(`load: ${rate}/s for ${durationS} s over ${spec.connections} connections, n=${args.n}`);
  console.log(
    `requests: ${result.requests.total} answered (${(result.requests.total / result.duration).toFixed(1)}/s), 2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`,
  );
  console.log(`latency ms: p50 ${l.p50}, p90 ${l.p90}, p97.5 ${l.p97_5}, p99 ${l.p99}, p99.9 ${l.p99_9}, max ${l.max}, mean ${l.average.toFixed(2)}`);
  console.log(`API CPU during the run: ${cpu.toFixed(1)} s = ${cpuMsPerRequest.toFixed(2)} ms per answered request`);
  console.log(`ranked-list cache during the run: ${hits} hits, ${misses} misses (${((100 * hits) / Math.max(1, hits + misses)).toFixed(1)}% hits)`);
  console.log(`API RSS MB during the run: start ${rss[0]!.toFixed(0)}, max ${Math.max(...rss).toFixed(0)}, end ${rss.at(-1)!.toFixed(0)}`);
  const tail = describeTail(during, probe);
  return { result, rssMaxMb: Math.round(Math.max(...rss)), hits, misses, cpuMsPerRequest, tail };
}

/** GC pauses (`--trace-gc` lines) of the API during the run: count, total and longest main-thread pause per kind. */
function gcPauses(output: string): Record<string, { count: number; totalMs: number; maxMs: number }> {
  const kinds: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
  // e.g. "Scavenge 60.1 (75.3) -> 45.2 (76.1) MB, 1.25 / 0.00 ms" or "Mark-Compact (reduce) 80.0 (...) MB, 4.10 / 0.02 ms"
  for (const m of output.matchAll(/ms: (Scavenge|Mark-Compact(?: \(reduce\))?|Mark-Sweep|Minor Mark-Compact)\b[^,\n]*MB, ([\d.]+) \/ [\d.]+ ms/g)) {
    const k = (kinds[m[1]!] ??= { count: 0, totalMs: 0, maxMs: 0 });
    const ms = Number(m[2]);
    k.count++;
    k.totalMs = Math.round((k.totalMs + ms) * 100) / 100;
    k.maxMs = Math.max(k.maxMs, ms);
  }
  return kinds;
}

/** The API's own time per recommendations request (its debug line "request answered", LOG_LEVEL=debug only). */
function serverTimes(output: string): ReturnType<typeof percentiles> | undefined {
  const ms: number[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"request answered"') || !line.includes('/recommendations')) continue;
    const m = /"ms":([\d.]+)/.exec(line);
    if (m) ms.push(Number(m[1]));
  }
  return ms.length > 0 ? percentiles(ms) : undefined;
}

/** Prints where the timed run's time went, as far as the flags asked for it; returns it for the JSON line. */
function describeTail(during: string, probe: Probe | undefined) {
  const gc = args['trace-gc'] ? gcPauses(during) : undefined;
  if (gc)
    console.log(
      `API GC during the run (--trace-gc, main-thread pauses): ${
        Object.entries(gc)
          .map(([kind, g]) => `${kind} ${g.count}x, total ${g.totalMs.toFixed(1)} ms, longest ${g.maxMs} ms`)
          .join('; ') || 'none'
      }`,
    );
  const server = serverTimes(during);
  const fmt = (p: ReturnType<typeof percentiles>) => `n ${p.n}, p50 ${p.p50.toFixed(2)}, p95 ${p.p95.toFixed(2)}, p99 ${p.p99.toFixed(2)}, max ${p.max.toFixed(2)} ms`;
  if (server) console.log(`API's own time per recommendations request (reply.elapsedTime): ${fmt(server)}`);
  const rtt = probe?.results();
  if (rtt) console.log(`round trips from the benchmark process every 20 ms: PostgreSQL history stamp (prepared statement) ${fmt(rtt.pg)}; Redis PING ${fmt(rtt.redis)}`);
  return { gc, server, rtt };
}

interface Probe {
  start(): void;
  stop(): void;
  results(): { pg: ReturnType<typeof percentiles>; redis: ReturnType<typeof percentiles> } | undefined;
}

/** Times one history-stamp query (the API's prepared statement) and one Redis PING every 20 ms (one at a time), from this process. */
function roundTripProbe(prisma: PrismaClient, pool: pg.Pool, redis: Redis, userId: number): Probe {
  const pg: number[] = [];
  const ping: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    let t0 = performance.now();
    await historyStamp(prisma, userId, pool);
    pg.push(performance.now() - t0);
    t0 = performance.now();
    await redis.ping();
    ping.push(performance.now() - t0);
    busy = false;
  };
  return {
    start: () => void (timer = setInterval(() => void tick(), 20)),
    stop: () => clearInterval(timer),
    results: () => (pg.length > 0 ? { pg: percentiles(pg), redis: percentiles(ping) } : undefined),
  };
}

async function main(): Promise<void> {
  if (!buildIfStale()) throw new Error('the build failed');
  console.log(`machine: ${await machine()}`);
  console.log(`uptime load before: ${loadAverages()}`);
  const given = args['database-url'];
  const db = given ? { url: given, drop: async () => {} } : await createScratchDatabase('apiload');
  const prefix = uniquePrefix('apiload');
  const modelsDir = mkdtempSync(join(tmpdir(), 'tastebud-apiload-'));
  const prisma = createPrisma(db.url);
  let api: ManagedChild | undefined;
  try {
    if (!given) console.log(`seed: ${(await seedProduction(args.dir ?? DEFAULT_MOVIELENS)(db.url, prisma)).seconds.toFixed(0)} s`);
    const active = await activeModelVersion(prisma);
    if (!active) throw new Error('no active model version in the database');
    console.log(`model: active version ${active.id} (${active.architecture}, d ${active.dimension}, ${active.trainingTitles} titles, ${active.trainingRatings} ratings), trained by tastebud seed`);
    const users = (await prisma.user.findMany({ where: { source: 'dataset' }, select: { externalId: true }, orderBy: { id: 'asc' }, take: Number(args.users) })).map(
      (u) => `movielens:${u.externalId}`,
    );
    console.log(
      `API environment: LOG_LEVEL=${args['log-level']}${
        args.untuned
          ? ', untuned (no API_PROCESS_ENVIRONMENT)'
          : `, ${Object.entries(API_PROCESS_ENVIRONMENT)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
      }${args['api-env'].length > 0 ? `, ${args['api-env'].join(' ')}` : ''}; ${users.length} users; built API of ${API_ROOT}`,
    );
    const where = args.pin ? 'own process pinned to core 0 (taskset -c 0), API pinned to core 1' : loadGenerator === 'child' ? 'own process, unpinned' : "this benchmark's process, unpinned";
    console.log(`load generator: autocannon in ${where}`);
    const started = await startApi(db.url, prefix, modelsDir);
    api = started.child;
    const pid = api.process.pid!;
    const path = (i: number) => `/api/users/${users[i % users.length]}/recommendations?n=${args.n}`;
    const cold = await coldPass(started.base, path, users.length, active.id, pid);
    const connections = Number(args.connections);
    const floorBefore = await calibrate(started.base, connections, 'before');
    const loadBefore = loadavg()[0]!;
    const probeUser = args.probe ? await prisma.user.findFirstOrThrow({ where: { source: 'dataset' }, select: { id: true } }) : undefined;
    const probeRedis = probeUser ? new Redis(REDIS_URL) : undefined;
    const probePool = probeUser ? new pg.Pool({ connectionString: db.url, max: 1 }) : undefined;
    const probe = probeUser && probeRedis && probePool ? roundTripProbe(prisma, probePool, probeRedis, probeUser.id) : undefined;
    const run = await timedRun(
      started.base,
      users.map((_, i) => path(i)),
      api,
      probe,
    );
    probeRedis?.disconnect();
    await probePool?.end();
    const loadAfter = loadavg()[0]!;
    const floorAfter = await calibrate(started.base, connections, 'after');
    const gc = await memoryAfterGc(started.inspectorUrl);
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    const peakMb = Math.round(statusMb(pid, 'VmHWM'));
    console.log(
      `API after a forced full GC: RSS ${mb(gc.rss)} MB, heap used ${mb(gc.heapUsed)} of ${mb(gc.heapTotal)} MB, external ${mb(gc.external)} MB, array buffers ${mb(gc.arrayBuffers)} MB; peak RSS of the whole process (VmHWM, start and model load included) ${peakMb} MB`,
    );
    const l = run.result.latency;
    const floor = (c: Calibration | undefined) => (c ? `p50 ${c.p50} / p99 ${c.p99} ms` : 'not run');
    console.log(
      `summary: [${loadGenerator}${args.pin ? ', pinned' : ''}${args['api-env'].length > 0 ? `, ${args['api-env'].join(' ')}` : ''}] recommendations p50 ${l.p50} / p99 ${l.p99} ms, ${run.result.errors + run.result.non2xx + run.result.timeouts} failed; /healthz floor before ${floor(floorBefore)}, after ${floor(floorAfter)}; load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)}; RSS peak ${peakMb} MB (${run.rssMaxMb} during the run)`,
    );
    console.log(
      `JSON ${JSON.stringify({ rate, durationS, connections, untuned: args.untuned, logLevel: args['log-level'], total: run.result.requests.total, non2xx: run.result.non2xx, errors: run.result.errors, timeouts: run.result.timeouts, latency: { p50: l.p50, p90: l.p90, p99: l.p99, max: l.max }, healthzBefore: floorBefore, healthzAfter: floorAfter, load: { before: loadBefore, after: loadAfter }, rssMaxMb: run.rssMaxMb, rssPeakMb: peakMb, cold, hits: run.hits, misses: run.misses, cpuMsPerRequest: run.cpuMsPerRequest, apiEnv: args['api-env'], apiRoot: API_ROOT, loadGenerator, pinned: args.pin, tail: run.tail })}`,
    );
  } finally {
    await api?.stop();
    await prisma.$disconnect();
    await dropPrefix(prefix);
    if (args.keep && !given) console.log(`kept the seeded database: --database-url ${db.url}`);
    else await db.drop();
    rmSync(modelsDir, { recursive: true, force: true });
  }
}

await main();
