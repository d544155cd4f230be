import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trainer } from '../../../jobs/retrain.ts';
import type { RetrainResult } from '../../../src/queue/job-progress.ts';
import { bytesToVector } from '../../../src/embeddings/vector-bytes.ts';
import { trainModel } from '../../../src/model/train.ts';
import { activeModelVersion } from '../../../src/model-store/store.ts';
import { QUEUE } from '../../../src/queue/names.ts';
import { OutboxDispatcher, queueSink } from '../../../src/queue/outbox.ts';
import { createQueues, enqueueRetrain, type Queues } from '../../../src/queue/queues.ts';
import { upsertMember } from '../../../src/members/members.ts';
import { rateTitle } from '../../../src/ratings/store.ts';
import type { RetrainJobData } from '../../../src/queue/names.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../../src/worker/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, randomDaeModel, REDIS_URL, seedCatalogue, testWorkerOptions, uniquePrefix, waitFor, type GeneratedCatalogue } from './support.ts';

const prefix = uniquePrefix('loop');
const tiny: RetrainJobData['train'] = { dimension: 8, epochs: 15, batchSize: 8, patience: 20, validationFraction: 0, learningRate: 0.01 };
let db: TestDatabase;
let catalogue: GeneratedCatalogue;
let runtime: WorkerRuntime;
let queues: Queues;
let events: QueueEvents;
let dispatcher: OutboxDispatcher;
/** When set, the next retrain "trains" a model with random weights instead: a deliberately worse candidate. */
let nextCandidateRandom = false;
const rebuildsByUser = new Map<number, number>();

const train: Trainer = async (dataset, options, hooks) => {
  if (nextCandidateRandom) {
    nextCandidateRandom = false;
    return randomDaeModel(dataset.titleIds, options.dimension ?? 8, 12345);
  }
  return trainModel(dataset, options, hooks);
};

async function retrain(data: Partial<RetrainJobData> = {}): Promise<RetrainResult> {
  const job = await queues.retrain.add('retrain', { requestedBy: 'test', train: tiny, ...data } as RetrainJobData);
  return (await job.waitUntilFinished(events, 60_000)) as RetrainResult;
}

beforeAll(async () => {
  db = await createTestDatabase();
  catalogue = await seedCatalogue(db.prisma);
  queues = createQueues(REDIS_URL, prefix);
  events = new QueueEvents(QUEUE.retrain, { connection: { url: REDIS_URL }, prefix });
  await events.waitUntilReady();
  runtime = await startWorkerRuntime(testWorkerOptions(db, prefix, { train, retrainCron: '0 4 * * *', failedJobRetentionDays: 3 }));
  runtime.workers.get(QUEUE.userEmbedding)!.on('completed', (job) => {
    const userId = (job.data as { userId: number }).userId;
    rebuildsByUser.set(userId, (rebuildsByUser.get(userId) ?? 0) + 1);
  });
  dispatcher = new OutboxDispatcher({ prisma: db.prisma, sink: queueSink(queues), intervalMs: 200 });
  dispatcher.start();
});

afterAll(async () => {
  await dispatcher?.stop();
  await runtime?.close();
  await events?.close();
  await queues?.close();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('learning loop worker', () => {
  it('registers the nightly retrain as a job scheduler', async () => {
    const schedulers = await runtime.queues.get(QUEUE.retrain)!.getJobSchedulers();
    expect(schedulers).toEqual([expect.objectContaining({ key: 'retrain-cron', pattern: '0 4 * * *' })]);
  });

  it('retrains, promotes the first version, reports every phase and swaps the served model', async () => {
    const phases: string[] = [];
    events.on('progress', ({ data }) => phases.push((data as { phase: string }).phase));
    const result = await retrain();
    expect(result).toMatchObject({ status: 'promoted', activeVersionId: null });
    if (result.status === 'skipped') throw new Error('unexpected skip');
    // Two fits: the gate fit ('train') and, once the gate passed, the refit on every rating.
    expect(new Set(phases)).toEqual(new Set(['load', 'train', 'evaluate', 'refit', 'index', 'save', 'promote']));
    const active = await activeModelVersion(db.prisma);
    expect(active?.id).toBe(result.versionId);
    expect(active).toMatchObject({ backend: 'cpu', dimension: 9, trainingTitles: catalogue.titleIds.length });
    expect(active!.trainingRatings).toBe(await db.prisma.rating.count());
    expect(active!.durationMs).toBeGreaterThan(0);
    // The default (closed-form) model stops once converged: at least two passes, at most `epochs`.
    expect((active!.lossHistory as number[]).length).toBeGreaterThanOrEqual(2);
    expect((active!.lossHistory as number[]).length).toBeLessThanOrEqual(tiny!.epochs!);
    expect(active!.metrics).toMatchObject({ validationNdcg10: result.validationNdcg, phaseMs: expect.objectContaining({ train: expect.any(Number) }) });
    await waitFor(() => runtime.serving.current()?.versionId === result.versionId, 'the worker to load the promoted version');
  });

  it('rejects a worse candidate (random weights) and keeps the active version', async () => {
    const before = await activeModelVersion(db.prisma);
    nextCandidateRandom = true;
    const result = await retrain();
    expect(result.status).toBe('rejected');
    if (result.status === 'skipped') throw new Error('unexpected skip');
    expect(result.validationNdcg).toBeLessThan(result.activeValidationNdcg!);
    const rejected = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: result.versionId } });
    expect(rejected.status).toBe('rejected');
    expect(rejected.statusReason).toMatch(/worse than the active version/);
    expect((await activeModelVersion(db.prisma))?.id).toBe(before!.id);
  });

  it('promotes a retrained model that is not worse than the active one', async () => {
    const before = await activeModelVersion(db.prisma);
    const result = await retrain();
    expect(result.status).toBe('promoted');
    if (result.status === 'skipped') throw new Error('unexpected skip');
    expect(result.activeVersionId).toBe(before!.id);
    expect(result.validationNdcg).toBeGreaterThanOrEqual(result.activeValidationNdcg!);
    expect((await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: before!.id } })).status).toBe('retired');
    await waitFor(() => runtime.serving.current()?.versionId === result.versionId, 'the swap to the new version');
  });

  it('a rating change queues a rebuild of that user, and the next recommendation changes', async () => {
    const member = { discordId: '100000000000000001' };
    const genre0 = catalogue.byGenre.get('Genre0')!;
    const genre2 = catalogue.byGenre.get('Genre2')!;
    await rateTitle(db.prisma, member, genre0[0]!, 5);
    dispatcher.kick();
    const userId = (await db.prisma.user.findFirstOrThrow({ where: { externalId: member.discordId } })).id;
    await waitFor(() => db.prisma.userVector.findFirst({ where: { userId, ratingsCount: 1 } }), 'the first rebuild');
    const { recommender } = runtime.serving.require();
    const before = (await recommender.recommend(userId, { count: 5 })).map((r) => r.titleId);

    for (const titleId of genre2.slice(0, 4)) await rateTitle(db.prisma, member, titleId, 5);
    dispatcher.kick();
    const stored = await waitFor(() => db.prisma.userVector.findFirst({ where: { userId, ratingsCount: 5 } }), 'the rebuild after the new ratings');
    const snapshot = runtime.serving.require();
    expect(stored.versionId).toBe(snapshot.versionId);
    const history = await db.prisma.rating.findMany({ where: { userId } });
    const expected = snapshot.model.userVector(history.map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() })));
    expect(Array.from(bytesToVector(stored.vector, stored.dimension))).toEqual(Array.from(expected));
    const after = (await snapshot.recommender.recommend(userId, { count: 5 })).map((r) => r.titleId);
    expect(after).not.toEqual(before);
  });

  it('a burst of 50 rating changes for one user runs far fewer rebuilds, and the final vector has every rating', async () => {
    const member = { discordId: '100000000000000002' };
    const userId = await upsertMember(db.prisma, member);
    const titles = catalogue.titleIds.slice(0, 50);
    await Promise.all(titles.map((titleId, i) => rateTitle(db.prisma, member, titleId, 1 + (i % 9) / 2)));
    dispatcher.kick();
    const stored = await waitFor(() => db.prisma.userVector.findFirst({ where: { userId, ratingsCount: 50 } }), 'the vector with all 50 ratings', 60_000);
    // The worker's 'completed' event comes a moment after the vector is stored (and, under load, after the
    // queue shows nothing waiting), so wait for the queue to be empty and that event both.
    const drained = async () => {
      const counts = await queues.userEmbedding.getJobCounts('waiting', 'active', 'delayed');
      return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0 && (rebuildsByUser.get(userId) ?? 0) >= 1;
    };
    await waitFor(drained, 'the queue to drain after at least one completed rebuild');
    const runs = rebuildsByUser.get(userId) ?? 0;
    // Deduplication keeps at most one waiting and one running job per user; how many run depends on how
    // the 50 commits interleave with rebuilds (machine load), so the bound is loose but far below 50.
    expect(runs).toBeLessThanOrEqual(20);
    const snapshot = runtime.serving.require();
    const history = await db.prisma.rating.findMany({ where: { userId } });
    expect(history).toHaveLength(50);
    const expected = snapshot.model.userVector(history.map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() })));
    expect(Array.from(bytesToVector(stored.vector, stored.dimension))).toEqual(Array.from(expected));
  });

  it('a second retrain while one holds the lock is skipped, not run in parallel', async () => {
    const { tryAdvisoryLock, RETRAIN_LOCK_KEY } = await import('../../../src/db/advisory-lock.ts');
    const held = await tryAdvisoryLock(db.url, RETRAIN_LOCK_KEY);
    expect(held).toBeDefined();
    try {
      const id = await enqueueRetrain(queues.retrain, 'test');
      const job = await queues.retrain.getJob(id);
      expect(await job!.waitUntilFinished(events, 30_000)).toEqual({ status: 'skipped', reason: 'another retrain is already running' });
    } finally {
      await held!.release();
    }
  });

  it('reindex rebuilds the active index and the served model reloads it', async () => {
    const active = await activeModelVersion(db.prisma);
    const loadedAt = runtime.serving.current()!.loadedAt;
    const before = await db.prisma.modelArtifact.findUniqueOrThrow({ where: { versionId_name: { versionId: active!.id, name: 'index' } } });
    const reindexEvents = new QueueEvents(QUEUE.reindex, { connection: { url: REDIS_URL }, prefix });
    try {
      await reindexEvents.waitUntilReady();
      const job = await queues.reindex.add('reindex', { requestedBy: 'test' });
      expect(await job.waitUntilFinished(reindexEvents, 30_000)).toMatchObject({ status: 'rebuilt', versionId: active!.id, titles: catalogue.titleIds.length });
    } finally {
      await reindexEvents.close();
    }
    const after = await db.prisma.modelArtifact.findUniqueOrThrow({ where: { versionId_name: { versionId: active!.id, name: 'index' } } });
    expect(after.size).toBe(after.data.byteLength);
    expect(after.createdAt).toEqual(before.createdAt);
    await waitFor(() => runtime.serving.current()!.loadedAt > loadedAt, 'the reload after reindex');
    expect(runtime.serving.current()!.versionId).toBe(active!.id);
  });
});
