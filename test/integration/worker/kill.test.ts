import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trainer } from '../../../jobs/retrain.ts';
import type { RetrainProgress } from '../../../src/queue/job-progress.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { trainModel } from '../../../src/model/train.ts';
import { activeModelVersion, promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { QUEUE } from '../../../src/queue/names.ts';
import type { RetrainJobData } from '../../../src/queue/names.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../../src/worker/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, randomDaeModel, REDIS_URL, seedCatalogue, testWorkerOptions, uniquePrefix, waitFor } from './support.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const prefix = uniquePrefix('kill');
let db: TestDatabase;
let queue: Queue<RetrainJobData>;
let child: ChildProcess | undefined;
let runtime: WorkerRuntime | undefined;
let childLog = '';

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCatalogue(db.prisma, { titles: 80, users: 60 });
  queue = new Queue<RetrainJobData>(QUEUE.retrain, { connection: { url: REDIS_URL }, prefix });
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await runtime?.close();
  await queue?.close();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('a worker killed mid-retrain', () => {
  it('leaves the active version serving, and the stalled job is retried by another worker', async () => {
    const titleIds = (await db.prisma.title.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((t) => t.id);
    const model = randomDaeModel(titleIds, 6, 3);
    const activeId = await saveModelVersion(db.prisma, { model, index: TitleIndex.build(model.titleIds, model.titleVectors, model.dimension) });
    await promoteModelVersion(db.prisma, activeId);

    // Far more epochs than it will live to finish (a gradient-trained architecture: the default closed-form one
    // stops as soon as it converges).
    const job = await queue.add('retrain', { requestedBy: 'test', train: { architecture: 'linear', dimension: 16, epochs: 100_000, batchSize: 8, validationFraction: 0 } });
    child = spawn(process.execPath, ['bin/tastebud.js', 'worker', '--queues', 'retrain', '--no-schedule', '--lock-duration-ms', '2000', '--stalled-interval-ms', '1000'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, TF_BACKEND: 'cpu', WORKER_METRICS_PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (childLog += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (childLog += chunk.toString()));
    await waitFor(
      async () => {
        if (child!.exitCode !== null) throw new Error(`worker exited early (${child!.exitCode}): ${childLog}`);
        const progress = (await queue.getJob(job.id!))?.progress as RetrainProgress | undefined;
        return typeof progress === 'object' && progress.phase === 'train' && (progress.epoch ?? 0) >= 2;
      },
      'the child worker to be training',
      60_000,
      100,
    );
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    expect((await activeModelVersion(db.prisma))?.id).toBe(activeId);
    expect(await db.prisma.modelVersion.count()).toBe(1);
    expect(await (await queue.getJob(job.id!))!.getState()).toBe('active');

    // Another worker notices the dead worker's expired lock, puts the job back, and runs it (cut short here).
    const quick: Trainer = (dataset, options, hooks) => trainModel(dataset, { ...options, epochs: 2 }, hooks);
    runtime = await startWorkerRuntime(testWorkerOptions(db, prefix, { train: quick, hnsw: {}, queues: ['retrain'], stalledIntervalMs: 500 }));
    const finished = await waitFor(
      async () => {
        const found = await queue.getJob(job.id!);
        const state = await found?.getState();
        return state === 'completed' || state === 'failed' ? found : undefined;
      },
      'the stalled job to be retried',
      60_000,
      200,
    );
    expect(await finished.getState()).toBe('completed');
    expect(finished.stalledCounter).toBe(1);
    // Whatever the retried run decided, exactly one version is active and it is a complete one.
    const active = await db.prisma.modelVersion.findMany({ where: { status: 'active' } });
    expect(active).toHaveLength(1);
    expect(await db.prisma.modelVersion.count({ where: { status: 'training' } })).toBe(0);
  });
});

describe('a worker asked to stop with SIGTERM', () => {
  it('closes its workers and connections and exits 0', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const found = (probe.address() as { port: number }).port;
        probe.close(() => resolve(found));
      });
    });
    let log = '';
    const worker = spawn(process.execPath, ['bin/tastebud.js', 'worker', '--no-schedule'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'info', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    await waitFor(
      async () => {
        if (worker.exitCode !== null) throw new Error(`worker exited early: ${log}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
        } catch {
          return false;
        }
      },
      'the worker health endpoint',
      60_000,
      200,
    );
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).toContain('worker stopped');
  });
});
