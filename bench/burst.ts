/**
 * Burst: 200 rating changes per second from 50 members for 60 s through the bot's rating store + outbox,
 * one `tastebud worker` process rebuilding vectors. Checks every rating was stored and every member's
 * final vector equals the model's fold-in of all their ratings; counts rebuild jobs run vs changes.
 *
 *   npx tsx bench/burst.ts [--seconds 60] [--rate 200] [--users 50] [--concurrency 16]
 */
import { parseArgs } from 'node:util';
import { bytesToVector } from '../src/embeddings/vector-bytes.ts';
import { rateTitle, upsertMember } from '../src/ratings/store.ts';
import { machine, startBenchLoop, waitFor } from '../test/integration/worker/support.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, rate: { type: 'string', default: '200' }, users: { type: 'string', default: '50' }, concurrency: { type: 'string', default: '16' } } });
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const userCount = Number(values.users);
const maxConcurrent = Number(values.concurrency);
console.log(`machine: ${await machine()}`);
const loop = await startBenchLoop({ titles: 9742, users: 200, hidden: 200 });
try {
  const members = Array.from({ length: userCount }, (_, i) => ({ discordId: String(300000000000000000n + BigInt(i)) }));
  const userIds = await Promise.all(members.map((m) => upsertMember(loop.prisma, m)));
  const sent = members.map(() => new Map<number, number>());
  const planned = Math.round(seconds * rate);
  let committed = 0;
  let failed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  const running = new Set<Promise<void>>();
  for (let i = 0; i < planned; i++) {
    // Pace against the clock, not by sleeping a fixed interval, so slow commits do not lower the rate.
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const u = i % userCount;
    const k = Math.floor(i / userCount);
    // Each member rates titles in order, so every change is a new (member, title) row and the final state is known.
    const titleId = loop.catalogue.titleIds[(u * 131 + k) % loop.catalogue.titleIds.length]!;
    const value = 1 + ((i * 7) % 9) / 2;
    // Like a bot's event handler pool: at most this many rating transactions at once; the rest wait their turn.
    while (running.size >= maxConcurrent) await Promise.race(running);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const task: Promise<void> = rateTitle(loop.prisma, members[u]!, titleId, value)
        .then(() => {
          committed++;
          sent[u]!.set(titleId, value);
          loop.dispatcher.kick();
        })
        .catch((error: unknown) => {
          failed++;
          if (failed <= 3) console.error(error);
        })
        .finally(() => {
          inFlight--;
          running.delete(task);
        });
    running.add(task);
    pending.push(task);
  }
  await Promise.all(pending);
  const sendSeconds = (performance.now() - started) / 1000;
  console.log(`sent ${planned} rating changes from ${userCount} members in ${sendSeconds.toFixed(1)} s (${(planned / sendSeconds).toFixed(0)}/s achieved, target ${rate}/s); committed ${committed}, failed ${failed}, max in flight ${maxInFlight}`);

  const drainStarted = performance.now();
  await waitFor(async () => (await loop.prisma.outboxEvent.count({ where: { dispatchedAt: null } })) === 0, 'the outbox to drain', 300_000, 100);
  await waitFor(
    async () => {
      const counts = await loop.queues.userEmbedding.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).some((n) => n > 0)) return false;
      const rows = await loop.prisma.userVector.findMany({ where: { userId: { in: userIds } }, select: { userId: true, ratingsCount: true } });
      const byUser = new Map(rows.map((r) => [r.userId, r.ratingsCount]));
      return userIds.every((id, u) => byUser.get(id) === sent[u]!.size);
    },
    'every vector to reflect every rating',
    300_000,
    100,
  );
  console.log(`queue drained and every vector current ${((performance.now() - drainStarted) / 1000).toFixed(1)} s after the last rating`);

  let ratingsOk = 0;
  let vectorsOk = 0;
  for (let u = 0; u < userCount; u++) {
    const ratings = await loop.prisma.rating.findMany({ where: { userId: userIds[u]! } });
    if (ratings.length === sent[u]!.size && ratings.every((r) => sent[u]!.get(r.titleId) === r.value)) ratingsOk++;
    const stored = await loop.prisma.userVector.findUniqueOrThrow({ where: { userId: userIds[u]! } });
    const expected = loop.model.userVector(ratings.map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() })));
    const actual = bytesToVector(stored.vector, stored.dimension);
    if (actual.length === expected.length && actual.every((x, i) => x === expected[i])) vectorsOk++;
  }
  const rebuilds = await loop.workerMetric('tastebud_jobs_completed_total', 'queue="user-embedding"');
  const failedJobs = await loop.workerMetric('tastebud_jobs_failed_total', 'queue="user-embedding"');
  console.log(`members whose ratings were all stored with the last value: ${ratingsOk}/${userCount}`);
  console.log(`members whose final vector equals the fold-in of all their ratings: ${vectorsOk}/${userCount}`);
  console.log(`rebuild jobs run: ${rebuilds} for ${committed} rating changes (${((rebuilds / Math.max(1, committed)) * 100).toFixed(1)}%); failed job attempts: ${failedJobs}`);
  if (ratingsOk !== userCount || vectorsOk !== userCount) process.exitCode = 1;
} finally {
  await loop.close();
}
