import { MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../src/bot/bot.ts';
import { DATABASE_UNAVAILABLE_TEXT } from '../../../src/bot/listeners/interactions.ts';
import type { PrismaClient } from '../../../src/db/client.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createMigratedDatabase, startPostgresProcess, startRedisProcess, type PostgresProcess, type RedisProcess } from '../../support/processes/index.ts';
import { expectDatabaseMatchesDiscord, inProcessBot, memberList, MIGRATIONS, prismaFor, reactionBurst, recommend, seedTitles } from './harness.ts';

const members = memberList(6);
/** Every suggestion message so far: ratings are checked across all of them (titles repeat). */
const all: string[] = [];
const matches = () =>
  expectDatabaseMatchesDiscord(emu, prisma, all).then(
    () => true,
    () => false,
  );
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
  // About 3 s of retries, so a test can outlast it without waiting long.
  bot = inProcessBot({ emu, prisma, queues, databaseRetry: { attempts: 6, initialDelayMs: 100, maxDelayMs: 1_000 }, reconcileRetryMs: 300 });
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

describe('PostgreSQL unavailable', () => {
  it('a restart shorter than the retry budget: reactions made meanwhile are stored by the retries', async () => {
    const messages = await recommend(emu, ids[0]!, 3);
    all.push(...messages);
    await reactionBurst(emu, ids, messages, 20, 1);
    await expect.poll(matches, { timeout: 10_000 }).toBe(true);

    await pg.stop();
    await reactionBurst(emu, ids, messages, 15, 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await pg.start();
    await expect.poll(matches, { timeout: 15_000 }).toBe(true);
    // The retries did it: nothing was left for reconciliation.
    expect(bot.reconciler.pendingCount()).toBe(0);
  });

  it('down past the budget: commands say "temporarily unavailable"; reactions are reconciled once it is back, none lost or doubled', async () => {
    const messages = await recommend(emu, ids[1]!, 3);
    all.push(...messages);
    await reactionBurst(emu, ids, messages, 10, 3);
    await expect.poll(matches, { timeout: 10_000 }).toBe(true);

    await pg.stop({ immediate: true });
    await reactionBurst(emu, ids, messages, 30, 4);

    for (const name of ['rate', 'profile'] as const) {
      const i = await emu.runCommand({ userId: ids[2]!, name, ...(name === 'rate' ? { options: { title: 'Title 1', score: 4 } } : {}) });
      await i.settled({ timeoutMs: 15_000, quietMs: 300 });
      expect(i.finalContent()).toBe(DATABASE_UNAVAILABLE_TEXT);
      expect(i.original()?.ephemeral ?? ((i.original()?.flags ?? 0) & MessageFlags.Ephemeral) !== 0).toBe(true);
    }

    // Every live handler gives up and hands its message to the reconciler.
    await expect.poll(() => bot.reconciler.pendingCount(), { timeout: 15_000 }).toBeGreaterThan(0);
    await pg.start();
    await expect.poll(matches, { timeout: 20_000, interval: 250 }).toBe(true);
    await expectDatabaseMatchesDiscord(emu, prisma, all);
    await expect.poll(() => bot.reconciler.pendingCount(), { timeout: 5_000 }).toBe(0);
  });
});
