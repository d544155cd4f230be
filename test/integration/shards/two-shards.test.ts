import { fileURLToPath } from 'node:url';
import { ShardClientUtil } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../src/db/client.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import {
  createMigratedDatabase,
  freePort,
  spawnManaged,
  startPostgresProcess,
  startRedisProcess,
  waitUntil,
  type ManagedChild,
  type PostgresProcess,
  type RedisProcess,
} from '../../support/processes/index.ts';
import { botEnv, discordHeld, MIGRATIONS, prismaFor, recommend, ROOT, startBotProcess, storedHeld } from '../reliability/harness.ts';
import { seedCatalogue } from '../worker/support.ts';

const BIN = fileURLToPath(new URL('../../../bin/tastebud.js', import.meta.url));
const SHARD_COUNT = 2;

/** A guild id that Discord's `(guild_id >> 22) % count` routes to `shard`. */
function guildIdOnShard(shard: number): string {
  return (((1_300_000_000_000_000_000n >> 22n) * BigInt(SHARD_COUNT) + BigInt(shard)) << 22n).toString();
}

/** The model version a process serves, from its /metrics (0 = none). */
async function servedVersion(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('tastebud_active_model_version'));
  return Number(line?.split(' ')[1] ?? NaN);
}

let pg: PostgresProcess;
let redis: RedisProcess;
let prisma: PrismaClient;
let queues: Queues;
let emu: DiscordEmulator;
const bots: { shard: number; port: number; child: ManagedChild }[] = [];
const workers: ManagedChild[] = [];
const prefix = `tbshards-${process.pid}`;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgresProcess(), startRedisProcess()]);
  const url = await createMigratedDatabase(pg, 'shards', MIGRATIONS);
  prisma = prismaFor(url);
  await seedCatalogue(prisma, { titles: 40, users: 30 });
  queues = createQueues(redis.url, prefix);
  emu = await startDiscordEmulator({
    guildId: guildIdOnShard(1),
    members: [
      { id: '300000000000000001', username: 'alice', permissions: 'ManageGuild' },
      { id: '300000000000000002', username: 'bob' },
    ],
  });
  for (const shard of [0, 1]) {
    const port = await freePort();
    const env = botEnv(emu, url, redis.url, { QUEUE_PREFIX: prefix, SHARD_COUNT: String(SHARD_COUNT), SHARD_IDS: String(shard), METRICS_PORT: String(port) });
    bots.push({ shard, port, child: await startBotProcess(env) });
  }
  for (let w = 0; w < 2; w++) {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      TF_BACKEND: 'cpu',
      WORKER_METRICS_PORT: '0',
    };
    const child = spawnManaged(process.execPath, [BIN, 'worker', '--queues', 'retrain', '--no-schedule'], { env, cwd: ROOT });
    workers.push(child);
  }
  await waitUntil(() => workers.every((w) => w.output().includes('worker started') || w.process.exitCode !== null), 'both workers to start', 60_000, 100);
  for (const w of workers) if (w.process.exitCode !== null) throw new Error(`worker exited early:\n${w.output()}`);
}, 180_000);

afterAll(async () => {
  for (const { child } of bots) await child.stop('SIGTERM', 10_000);
  for (const w of workers) await w.stop('SIGTERM', 10_000);
  await emu?.close();
  await queues?.close();
  await prisma?.$disconnect();
  await pg?.destroy();
  await redis?.destroy();
}, 60_000);

describe('two bot shard processes and two worker processes', () => {
  it('each process identifies with its own shard, and only the owning shard gets the guild', () => {
    expect(ShardClientUtil.shardIdForGuildId(emu.guildId, SHARD_COUNT)).toBe(1);
    expect(
      emu
        .sessions()
        .map((s) => s.shard)
        .sort(),
    ).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const owner = emu.sessions().find((s) => s.shard[0] === 1)!.id;
    const guildCreates = emu.dispatches.filter((d) => d.t === 'GUILD_CREATE');
    expect(guildCreates.map((d) => d.sessionId)).toEqual([owner]);
    // Commands were registered once, by the process that runs shard 0.
    expect(emu.requests.filter((r) => r.method === 'PUT' && r.route === 'PUT /applications/:app/guilds/:guild/commands')).toHaveLength(1);
  });

  it('answers every interaction once, from the shard that owns the guild, and stores every reaction', async () => {
    const [alice, bob] = emu.memberIds as [string, string];
    const before = emu.dispatches.length;
    const suggestions = [...(await recommend(emu, alice, 2)), ...(await recommend(emu, bob, 2))];
    const interactions = emu.dispatches.slice(before).filter((d) => d.t === 'INTERACTION_CREATE');
    const owner = emu.sessions().find((s) => s.shard[0] === 1)!.id;
    expect(interactions).toHaveLength(2);
    expect(interactions.every((d) => d.sessionId === owner)).toBe(true);
    const callbacks = emu.requests.filter((r) => r.route === 'POST /interactions/:interaction/:token/callback');
    expect(callbacks).toHaveLength(2);

    await emu.react({ userId: alice, messageId: suggestions[0]!, emoji: '😍' });
    await emu.react({ userId: bob, messageId: suggestions[1]!, emoji: '👎' });
    await emu.react({ userId: bob, messageId: suggestions[2]!, emoji: '👍' });
    const expected = discordHeld(emu, suggestions);
    expect(expected).toHaveLength(3);
    await expect.poll(() => storedHeld(prisma, suggestions), { timeout: 20_000, interval: 200 }).toEqual(expected);
  });

  it('runs retrains one at a time across the workers, and the promoted model reaches both shards without a restart', async () => {
    expect(await Promise.all(bots.map((b) => servedVersion(b.port)))).toEqual([0, 0]);
    const [alice] = emu.memberIds as [string];
    const admin = await emu.runCommand({ userId: alice, name: 'admin', subcommand: 'retrain' });
    // A second retrain beside the one /admin queued (the queue itself would deduplicate a second /admin).
    await queues.retrain.add('retrain', { requestedBy: 'test' }, { attempts: 1 });
    await admin.settled();
    await waitUntil(
      async () => {
        const counts = await queues.retrain.getJobCounts('completed', 'failed');
        return counts.completed! + counts.failed! === 2;
      },
      'both retrains to finish',
      120_000,
      250,
    );
    const jobs = await queues.retrain.getJobs(['completed', 'failed']);
    expect(jobs.map((j) => j.failedReason ?? null)).toEqual([null, null]);
    // The trainings that ran (not skipped for the lock) never overlapped.
    const trained = jobs.filter((j) => (j.returnvalue as { status: string }).status !== 'skipped').sort((a, b) => a.processedOn! - b.processedOn!);
    expect(trained.length).toBeGreaterThanOrEqual(1);
    for (let k = 1; k < trained.length; k++) expect(trained[k]!.processedOn!).toBeGreaterThanOrEqual(trained[k - 1]!.finishedOn!);
    const active = await prisma.modelVersion.findMany({ where: { status: 'active' } });
    expect(active).toHaveLength(1);
    await expect.poll(() => Promise.all(bots.map((b) => servedVersion(b.port))), { timeout: 30_000, interval: 250 }).toEqual([active[0]!.id, active[0]!.id]);
    for (const { child } of bots) expect(child.process.exitCode).toBeNull();
  });
});
