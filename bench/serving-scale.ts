/**
 * Serving figures of the active model version of an existing database (issue #16 item 4: the ml-32m-shaped
 * model of 87,585 titles), for a database kept by `bench/training-scale.ts --keep`:
 *   (a) the hot-swap load: what a bot or worker runs on a promotion message (ServingModel.refresh ->
 *       loadVersionRecommender: artifacts read and checked, model deserialised, HNSW graph loaded, catalogue
 *       read), timed `--loads` times, median;
 *   (b) in-process recommend() and similar() for real users of the database with their histories (read through
 *       the production PrismaUserSource, then timed in memory as bench/recommend.ts does; the async path with its
 *       database read is timed apart), with and without a genre filter; requests that fell back to popular
 *       titles are counted, so the figures are those of the personal path;
 *   (c) HNSW recall@10 and @50 at the production ef (and a sweep around it) with the production filter (the
 *       user's rated and hidden titles plus 5 best-scored stand-in hidden titles excluded inside the search)
 *       against exact search under the same filter, query = the recommender's own user vector;
 *   (d) the RSS of a real `tastebud bot` process (bin/tastebud.js, the compiled dist/: run `npm run build` after
 *       changing src/) logged in to the Discord emulator on this database: VmRSS and VmHWM once the model is
 *       active and a member got personal suggestions, and again after a forced hot swap (old and new snapshot
 *       live at once), plus how many user_vectors rows were read meanwhile (pg_stat_user_tables), with the table
 *       padded as in (e);
 *   (e) one user's stored vector read by primary key (user_vectors, as PrismaUserSource.history does) with the
 *       table filled to `--vector-users` rows: padding users and vectors are inserted for the run and deleted after.
 *
 *   npx tsx bench/serving-scale.ts --database-url URL [--requests 3000] [--users 1000] [--recall-users 300]
 *     [--loads 3] [--vector-users 200000] [--reads 2000] [--no-bot] [--seed 1]
 *
 * Reads HNSW_EF and the other serving settings through src/config.ts like the bot; Redis from TEST_REDIS_URL
 * (the bot's queues and change channel live under a random prefix, deleted after). Other helpers' load shows in
 * wall time: CPU time is printed beside it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { rebuildUserVector } from '../jobs/user-embedding.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma, type PrismaClient } from '../src/db/client.ts';
import { deserializeModel } from '../src/model/embedding-model.ts';
import { PrismaUserSource } from '../src/recommend/prisma-sources.ts';
import type { UserHistory } from '../src/recommend/types.ts';
import { publishModelChange } from '../src/serving/publish.ts';
import { createServingModel, type ServingSnapshot } from '../src/serving/serving-model.ts';
import { startDiscordEmulator } from '../src/emulator/index.ts';
import { dropPrefix, machine, REDIS_URL, uniquePrefix } from '../test/integration/worker/support.ts';
import { spawnManaged, waitUntil } from '../test/support/processes/index.ts';
import { EF_VALUES, productionFilters, sweep } from './support/recall.ts';
import { percentile, timeIt, type CallTimes } from './support/timing.ts';

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    requests: { type: 'string', default: '3000' },
    users: { type: 'string', default: '1000' },
    'recall-users': { type: 'string', default: '300' },
    loads: { type: 'string', default: '3' },
    'vector-users': { type: 'string', default: '200000' },
    reads: { type: 'string', default: '2000' },
    'no-bot': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
  },
});
const url = args['database-url'];
if (!url) throw new Error('--database-url is required: a database with an active model version (bench/training-scale.ts --keep prints one).');

const BIN = fileURLToPath(new URL('../bin/tastebud.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MIB = 1024 * 1024;
/** One line per figure, printed together at the end beside the targets. */
const summary: string[] = [];
const cpuMs = () => {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** (a) The hot-swap load, `loads` times over one holder; returns the last snapshot. */
async function measureLoad(prisma: PrismaClient, ef: number, loads: number): Promise<ServingSnapshot> {
  // The bot's holder (src/app/bot-process.ts) without the Redis channel: refresh(true) runs the same load.
  const serving = createServingModel({ prisma, deserialize: deserializeModel, ef, pollIntervalMs: 0 });
  const wall: number[] = [];
  const cpu: number[] = [];
  let snapshot: ServingSnapshot | undefined;
  for (let i = 0; i < loads; i++) {
    const [t0, c0] = [performance.now(), cpuMs()];
    snapshot = await serving.refresh(true);
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
    if (!snapshot) throw new Error('No model version is active in that database.');
    console.log(`  load ${i + 1}: ${(wall.at(-1)! / 1000).toFixed(2)} s wall, ${(cpu.at(-1)! / 1000).toFixed(2)} s CPU; this process's RSS ${(process.memoryUsage().rss / MIB).toFixed(0)} MiB`);
  }
  await serving.stop();
  summary.push(`hot-swap load of the active version: median ${(median(wall) / 1000).toFixed(2)} s wall, ${(median(cpu) / 1000).toFixed(2)} s CPU (n=${loads})   target <= 30 s`);
  return snapshot!;
}

/** Real users with ratings, in a seeded order, with their histories as the production user source reads them. */
async function sampleHistories(prisma: PrismaClient, count: number, seed: string): Promise<UserHistory[]> {
  const rows = await prisma.$queryRaw<{ id: number }[]>`
    SELECT u.id FROM users u WHERE EXISTS (SELECT 1 FROM ratings r WHERE r.user_id = u.id) ORDER BY md5(u.id::text || ${seed}) LIMIT ${count}`;
  const source = new PrismaUserSource(prisma);
  const times: number[] = [];
  const histories: UserHistory[] = [];
  for (const { id } of rows) {
    const t0 = performance.now();
    histories.push((await source.history(id))!);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const sizes = histories.map((h) => h.ratings.length).sort((a, b) => a - b);
  console.log(
    `  ${histories.length} users; ratings per user p50 ${percentile(sizes, 50)}, p99 ${percentile(sizes, 99)}, max ${sizes.at(-1)}; ` +
      `${histories.filter((h) => h.storedVector).length} with a stored vector; history read p50 ${percentile(times, 50).toFixed(2)} p99 ${percentile(times, 99).toFixed(2)} ms`,
  );
  return histories;
}

/** Genres by title count, largest first: cycling through them mixes filtered graph searches and exact scans. */
function genresOf(snapshot: ServingSnapshot): string[] {
  const counts = new Map<string, number>();
  for (const title of snapshot.catalog.all()) for (const g of title.genres) counts.set(g, (counts.get(g) ?? 0) + 1);
  return [...counts.entries()]
    .filter(([g]) => !g.startsWith('('))
    .sort((a, b) => b[1] - a[1])
    .map(([g]) => g);
}

/** (b) recommend() and similar() in process. */
async function measureRequests(snapshot: ServingSnapshot, histories: UserHistory[], requests: number): Promise<void> {
  const { recommender, model } = snapshot;
  const genres = genresOf(snapshot);
  const at = (i: number) => histories[i % histories.length]!;
  // Popular titles answer users the model cannot place; their reasons say "popular".
  const fallbacks = histories.filter((h) => recommender.recommendFor(h, { count: 10 }).some((r) => r.reason.startsWith('popular'))).length;
  console.log(`  personal path: ${histories.length - fallbacks}/${histories.length} users (${fallbacks} fell back to popular titles); genres cycled: ${genres.length}`);
  const plain = timeIt('recommend, 10 titles', requests, (i) => recommender.recommendFor(at(i), { count: 10 }));
  const genre = timeIt('recommend, 10 titles, genre filter', requests, (i) => recommender.recommendFor(at(i), { count: 10, genre: genres[i % genres.length]! }));
  const similar = timeIt('similar, 10 titles', requests, (i) => recommender.similar(model.titleIds[(i * 7919) % model.titleIds.length]!, 10));
  const line = (label: string, t: CallTimes, target: string) =>
    summary.push(`${label}: p50 ${t.p50.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms wall (CPU p99 ${t.cpuP99.toFixed(2)} ms), n=${t.n}   target p99 <= ${target}`);
  line('recommend() in process, personal path', plain, '10 ms');
  line('recommend() in process, genre filter', genre, '10 ms');
  line('similar() in process', similar, '5 ms');
  // The bot's real call: the history read from PostgreSQL, then the same ranking.
  const asyncRuns = Math.min(requests, 1000);
  const times: number[] = [];
  for (let i = 0; i < asyncRuns; i++) {
    const t0 = performance.now();
    await recommender.recommend(at(i).userId, { count: 10 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${'recommend() async, history from PostgreSQL'.padEnd(40)} n=${asyncRuns}  wall p50 ${percentile(times, 50).toFixed(3)} p99 ${percentile(times, 99).toFixed(3)} ms`);
  summary.push(`recommend() with its PostgreSQL history read: p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms wall, n=${asyncRuns}   (no target; informative)`);
}

/** (c) recall@10 and @50 with the production filter, at the production ef and around it. */
function measureRecall(snapshot: ServingSnapshot, histories: UserHistory[], ef: number): void {
  const { recommender, index } = snapshot;
  const users = histories.filter((h) => h.ratings.some((r) => index.has(r.titleId)));
  // The query /recommend searches with: the recommender's vector over the ratings the model knows.
  const queries = users.map((h) => recommender.userVector({ ...h, ratings: h.ratings.filter((r) => index.has(r.titleId)) }));
  const excluded = users.map((h) => new Set([...h.ratings.map((r) => r.titleId), ...h.hidden]));
  const filters = productionFilters(index, queries, excluded);
  const efs = [...new Set([...EF_VALUES.filter((e) => e >= 20 && e <= 400), ef])].sort((a, b) => a - b);
  for (const k of [10, 50]) {
    console.log(`  production filter, k = ${k}, ${users.length} users (index ef ${ef}; a query searches with max(ef, k))`);
    const rows = sweep(index, queries, queries.length, filters, k, efs);
    const served = rows.find((r) => r.ef === ef)!;
    summary.push(`HNSW recall@${k}, production filter, ef ${ef}: ${served.recall.toFixed(4)} (${users.length} users; query p99 ${served.p99.toFixed(2)} ms)   target >= 0.98`);
  }
}

async function countVectors(prisma: PrismaClient): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM user_vectors`;
  return row?.n ?? 0;
}

/**
 * (e) One user's vector read by primary key with user_vectors holding `target` rows (padded for the run);
 * `whilePadded` runs before the padding is deleted, so a bot started there faces the full table.
 */
async function measureVectorReads(prisma: PrismaClient, snapshot: ServingSnapshot, target: number, reads: number, whilePadded: () => Promise<void>): Promise<void> {
  const tag = `serving-bench-${process.pid}-`;
  const have = await countVectors(prisma);
  const pad = Math.max(0, target - have);
  const dimension = snapshot.model.dimension;
  try {
    if (pad > 0) {
      const t0 = performance.now();
      await prisma.$executeRaw`INSERT INTO users (source, external_id) SELECT 'dataset', ${tag} || g FROM generate_series(1, ${pad}::int) g`;
      // Random float bytes, as incompressible as real vectors (zeros would be compressed and read cheaper).
      await prisma.$executeRaw`
        INSERT INTO user_vectors (user_id, version_id, dimension, vector, ratings_count, updated_at)
        SELECT u.id, ${snapshot.versionId}, ${dimension}, v.bytes, 1, now() FROM users u
        CROSS JOIN LATERAL (SELECT string_agg(float4send((random() - 0.5 + 0 * g + 0 * u.id)::float4), ''::bytea) AS bytes FROM generate_series(1, ${dimension}::int) g) v
        WHERE u.external_id LIKE ${tag + '%'}`;
      await prisma.$executeRaw`ANALYZE user_vectors`;
      console.log(`  padded user_vectors with ${pad.toLocaleString('en')} rows of ${dimension} floats (${((performance.now() - t0) / 1000).toFixed(0)} s); the database had ${have} stored vectors`);
    }
    const ids = await prisma.$queryRaw<{ user_id: number }[]>`SELECT user_id FROM user_vectors ORDER BY md5(user_id::text) LIMIT ${reads}`;
    const rows = await countVectors(prisma);
    const times: number[] = [];
    for (const { user_id } of ids) {
      const t0 = performance.now();
      const row = await prisma.userVector.findUnique({ where: { userId: user_id }, select: { versionId: true, vector: true, dimension: true, ratingsCount: true } });
      times.push(performance.now() - t0);
      if (row?.vector.byteLength !== dimension * 4) throw new Error(`user ${user_id}: a stored vector of ${row?.vector.byteLength} bytes, not ${dimension * 4}`);
    }
    times.sort((a, b) => a - b);
    await whilePadded();
    summary.push(
      `one user's stored vector read by key, ${rows.toLocaleString('en')} rows in user_vectors: p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms (n=${times.length})   target: read without loading them all`,
    );
  } finally {
    if (pad > 0) await prisma.$executeRaw`DELETE FROM users WHERE source = 'dataset' AND external_id LIKE ${tag + '%'}`;
  }
}

/** Rows of user_vectors read so far (sequential and by index), from PostgreSQL's statistics. */
async function vectorRowsRead(prisma: PrismaClient): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>`
    SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int AS n FROM pg_stat_user_tables WHERE relname = 'user_vectors'`;
  return row?.n ?? 0;
}

const status = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const loadedLines = (output: string) => output.split('\n').filter((l) => l.includes('"msg":"model version loaded"'));

/** (d) A real bot process on this database, logged in to the Discord emulator. */
async function measureBot(prisma: PrismaClient, databaseUrl: string, snapshot: ServingSnapshot): Promise<void> {
  const titleIds = [...snapshot.catalog.all()]
    .sort((a, b) => b.ratingCount - a.ratingCount)
    .slice(0, 3)
    .map((t) => t.id);
  const member = { id: '700000000000000001', username: 'rss-probe' };
  const emu = await startDiscordEmulator({ members: [member] });
  const prefix = uniquePrefix('serving-scale');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DISCORD_TOKEN: emu.token,
    DISCORD_APPLICATION_ID: emu.applicationId,
    DISCORD_GUILD_ID: emu.guildId,
    DISCORD_API_URL: emu.apiUrl,
    METRICS_PORT: '0',
    ALLOW_REMOTE_MODELS: 'false',
  };
  // This run's own reads of user_vectors reach the statistics when its connections close: close them first.
  await prisma.$disconnect();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const readBefore = await vectorRowsRead(prisma);
  const t0 = performance.now();
  const bot = spawnManaged(process.execPath, [BIN, 'bot'], { env, cwd: ROOT });
  const pid = bot.process.pid!;
  try {
    const loads = () => {
      if (bot.process.exitCode !== null) throw new Error(`the bot exited early:\n${bot.output().slice(-3000)}`);
      return loadedLines(bot.output()).length;
    };
    await waitUntil(() => loads() > 0 && bot.output().includes('"msg":"bot ready"'), 'the bot to load the model and log in', 300_000, 200);
    const startS = (performance.now() - t0) / 1000;
    console.log(`  bot ready with the model loaded after ${startS.toFixed(1)} s (${loadedLines(bot.output())[0]})`);
    for (const titleId of titleIds) {
      const rated = await emu.runCommand({ userId: member.id, name: 'rate', options: { title: String(titleId), score: 4.5 } });
      await rated.settled({ timeoutMs: 30_000 });
    }
    // The worker's job after a rating (not running here): the member's vector, which /recommend then reads.
    const probe = await prisma.user.findUniqueOrThrow({ where: { source_externalId: { source: 'discord', externalId: member.id } }, select: { id: true } });
    await rebuildUserVector({ prisma, serving: { current: () => snapshot } }, probe.id);
    const asked = await emu.runCommand({ userId: member.id, name: 'recommend', options: { count: 5 } });
    await emu.waitFor(() => /^(Suggestions|Popular)/.test(asked.finalContent() ?? ''), { timeoutMs: 60_000 });
    console.log(`  /recommend after ${titleIds.length} /rate: "${asked.finalContent()!.split('\n')[0]}"`);
    const ready = { rss: status(pid, 'VmRSS'), hwm: status(pid, 'VmHWM') };
    const redis = new Redis(REDIS_URL);
    const active = await prisma.modelVersion.findFirst({ where: { status: 'active' }, select: { id: true } });
    await publishModelChange(redis, prefix, active!.id, 'reindex');
    redis.disconnect();
    await waitUntil(() => loads() > 1, 'the bot to reload the model after the reindex message', 300_000, 200);
    console.log(`  hot swap in the bot: ${loadedLines(bot.output())[1]}`);
    const swapped = { rss: status(pid, 'VmRSS'), hwm: status(pid, 'VmHWM') };
    console.log(
      `  bot VmRSS ${ready.rss.toFixed(0)} MiB, VmHWM ${ready.hwm.toFixed(0)} MiB after start and /recommend; after a hot swap VmRSS ${swapped.rss.toFixed(0)} MiB, VmHWM ${swapped.hwm.toFixed(0)} MiB`,
    );
    summary.push(
      `bot process RSS (real \`tastebud bot\`, emulator): VmRSS ${swapped.rss.toFixed(0)} MiB, peak VmHWM ${swapped.hwm.toFixed(0)} MiB (start + /recommend + one hot swap)   target <= 1536 MiB`,
    );
  } finally {
    await bot.stop();
    await emu.close();
    await dropPrefix(prefix);
  }
  // The bot's backends flush their table statistics as they close at its stop.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const vectorRows = (await vectorRowsRead(prisma)) - readBefore;
  summary.push(
    `user_vectors rows read during the bot's life (start, /rate, /recommend, hot swap; this run's rebuild of the member's vector included): ${vectorRows} of ${(await countVectors(prisma)).toLocaleString('en')}   (loading all would read them all)`,
  );
  await prisma.user.deleteMany({ where: { source: 'discord', externalId: member.id } });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const ef = config.hnsw.ef;
  const prisma = createPrisma(url!);
  try {
    console.log(`machine: ${await machine()}`);
    console.log(`command: npx tsx bench/serving-scale.ts ${process.argv.slice(2).join(' ')}`);
    const active = await prisma.modelVersion.findFirst({ where: { status: 'active' } });
    if (!active) throw new Error('No model version is active in that database.');
    const [counts] = await prisma.$queryRaw<{ titles: number; users: number; ratings: number }[]>`
      SELECT (SELECT count(*) FROM titles)::int AS titles, (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM ratings)::int AS ratings`;
    console.log(
      `database: ${counts!.titles.toLocaleString('en')} titles, ${counts!.users.toLocaleString('en')} users, ${counts!.ratings.toLocaleString('en')} ratings; ` +
        `active version ${active.id}: ${active.architecture} (${active.backend}), ${active.trainingTitles.toLocaleString('en')} titles x ${active.dimension}; HNSW_EF ${ef}`,
    );
    console.log(`\n(a) hot-swap load of version ${active.id}, ${args.loads} times`);
    const snapshot = await measureLoad(prisma, ef, Number(args.loads));
    console.log(`\n(b) in-process recommend() and similar()`);
    const histories = await sampleHistories(prisma, Number(args.users), args.seed);
    await measureRequests(snapshot, histories, Number(args.requests));
    console.log(`\n(c) HNSW recall with the production filter`);
    measureRecall(snapshot, histories.slice(0, Number(args['recall-users'])), ef);
    console.log(`\n(e) stored user vectors`);
    // The bot runs while user_vectors holds the padded rows, so reading them all would show.
    await measureVectorReads(prisma, snapshot, Number(args['vector-users']), Number(args.reads), async () => {
      if (args['no-bot']) return;
      console.log(`\n(d) RSS of a real bot process with this model active`);
      await measureBot(prisma, url!, snapshot);
    });
    console.log(`\nsummary (${snapshot.model.titleIds.length.toLocaleString('en')} titles; load average now ${await machine().then((m) => m.split('load average ')[1])}):`);
    for (const line of summary) console.log(`  ${line}`);
  } finally {
    await prisma.$disconnect();
  }
}

await main();
