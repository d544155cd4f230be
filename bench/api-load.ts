/**
 * HTTP API load: `GET /api/users/{user}/recommendations` at a fixed rate against the real `tastebud api` process.
 *
 *   npx tsx bench/api-load.ts [--rate 200] [--duration-s 60] [--connections 20] [--n 10] [--users 610] [--dir <ml-latest-small>]
 *                             [--keep] [--database-url <url>] [--calibrate-s 20] [--log-level info] [--untuned]
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
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { createPrisma } from '../src/db/client.ts';
import { activeModelVersion } from '../src/model-store/store.ts';
import { API_PROCESS_ENVIRONMENT } from '../src/app/api-process.ts';
import { buildIfStale } from '../test/support/build.ts';
import { freePort, spawnManaged, waitUntil, type ManagedChild } from '../test/support/processes/index.ts';
import { createScratchDatabase, dropPrefix, machine, percentiles, REDIS_URL, uniquePrefix } from '../test/integration/worker/support.ts';
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
  },
});
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin', 'tastebud.js');
const KEY = `bench-read-${'k'.repeat(24)}`;
const rate = Number(args.rate);
const durationS = Number(args['duration-s']);

/** User + system CPU seconds the process has used (/proc/<pid>/stat, clock ticks of 10 ms). */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const rssMb = (pid: number) => statusMb(pid, 'VmRSS');
const load = () =>
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
  };
  // The inspector only answers the forced-GC reading at the end (nothing attaches during the run).
  const child = spawnManaged(process.execPath, ['--inspect=127.0.0.1:0', BIN, 'api'], { env, cwd: ROOT });
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
  const floor = await autocannon({ url: `${base}/healthz`, connections, overallRate: rate, duration: seconds, timeout: 10 });
  const f = floor.latency;
  console.log(
    `calibration ${when}, GET /healthz at ${rate}/s for ${seconds} s: ${floor.requests.total} answered (${(floor.requests.total / floor.duration).toFixed(1)}/s), latency ms p50 ${f.p50}, p90 ${f.p90}, p99 ${f.p99}, max ${f.max}; load ${load()}`,
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
async function timedRun(base: string, path: (i: number) => string, pid: number) {
  let next = 0;
  const requests = [{ method: 'GET', setupRequest: (request: { path?: string }) => ({ ...request, path: path(next++) }) }];
  const options = { url: base, connections: Number(args.connections), overallRate: rate, headers: { authorization: `Bearer ${KEY}` }, requests, timeout: 10 };
  await autocannon({ ...options, duration: 5 });
  const rss: number[] = [rssMb(pid)];
  const sampler = setInterval(() => rss.push(rssMb(pid)), 500);
  const before = await cacheCounts(base);
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({ ...options, duration: durationS });
  clearInterval(sampler);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const after = await cacheCounts(base);
  rss.push(rssMb(pid));
  const l = result.latency;
  const hits = after.hit - before.hit;
  const misses = after.miss - before.miss;
  const cpuMsPerRequest = (1000 * cpu) / Math.max(1, result.requests.total);
  console.log(`load: ${rate}/s for ${durationS} s over ${options.connections} connections, n=${args.n}`);
  console.log(
    `requests: ${result.requests.total} answered (${(result.requests.total / result.duration).toFixed(1)}/s), 2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`,
  );
  console.log(`latency ms: p50 ${l.p50}, p90 ${l.p90}, p97.5 ${l.p97_5}, p99 ${l.p99}, p99.9 ${l.p99_9}, max ${l.max}, mean ${l.average.toFixed(2)}`);
  console.log(`API CPU during the run: ${cpu.toFixed(1)} s = ${cpuMsPerRequest.toFixed(2)} ms per answered request`);
  console.log(`ranked-list cache during the run: ${hits} hits, ${misses} misses (${((100 * hits) / Math.max(1, hits + misses)).toFixed(1)}% hits)`);
  console.log(`API RSS MB during the run: start ${rss[0]!.toFixed(0)}, max ${Math.max(...rss).toFixed(0)}, end ${rss.at(-1)!.toFixed(0)}`);
  return { result, rssMaxMb: Math.round(Math.max(...rss)), hits, misses, cpuMsPerRequest };
}

async function main(): Promise<void> {
  if (!buildIfStale()) throw new Error('the build failed');
  console.log(`machine: ${await machine()}`);
  console.log(`uptime load before: ${load()}`);
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
      }; ${users.length} users`,
    );
    const started = await startApi(db.url, prefix, modelsDir);
    api = started.child;
    const pid = api.process.pid!;
    const path = (i: number) => `/api/users/${users[i % users.length]}/recommendations?n=${args.n}`;
    const cold = await coldPass(started.base, path, users.length, active.id, pid);
    const connections = Number(args.connections);
    const floorBefore = await calibrate(started.base, connections, 'before');
    const loadBefore = loadavg()[0]!;
    const run = await timedRun(started.base, path, pid);
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
      `summary: recommendations p50 ${l.p50} / p99 ${l.p99} ms, ${run.result.errors + run.result.non2xx + run.result.timeouts} failed; /healthz floor before ${floor(floorBefore)}, after ${floor(floorAfter)}; load ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)}; RSS peak ${peakMb} MB (${run.rssMaxMb} during the run)`,
    );
    console.log(
      `JSON ${JSON.stringify({ rate, durationS, connections, untuned: args.untuned, logLevel: args['log-level'], total: run.result.requests.total, non2xx: run.result.non2xx, errors: run.result.errors, timeouts: run.result.timeouts, latency: { p50: l.p50, p90: l.p90, p99: l.p99, max: l.max }, healthzBefore: floorBefore, healthzAfter: floorAfter, load: { before: loadBefore, after: loadAfter }, rssMaxMb: run.rssMaxMb, rssPeakMb: peakMb, cold, hits: run.hits, misses: run.misses, cpuMsPerRequest: run.cpuMsPerRequest })}`,
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
