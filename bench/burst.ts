/**
 * Burst: 200 reactions per second from 50 members for 60 s through the bot's rating store + outbox, one
 * `tastebud worker` process rebuilding vectors. Checks every rating was stored with the value the member's
 * latest held reaction gives and every member's final vector equals the model's fold-in of all their
 * ratings; counts rebuild jobs run vs rating changes.
 *
 * `--path reaction` (default) calls the store's `applyReaction`, as the reaction listener does (suggestion
 * messages recorded first, each member's events in arrival order through the listener's MemberQueue): most
 * events rate a new title, some add a second scale emoji on an earlier suggestion (the newer decides) and
 * some remove the newest one again (the rating falls back to the one still held). `--path command` calls
 * `rate` (/rate) with a new title each time.
 *
 * By default the loop serves the production model (`tastebud seed` on ml-latest-small: import, own text model,
 * embeddings, the default model trained and promoted; bench/production-loop.ts), and after the burst every member's
 * `/recommend` list must come from the personal path; `--random` serves a random model over a generated catalogue.
 *
 *   npx tsx bench/burst.ts [--path reaction|command] [--seconds 60] [--rate 200] [--users 50] [--concurrency 16]
 *                                                     [--cpu-profile out.cpuprofile] [--random] [--dir ml-latest-small]
 */
import { parseArgs } from 'node:util';
import { MemberQueue } from '../src/bot/listeners/reactions.ts';
import { bytesToVector } from '../src/embeddings/vector-bytes.ts';
import { reactionMeaning } from '../src/ratings/scale.ts';
import type { PrismaClient } from '../src/db/client.ts';
import { prismaRatingStore } from '../src/ratings/store.ts';
import type { NewSuggestion } from '../src/suggestions/records.ts';
import { machine, percentiles, startBenchLoop, waitFor } from '../test/integration/worker/support.ts';
import { DEFAULT_MOVIELENS, describeModel, requirePersonal, seedProduction } from './production-loop.ts';

const { values } = parseArgs({
  options: {
    path: { type: 'string', default: 'reaction' },
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '200' },
    users: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '16' },
    'cpu-profile': { type: 'string' },
    random: { type: 'boolean', default: false },
    dir: { type: 'string', default: DEFAULT_MOVIELENS },
  },
});
const path = values.path;
if (path !== 'reaction' && path !== 'command') throw new Error(`--path must be reaction or command, not ${path}`);
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const userCount = Number(values.users);
const maxConcurrent = Number(values.concurrency);
const planned = Math.round(seconds * rate);
const perMember = Math.ceil(planned / userCount);
// Rating emoji as clients send them (keycaps with the variation selector), so normalisation is on the path.
const EMOJI = ['😍', '👍', '😐', '👎', '1\ufe0f\u20e3', '2\ufe0f\u20e3', '3\ufe0f\u20e3', '4\ufe0f\u20e3', '5\ufe0f\u20e3'];
const valueOf = (emoji: string) => (reactionMeaning(emoji) as { value: number }).value;

/** One event of a member; `message` is the index of the member's suggestion (one per title) it is on. */
type Event = { kind: 'add' | 'remove'; message: number; emoji: string } | { kind: 'rate'; message: number; value: number };

/**
 * The k-th event of member u. Reactions: of every 10 events, 8 rate a new title, the 9th adds a second
 * emoji with another value on the suggestion rated 3 events earlier and the 10th removes it again.
 */
function eventOf(u: number, k: number, fresh: { next: number }): Event {
  if (path === 'command') return { kind: 'rate', message: fresh.next++, value: 1 + (((u + k) * 7) % 9) / 2 };
  const slot = k % 10;
  if (slot === 8) {
    const message = fresh.next - 3;
    return { kind: 'add', message, emoji: EMOJI[(u + k + 4) % EMOJI.length]! };
  }
  if (slot === 9) {
    const message = fresh.next - 3;
    return { kind: 'remove', message, emoji: EMOJI[(u + k - 1 + 4) % EMOJI.length]! };
  }
  return { kind: 'add', message: fresh.next++, emoji: EMOJI[(u + k) % EMOJI.length]! };
}

/** A CPU profile of this process over the burst only (not the setup), for `--cpu-profile`. */
async function startProfiler() {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 once it is gone. */
async function cpuSecondsOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The worker (this process's child) and the PostgreSQL backends serving this benchmark's database, for CPU accounting. */
async function helperPids(prisma: PrismaClient): Promise<{ worker: number[]; postgres: number[] }> {
  const { readdir, readFile } = await import('node:fs/promises');
  const worker: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) worker.push(Number(entry));
  }
  const backends = await prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  return { worker, postgres: backends.map((b) => b.pid) };
}

async function cpuSnapshot(pids: readonly number[]): Promise<Map<number, number>> {
  return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuSecondsOf(pid)] as const)));
}

console.log(`machine: ${await machine()}`);
const loop = await startBenchLoop({ titles: 9742, users: 200, hidden: 200, ...(values.random ? {} : { prepare: seedProduction(values.dir) }) });
console.log(`model: ${values.random ? 'random weights over a generated catalogue' : describeModel(loop.model)}`);
try {
  const store = prismaRatingStore(loop.prisma);
  const members = Array.from({ length: userCount }, (_, i) => ({ discordId: String(300000000000000000n + BigInt(i)), displayName: `member${i}` }));
  const titleOf = (u: number, message: number) => loop.catalogue.titleIds[(u * 131 + message) % loop.catalogue.titleIds.length]!;
  const messageIdOf = (u: number, message: number) => String(500000000000000000n + BigInt(u) * 100000n + BigInt(message));
  // Suggestion messages exist before anyone reacts, as after a /recommend (each member rates what was suggested to them).
  for (let u = 0; u < userCount; u++) {
    const suggestions: NewSuggestion[] = Array.from({ length: perMember }, (_, m) => ({
      messageId: messageIdOf(u, m),
      channelId: '400000000000000001',
      guildId: '400000000000000000',
      titleId: titleOf(u, m),
      position: m % 10,
      modelVersionId: null,
      reason: null,
    }));
    await store.recordSuggestions(members[u]!, suggestions);
  }
  const userIds = await Promise.all(members.map((m) => store.upsertMember(m)));

  // What each member holds per suggestion (emoji → order added), to compute the ratings the store must end with.
  const held = members.map(() => new Map<number, Map<string, number>>());
  const commandRatings = members.map(() => new Map<number, number>());
  const counters = members.map(() => ({ next: 0 }));
  const memberQueue = new MemberQueue();
  let committed = 0;
  let changes = 0;
  let failed = 0;
  let maxInFlight = 0;
  let seq = 0;
  const latency: number[] = [];
  const lateness: number[] = [];
  const profiler = values['cpu-profile'] ? await startProfiler() : undefined;
  const helpersBefore = await helperPids(loop.prisma);
  const workerCpuBefore = await cpuSnapshot(helpersBefore.worker);
  const postgresCpuBefore = await cpuSnapshot(helpersBefore.postgres);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const running = new Set<Promise<void>>();
  for (let i = 0; i < planned; i++) {
    // Pace against the clock, not by sleeping a fixed interval, so slow commits do not lower the rate.
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const u = i % userCount;
    const event = eventOf(u, Math.floor(i / userCount), counters[u]!);
    // Like a bot's event handler pool: at most this many events at once; the rest wait their turn.
    while (running.size >= maxConcurrent) await Promise.race(running);
    lateness.push(performance.now() - due);
    maxInFlight = Math.max(maxInFlight, running.size + 1);
    const member = members[u]!;
    const work = async () => {
      const t0 = performance.now();
      if (event.kind === 'rate') {
        await store.rate(member, titleOf(u, event.message), event.value);
        commandRatings[u]!.set(titleOf(u, event.message), event.value);
        changes++;
      } else {
        const outcome = await store.applyReaction({ messageId: messageIdOf(u, event.message), member, emoji: { name: event.emoji }, action: event.kind });
        if (outcome.kind !== 'applied') throw new Error(`reaction ignored: ${outcome.reason}`);
        const holds = held[u]!.get(event.message) ?? new Map<string, number>();
        if (event.kind === 'add') holds.set(event.emoji, seq++);
        else holds.delete(event.emoji);
        held[u]!.set(event.message, holds);
        if (outcome.ratingChanged) changes++;
      }
      latency.push(performance.now() - t0);
      committed++;
      loop.dispatcher.kick();
    };
    const task: Promise<void> = memberQueue
      .run(member.discordId, work)
      .catch((error: unknown) => {
        failed++;
        if (failed <= 3) console.error(error);
      })
      .finally(() => running.delete(task));
    running.add(task);
  }
  await Promise.all(running);
  const sendSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const helpers = await helperPids(loop.prisma);
  // Backends opened during the burst started from (about) zero.
  const used = async (pids: readonly number[], before: Map<number, number>) => {
    const after = await cpuSnapshot(pids);
    return [...after].reduce((sum, [pid, s]) => sum + s - (before.get(pid) ?? 0), 0);
  };
  const workerCpu = await used(helpers.worker, workerCpuBefore);
  const postgresCpu = await used(helpers.postgres, postgresCpuBefore);
  if (profiler) await profiler.stop(values['cpu-profile']!);
  const lat = percentiles(latency);
  const late = percentiles(lateness);
  console.log(`path: ${path === 'reaction' ? 'applyReaction (reaction listener)' : 'rate (/rate)'}; concurrency ${maxConcurrent}`);
  console.log(
    `sent ${planned} events from ${userCount} members in ${sendSeconds.toFixed(1)} s (${(planned / sendSeconds).toFixed(0)}/s achieved, target ${rate}/s); committed ${committed}, failed ${failed}, rating changes ${changes}, max in flight ${maxInFlight}`,
  );
  console.log(
    `store call: p50 ${lat.p50.toFixed(1)} ms, p95 ${lat.p95.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms; start behind schedule p50 ${late.p50.toFixed(0)} ms, p95 ${late.p95.toFixed(0)} ms, max ${late.max.toFixed(0)} ms`,
  );
  const share = (cpuSeconds: number) => `${((cpuSeconds * 1000) / planned).toFixed(2)} ms per event (${((cpuSeconds / sendSeconds) * 100).toFixed(0)} % of a core)`;
  console.log(
    `CPU during the burst: bot side (this process: store calls + outbox dispatcher) ${share((cpu.user + cpu.system) / 1e6)}; PostgreSQL backends of this database ${share(postgresCpu)}; worker ${share(workerCpu)}`,
  );

  // The ratings each member must end with: for reactions, the value of the newest emoji still held on each suggestion.
  const expected = members.map((_, u) => {
    if (path === 'command') return commandRatings[u]!;
    const ratings = new Map<number, number>();
    for (const [message, holds] of held[u]!) {
      const newest = [...holds].sort((a, b) => b[1] - a[1])[0];
      if (newest) ratings.set(titleOf(u, message), valueOf(newest[0]));
    }
    return ratings;
  });

  const drainStarted = performance.now();
  await waitFor(async () => (await loop.prisma.outboxEvent.count({ where: { dispatchedAt: null } })) === 0, 'the outbox to drain', 300_000, 100);
  await waitFor(
    async () => {
      const counts = await loop.queues.userEmbedding.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).some((n) => n > 0)) return false;
      const rows = await loop.prisma.userVector.findMany({ where: { userId: { in: userIds } }, select: { userId: true, ratingsCount: true } });
      const byUser = new Map(rows.map((r) => [r.userId, r.ratingsCount]));
      return userIds.every((id, u) => byUser.get(id) === expected[u]!.size);
    },
    'every vector to reflect every rating',
    300_000,
    100,
  );
  console.log(`queue drained and every vector current ${((performance.now() - drainStarted) / 1000).toFixed(1)} s after the last event`);

  let ratingsOk = 0;
  let vectorsOk = 0;
  for (let u = 0; u < userCount; u++) {
    const ratings = await loop.prisma.rating.findMany({ where: { userId: userIds[u]! } });
    if (ratings.length === expected[u]!.size && ratings.every((r) => expected[u]!.get(r.titleId) === r.value)) ratingsOk++;
    const stored = await loop.prisma.userVector.findUniqueOrThrow({ where: { userId: userIds[u]! } });
    const want = loop.model.userVector(ratings.map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() })));
    const actual = bytesToVector(stored.vector, stored.dimension);
    if (actual.length === want.length && actual.every((x, i) => x === want[i])) vectorsOk++;
  }
  // What members get afterwards: /recommend from the rebuilt vectors, on the personal path.
  const serveTimes: number[] = [];
  for (const userId of userIds) {
    const t0 = performance.now();
    const list = await loop.serving.require().recommender.recommend(userId, { count: 10 });
    serveTimes.push(performance.now() - t0);
    if (list.length === 0) throw new Error(`an empty recommendation for user ${userId}`);
    if (!values.random) requirePersonal(list);
  }
  const serve = percentiles(serveTimes);
  console.log(`/recommend after the burst, ${serve.n} members${values.random ? '' : ', all on the personal path'}: p50 ${serve.p50.toFixed(1)} ms, p95 ${serve.p95.toFixed(1)} ms`);
  const rebuilds = await loop.workerMetric('tastebud_jobs_completed_total', 'queue="user-embedding"');
  const failedJobs = await loop.workerMetric('tastebud_jobs_failed_total', 'queue="user-embedding"');
  const stored = expected.reduce((n, m) => n + m.size, 0);
  console.log(`members whose ratings all match their latest held reaction / last /rate: ${ratingsOk}/${userCount} (${stored} ratings expected)`);
  console.log(`members whose final vector equals the fold-in of all their ratings: ${vectorsOk}/${userCount}`);
  console.log(`rebuild jobs run: ${rebuilds} for ${changes} rating changes (${((rebuilds / Math.max(1, changes)) * 100).toFixed(1)}%); failed job attempts: ${failedJobs}`);
  if (ratingsOk !== userCount || vectorsOk !== userCount || failed > 0) process.exitCode = 1;
} finally {
  await loop.close();
}
