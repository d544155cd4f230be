import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trainer } from '../../../jobs/retrain.ts';
import type { RetrainResult } from '../../../src/queue/job-progress.ts';
import { createAdminActions } from '../../../src/admin/admin-service.ts';
import { catalogTitleSearch, servingRecommender } from '../../../src/bot/adapters.ts';
import { createBot, type Bot } from '../../../src/bot/bot.ts';
import { createLogger } from '../../../src/log.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { trainModel } from '../../../src/model/train.ts';
import type { TrainOptions } from '../../../src/model/options.ts';
import { activeModelVersion, promoteModelVersion } from '../../../src/model-store/store.ts';
import { QUEUE } from '../../../src/queue/names.ts';
import { createQueues, enqueueRetrain, type Queues } from '../../../src/queue/queues.ts';
import { SUGGESTION_REACTIONS } from '../../../src/ratings/scale.ts';
import { publishModelChange } from '../../../src/serving/publish.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../../src/worker/runtime.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, REDIS_URL, seedCatalogue, uniquePrefix, waitFor } from '../worker/support.ts';

const ALICE = '300000000000000001';
const ADMIN = '300000000000000002';
const prefix = uniquePrefix('loop-e2e');
const logger = createLogger({ logLevel: 'silent' });
const FAILED_RETENTION_DAYS = 3;

/**
 * Tiny training so the whole loop runs in seconds. The first retrain barely moves its random weights
 * (one epoch at a negligible learning rate); later ones train 15 epochs, so the admin's candidate is
 * clearly better on validation nDCG and gets promoted (the promotion rule rejects a worse one). Each
 * epoch waits a little so the job reports several progress steps that the admin's reply can show.
 */
let first = true;
const train: Trainer = (dataset, options, hooks) => {
  const tiny: Partial<TrainOptions> = { dimension: 8, epochs: first ? 1 : 15, batchSize: 8, patience: 20, validationFraction: 0, learningRate: first ? 1e-7 : 0.01 };
  return trainModel(
    dataset,
    { ...options, ...tiny },
    {
      ...hooks,
      onEpoch: async (epoch, loss, metrics) => {
        await hooks.onEpoch?.(epoch, loss, metrics);
        await new Promise((resolve) => setTimeout(resolve, 150));
      },
    },
  );
};

let db: TestDatabase;
let emu: DiscordEmulator;
let queues: Queues;
let worker: WorkerRuntime;
let serving: ServingModel;
let bot: Bot;
let firstVersionId: number;

async function recommend(userId: string, count: number) {
  const i = await emu.runCommand({ userId, name: 'recommend', options: { count } });
  await emu.waitFor(() => i.followUps().length === count, { timeoutMs: 20_000, message: `expected ${count} suggestion messages` });
  const messages = i.followUps();
  await emu.waitFor(() => messages.every((m) => emu.message(m.id)!.reactions.length === SUGGESTION_REACTIONS.length), { timeoutMs: 20_000 });
  const rows = await db.prisma.suggestion.findMany({ where: { messageId: { in: messages.map((m) => m.id) } } });
  expect(rows).toHaveLength(count);
  return { messages, rows };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCatalogue(db.prisma, { titles: 40, users: 30, genres: 4, perUser: 8 });
  queues = createQueues(REDIS_URL, prefix, { failedJobRetentionDays: FAILED_RETENTION_DAYS });
  worker = await startWorkerRuntime({
    prisma: db.prisma,
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    prefix,
    logger,
    deserialize: deserializeModel,
    train,
    backend: 'cpu',
    hnsw: { m: 8, efConstruction: 50, ef: 50 },
    retrainCron: null,
    failedJobRetentionDays: FAILED_RETENTION_DAYS,
  });
  // The first model version comes out of the same retrain job the admin runs later.
  const events = new QueueEvents(QUEUE.retrain, { connection: { url: REDIS_URL }, prefix });
  try {
    await events.waitUntilReady();
    const job = await queues.retrain.getJob(await enqueueRetrain(queues.retrain, 'setup'));
    const first = (await job!.waitUntilFinished(events, 100_000)) as RetrainResult;
    if (first.status !== 'promoted') throw new Error(`the first retrain was not promoted: ${JSON.stringify(first)}`);
    firstVersionId = first.versionId;
  } finally {
    await events.close();
  }
  first = false;

  emu = await startDiscordEmulator({
    members: [
      { id: ALICE, username: 'alice' },
      { id: ADMIN, username: 'boss', permissions: 'ManageGuild' },
    ],
  });
  // No periodic re-check: a swap in this test can only come through the Redis announcement.
  serving = createServingModel({ prisma: db.prisma, redisUrl: REDIS_URL, prefix, deserialize: deserializeModel, logger, ef: 50, pollIntervalMs: 0 });
  await serving.start();
  bot = createBot({
    config: { discord: { token: emu.token, applicationId: emu.applicationId, guildId: emu.guildId, apiUrl: emu.apiUrl }, rateLimit: { commands: 1000, windowSeconds: 60 } },
    prisma: db.prisma,
    queues,
    logger,
    search: catalogTitleSearch(db.prisma),
    recommender: servingRecommender(db.prisma, serving),
    admin: createAdminActions(db.prisma, queues, { logger, pollMs: 100, minEditIntervalMs: 250 }),
    outboxIntervalMs: 300,
  });
  await bot.start();
}, 180_000);

afterAll(async () => {
  await bot?.stop();
  await serving?.stop();
  await emu?.close();
  await worker?.close();
  await queues?.close();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('the learning loop through Discord', () => {
  it('a bot that starts serves the active version', async () => {
    expect((await activeModelVersion(db.prisma))?.id).toBe(firstVersionId);
    expect(serving.current()?.versionId).toBe(firstVersionId);
    const { rows } = await recommend(ALICE, 3);
    expect(rows.map((r) => r.modelVersionId)).toEqual([firstVersionId, firstVersionId, firstVersionId]);
  });

  it('👍 on suggestions updates the member’s stored vector; /admin retrain shows progress until a new version serves the next /recommend', async () => {
    const { messages, rows } = await recommend(ALICE, 2);
    const aliceId = (await db.prisma.user.findFirstOrThrow({ where: { source: 'discord', externalId: ALICE } })).id;

    await emu.react({ userId: ALICE, messageId: messages[0]!.id, emoji: '👍' });
    const firstVector = await waitFor(() => db.prisma.userVector.findFirst({ where: { userId: aliceId, ratingsCount: 1 } }), 'Alice’s vector after one rating', 60_000);
    expect(firstVector.versionId).toBe(firstVersionId);
    await emu.react({ userId: ALICE, messageId: messages[1]!.id, emoji: '👍' });
    const secondVector = await waitFor(() => db.prisma.userVector.findFirst({ where: { userId: aliceId, ratingsCount: 2 } }), 'Alice’s vector after two ratings', 60_000);
    expect(Buffer.from(secondVector.vector).equals(Buffer.from(firstVector.vector))).toBe(false);
    expect(secondVector.updatedAt.getTime()).toBeGreaterThanOrEqual(firstVector.updatedAt.getTime());
    expect(await db.prisma.rating.findMany({ where: { userId: aliceId }, select: { titleId: true, value: true }, orderBy: { titleId: 'asc' } })).toEqual(
      rows.map((r) => ({ titleId: r.titleId, value: 4 })).sort((a, b) => a.titleId - b.titleId),
    );

    const admin = await emu.runCommand({ userId: ADMIN, name: 'admin', subcommand: 'retrain' });
    // Generous deadlines: the CI machine has 2 cores shared with other test files.
    await emu.waitFor(() => /: (done|skipped|failed|the job is gone|still running)/.test(admin.finalContent() ?? ''), { timeoutMs: 100_000, message: 'the retrain reply to show the end' });
    const final = admin.finalContent()!;
    expect(final).toMatch(/^retrain job \S+: done in [\d.]+ s: version (\d+) is now active \(validation nDCG@10 [\d.]+ vs [\d.]+ for version \d+\)\.$/);
    const edits = admin.responses.flatMap((r) => (r.kind === 'editOriginal' ? [String((r.data as { content?: string }).content ?? '')] : []));
    expect(edits[0]).toMatch(/^Queued the retrain job \(job id \S+\)/);
    const progress = edits.filter((text) => /training, epoch \d+/.test(text));
    expect(progress.length, edits.join('\n')).toBeGreaterThanOrEqual(3);
    expect(progress.some((text) => /loss \d/.test(text))).toBe(true);

    const newVersionId = Number(/version (\d+) is now active/.exec(final)![1]);
    expect(newVersionId).not.toBe(firstVersionId);
    expect((await activeModelVersion(db.prisma))?.id).toBe(newVersionId);
    // The bot learns of the promotion only through the Redis announcement (its holder does not poll).
    await waitFor(() => serving.current()?.versionId === newVersionId, 'the bot to swap to the new version', 60_000);

    const next = await recommend(ALICE, 3);
    expect(next.rows.map((r) => r.modelVersionId)).toEqual([newVersionId, newVersionId, newVersionId]);
    // The titles Alice rated are not suggested again.
    expect(next.rows.map((r) => r.titleId)).not.toContain(rows[0]!.titleId);
  }, 180_000);

  it('a swap while /recommend requests run drops none of them; each batch comes from one version', async () => {
    const from = serving.current()!.versionId;
    const running = Array.from({ length: 4 }, () => recommend(ALICE, 3));
    // Roll back to the first version, announced the way the model CLI does it.
    await promoteModelVersion(db.prisma, firstVersionId, 'test rollback');
    await publishModelChange(worker.redis, prefix, firstVersionId, 'rollback');
    const batches = await Promise.all(running);
    for (const { rows } of batches) {
      expect(rows).toHaveLength(3);
      expect(new Set(rows.map((r) => r.modelVersionId)).size).toBe(1);
      expect([from, firstVersionId]).toContain(rows[0]!.modelVersionId);
    }
    await waitFor(() => serving.current()?.versionId === firstVersionId, 'the bot to swap back', 60_000);
    const after = await recommend(ALICE, 2);
    expect(after.rows.map((r) => r.modelVersionId)).toEqual([firstVersionId, firstVersionId]);
  }, 120_000);

  it('/admin status shows the active version and attaches the training chart', async () => {
    const active = await activeModelVersion(db.prisma);
    const before = emu.requests.length;
    const status = await emu.runCommand({ userId: ADMIN, name: 'admin', subcommand: 'status' });
    await emu.waitFor(() => /Active model/.test(status.finalContent() ?? ''), { timeoutMs: 30_000, message: 'the status reply' });
    expect(status.finalContent()).toContain(`version ${active!.id}`);
    // A version the retrain gate recorded: its quality, training, what it replaced and why, as embed fields.
    const fields = new Map(status.finalEmbeds()[0]!.fields!.map((f) => [f.name, f.value]));
    for (const value of fields.values()) expect(value).not.toMatch(/[{}]/);
    expect(fields.get('Quality')).toMatch(/^nDCG@10 \*\*\d\.\d{3}\*\* on [\d,]+ held-out ratings \(10 % of member-title pairs/);
    expect(fields.get('Training')).toMatch(/^Finished \d{4}-\d\d-\d\d \d\d:\d\d UTC, took [\d.]+ (ms|s)\.\nTrained on [\d,]+ ratings/);
    expect(fields.get('Training')).toMatch(/Phases: load /);
    expect(fields.get('Replaced')).toMatch(/\nWhy: /);
    expect(fields.get('Queues')).toMatch(/\*\*title-embeddings\*\*: \d+ waiting/);
    expect(fields.get('Recent jobs')).toMatch(/retrain #\d+ completed .* after [\d.]+ (ms|s|min)/);
    const withChart = emu.requests.slice(before).filter((r) => r.method === 'PATCH' && r.files.length > 0);
    expect(withChart.map((r) => r.files)).toEqual([['training.png']]);
  });

  it('queued jobs keep failures for FAILED_JOB_RETENTION_DAYS', async () => {
    const [job] = await queues.retrain.getJobs(['completed'], 0, 0);
    expect(job?.opts.removeOnFail).toEqual({ age: FAILED_RETENTION_DAYS * 86_400 });
  });
});
