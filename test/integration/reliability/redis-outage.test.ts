import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../src/bot/bot.ts';
import type { PrismaClient } from '../../../src/db/client.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createMigratedDatabase, startPostgresProcess, startRedisProcess, type PostgresProcess, type RedisProcess } from '../../support/processes/index.ts';
import { expectDatabaseMatchesDiscord, inProcessBot, memberList, MIGRATIONS, prismaFor, reactionBurst, recommend, seedTitles } from './harness.ts';

const members = memberList(6);
const ids = members.map((m) => m.id);
let pg: PostgresProcess;
let redis: RedisProcess;
let prisma: PrismaClient;
let queues: Queues;
let emu: DiscordEmulator;
let bot: Bot;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgresProcess(), startRedisProcess()]);
  const url = await createMigratedDatabase(pg, 'reliability', MIGRATIONS);
  prisma = prismaFor(url);
  await seedTitles(prisma);
  queues = createQueues(redis.url, 'tbrel');
  emu = await startDiscordEmulator({ members });
  bot = inProcessBot({ emu, prisma, queues, outboxIntervalMs: 300 });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await emu?.close();
  await queues?.close();
  await prisma?.$disconnect();
  await pg?.destroy();
  await redis?.destroy();
});

describe('Redis unavailable', () => {
  it('ratings are stored while redis-server is down; the rebuilds they need reach the queue once it is back, one per member', async () => {
    const messages = [...(await recommend(emu, ids[0]!, 2)), ...(await recommend(emu, ids[1]!, 2))];
    await expect.poll(() => prisma.outboxEvent.count({ where: { dispatchedAt: null } }), { timeout: 10_000 }).toBe(0);

    await redis.stop();
    const before = await prisma.outboxEvent.count();
    await reactionBurst(emu, ids, messages, 40, 7);
    const rated = await prisma.user.findMany({ where: { source: 'discord', ratings: { some: {} } }, select: { id: true } });
    await expect
      .poll(
        () =>
          expectDatabaseMatchesDiscord(emu, prisma, messages).then(
            () => true,
            () => false,
          ),
        { timeout: 15_000 },
      )
      .toBe(true);
    // Held back, not lost: written with the ratings, waiting for Redis.
    await expect.poll(() => prisma.outboxEvent.count({ where: { dispatchedAt: null } }), { timeout: 5_000 }).toBeGreaterThan(0);
    const written = await prisma.outboxEvent.findMany({ where: { id: { gt: BigInt(before) } }, select: { payload: true } });
    const usersNeedingRebuild = new Set(written.map((e) => (e.payload as { userId: number }).userId));
    expect(usersNeedingRebuild.size).toBeGreaterThan(0);
    expect(
      rated.map((u) => u.id).filter((id) => !usersNeedingRebuild.has(id)),
      'members with ratings but no outbox event',
    ).toEqual([]);

    // A restarted redis-server starts empty (no persistence): everything must come from the outbox.
    await redis.start();
    await expect.poll(() => prisma.outboxEvent.count({ where: { dispatchedAt: null } }), { timeout: 20_000, interval: 250 }).toBe(0);
    const jobs = await queues.userEmbedding.getJobs(['waiting', 'delayed', 'prioritized']);
    const queuedUsers = jobs.map((j) => j.data.userId).sort((a, b) => a - b);
    expect(queuedUsers).toEqual([...usersNeedingRebuild].sort((a, b) => a - b));
  });

  it('the bot stops within seconds while redis-server is down (BullMQ alone would wait for it forever)', async () => {
    await redis.stop();
    const started = Date.now();
    await bot.stop();
    expect(Date.now() - started).toBeLessThan(20_000);
    await redis.start();
  }, 60_000);
});
