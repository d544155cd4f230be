import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogTitleSearch, servingRecommender } from '../../../src/bot/adapters.ts';
import { createBot, type Bot } from '../../../src/bot/bot.ts';
import { createLogger } from '../../../src/log.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { onlineReportOf } from '../../../src/online/index.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { SUGGESTION_REACTIONS } from '../../../src/ratings/scale.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { TEST_SETTINGS } from '../../support/settings.ts';
import { seedWorldWithModel } from '../bot/fixtures.ts';

/* The real bot over the Discord emulator: /recommend stores how long ranking took with each suggestion, and the online report reads it. */

const BOB = '200000000000000002';
const prefix = `tbtest-online-${randomBytes(4).toString('hex')}`;
const logger = createLogger({ logLevel: 'silent' });

let db: TestDatabase;
let emu: DiscordEmulator;
let queues: Queues;
let serving: ServingModel;
let bot: Bot;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedWorldWithModel(db.prisma);
  emu = await startDiscordEmulator({ members: [{ id: BOB, username: 'bob' }] });
  queues = createQueues(TEST_SETTINGS.redisUrl, prefix);
  serving = createServingModel({ prisma: db.prisma, deserialize: deserializeModel, logger, pollIntervalMs: 0 });
  await serving.start();
  bot = createBot({
    config: { discord: { token: emu.token, applicationId: emu.applicationId, guildId: emu.guildId, apiUrl: emu.apiUrl }, rateLimit: { commands: 1000, windowSeconds: 60 } },
    prisma: db.prisma,
    queues,
    logger,
    search: catalogTitleSearch(db.prisma),
    recommender: servingRecommender(db.prisma, serving),
    outboxIntervalMs: 500,
  });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await serving?.stop();
  await emu?.close();
  for (const q of [queues.userEmbedding, queues.retrain, queues.reindex]) await q?.obliterate({ force: true });
  await queues?.close();
  await db?.drop();
});

describe('/recommend latency', () => {
  it("is stored with every suggestion of the batch and is the report's p50/p95", async () => {
    const since = new Date(Date.now() - 1000);
    const i = await emu.runCommand({ userId: BOB, name: 'recommend', options: { count: 3 } });
    await emu.waitFor(() => i.followUps().length === 3, { timeoutMs: 20_000 });
    await emu.waitFor(() => i.followUps().every((m) => emu.message(m.id)!.reactions.length === SUGGESTION_REACTIONS.length), { timeoutMs: 20_000 });
    const rows = await db.prisma.suggestion.findMany({ where: { messageId: { in: i.followUps().map((m) => m.id) } }, orderBy: { position: 'asc' } });
    expect(rows).toHaveLength(3);
    const latency = rows[0]!.latencyMs;
    expect(latency).not.toBeNull();
    expect(latency!).toBeGreaterThanOrEqual(0);
    expect(latency!).toBeLessThan(20_000);
    expect(rows.every((r) => r.latencyMs === latency)).toBe(true);
    const report = await onlineReportOf(db.prisma, { since, until: new Date(Date.now() + 1000) });
    expect(report.byVersion).toHaveLength(1);
    expect(report.byVersion[0]).toMatchObject({ shown: 3, latencyP50Ms: latency, latencyP95Ms: latency });
  });
});
