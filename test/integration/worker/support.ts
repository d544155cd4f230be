import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PrismaClient } from '../../../src/db/client.ts';
import { createLogger } from '../../../src/log.ts';
import { EmbeddingModel, deserializeModel } from '../../../src/model/embedding-model.ts';
import { seededRandom } from '../../../src/lib/random.ts';
import { trainModel } from '../../../src/model/train.ts';
import type { WorkerRuntimeOptions } from '../../../src/worker/runtime.ts';
import { createDatabase, dropDatabase, onServer, serverUrl } from '../../support/postgres.ts';
import { TEST_DATABASE_PREFIX, TEST_SETTINGS } from '../../support/settings.ts';

/** The Redis tests and benchmarks use: TEST_REDIS_URL, else the local one. */
export const REDIS_URL = TEST_SETTINGS.redisUrl;

/**
 * The options every test worker shares: this database and prefix, silent logs, the real trainer on the cpu
 * backend, a small index, no retrain schedule; `overrides` adds or replaces any of them.
 */
export function testWorkerOptions(db: { prisma: PrismaClient; url: string }, prefix: string, overrides: Partial<WorkerRuntimeOptions> = {}): WorkerRuntimeOptions {
  return {
    prisma: db.prisma,
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    prefix,
    logger: createLogger({ logLevel: 'silent' }),
    deserialize: deserializeModel,
    train: trainModel,
    backend: 'cpu',
    hnsw: { m: 8, efConstruction: 50, ef: 50 },
    retrainCron: null,
    failedJobRetentionDays: 1,
    ...overrides,
  };
}

/** A BullMQ prefix no other test file uses. */
export function uniquePrefix(area: string): string {
  return `tbtest-${area}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every Redis key under the prefix (queues, dedup keys, schedulers). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface GeneratedCatalogue {
  titleIds: number[];
  /** Titles of each genre cluster. */
  byGenre: Map<string, number[]>;
  userIds: number[];
}

/**
 * A small catalogue where taste is learnable: titles fall into genre clusters and every dataset user
 * rates titles of one cluster (plus a little noise), so a trained model clearly beats random weights.
 */
export async function seedCatalogue(prisma: PrismaClient, options: { titles?: number; users?: number; genres?: number; perUser?: number; seed?: number } = {}): Promise<GeneratedCatalogue> {
  const titles = options.titles ?? 60;
  const users = options.users ?? 40;
  const genres = Array.from({ length: options.genres ?? 4 }, (_, g) => `Genre${g}`);
  const perUser = options.perUser ?? 10;
  const random = seededRandom(options.seed ?? 7);
  await prisma.title.createMany({
    data: Array.from({ length: titles }, (_, i) => ({ name: `Film ${i}`, searchName: `film ${i}`, year: 1980 + (i % 40), genres: [genres[i % genres.length]!], ratingCount: 10, ratingMean: 3.5 })),
  });
  const titleRows = await prisma.title.findMany({ select: { id: true, genres: true }, orderBy: { id: 'asc' } });
  const byGenre = new Map<string, number[]>();
  for (const t of titleRows) byGenre.set(t.genres[0]!, [...(byGenre.get(t.genres[0]!) ?? []), t.id]);
  await prisma.user.createMany({ data: Array.from({ length: users }, (_, u) => ({ source: 'dataset' as const, externalId: String(u + 1) })) });
  const userRows = await prisma.user.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  const ratings: { userId: number; titleId: number; value: number; source: 'import' }[] = [];
  userRows.forEach((user, u) => {
    const own = byGenre.get(genres[u % genres.length]!)!;
    const chosen = new Set<number>();
    while (chosen.size < Math.min(perUser, own.length)) chosen.add(own[Math.floor(random() * own.length)]!);
    if (random() < 0.5) chosen.add(titleRows[Math.floor(random() * titleRows.length)]!.id);
    for (const titleId of chosen) ratings.push({ userId: user.id, titleId, value: 4 + Math.round(random() * 2) / 2, source: 'import' });
  });
  await prisma.rating.createMany({ data: ratings });
  return { titleIds: titleRows.map((t) => t.id), byGenre, userIds: userRows.map((u) => u.id) };
}

/** A Mult-DAE with random weights: a deliberately bad (but valid and servable) model. */
export function randomDaeModel(titleIds: readonly number[], hidden: number, seed: number): EmbeddingModel {
  const random = seededRandom(seed);
  const values = (length: number) => Float32Array.from({ length }, () => random() * 2 - 1);
  return new EmbeddingModel({
    backend: 'test-random',
    hidden,
    titleIds: [...titleIds],
    titleVectors: values(titleIds.length * (hidden + 1)),
    encoderRows: values(titleIds.length * hidden),
    encoderBias: new Float32Array(hidden),
    weighting: { weighting: 'binary' },
    training: { lossHistory: [] },
  });
}

/** Polls until `check` returns a truthy value or the timeout passes (then throws with `what`). */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * A migrated database of its own for benchmarks (outside Vitest): created on TEST_DATABASE_URL's server (or
 * the local one) and dropped by `drop()`.
 */
export async function createScratchDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { applyMigrations } = await import('../../../src/db/migrate.ts');
  const { MIGRATIONS_DIR } = await import('../../../src/lib/package-root.ts');
  // tbtest_<time>_...: the only names the test support creates, and a crashed run's leftovers age out.
  const name = `${TEST_DATABASE_PREFIX}${Date.now()}_bench_${label}_${randomBytes(4).toString('hex')}`;
  await onServer((client) => createDatabase(client, name));
  const url = serverUrl(name);
  await applyMigrations(url, MIGRATIONS_DIR);
  return { url, drop: () => onServer((client) => dropDatabase(client, name)) };
}

/** Median and tail percentiles of a sample (nearest rank). */
export function percentiles(values: readonly number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** The machine line every benchmark prints. */
export async function machine(): Promise<string> {
  const os = await import('node:os');
  return `${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
}

/** Everything a loop benchmark needs: a seeded scratch database with an active model, a worker child process, and the bot side. */
export interface BenchLoop {
  url: string;
  prisma: PrismaClient;
  prefix: string;
  model: EmbeddingModel;
  catalogue: GeneratedCatalogue;
  workerMetricsPort: number;
  queues: import('../../../src/queue/queues.ts').Queues;
  dispatcher: import('../../../src/queue/outbox.ts').OutboxDispatcher;
  serving: import('../../../src/serving/serving-model.ts').ServingModel;
  /** Scrapes one sample value from the worker's /metrics. */
  workerMetric(name: string, labels: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Sets up the loop the way production runs it: a catalogue and an active model version (random weights:
 * serving cost does not depend on quality) in a scratch database, `tastebud worker` as a child process
 * consuming user-embedding jobs, and in this process the bot side (rating store + outbox dispatcher +
 * hot-swapped serving model).
 */
export async function startBenchLoop(options: {
  titles: number;
  users: number;
  hidden: number;
  concurrency?: number;
  /** Fills the scratch database and promotes its model instead of the generated catalogue and random model. */
  prepare?: (url: string, prisma: PrismaClient) => Promise<{ catalogue: GeneratedCatalogue; model: EmbeddingModel }>;
}): Promise<BenchLoop> {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const { fileURLToPath } = await import('node:url');
  const { createPrisma } = await import('../../../src/db/client.ts');
  const { TitleIndex } = await import('../../../src/index/title-index.ts');
  const { saveModelVersion, promoteModelVersion } = await import('../../../src/model-store/store.ts');
  const { createQueues } = await import('../../../src/queue/queues.ts');
  const { OutboxDispatcher, queueSink } = await import('../../../src/queue/outbox.ts');
  const { createServingModel } = await import('../../../src/serving/serving-model.ts');
  const { deserializeModel } = await import('../../../src/model/embedding-model.ts');

  const scratch = await createScratchDatabase('loop');
  const prisma = createPrisma(scratch.url);
  const randomLoop = async () => {
    const catalogue = await seedCatalogue(prisma, { titles: options.titles, users: options.users, genres: 20 });
    const model = randomDaeModel(catalogue.titleIds, options.hidden, 11);
    const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 100 });
    await promoteModelVersion(prisma, await saveModelVersion(prisma, { model, index }));
    return { catalogue, model };
  };
  const { catalogue, model } = options.prepare ? await options.prepare(scratch.url, prisma) : await randomLoop();

  const prefix = uniquePrefix('bench');
  const workerMetricsPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const child = spawn(process.execPath, ['bin/tastebud.js', 'worker', '--queues', 'user-embedding', '--no-schedule', '--concurrency', String(options.concurrency ?? 4)], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: scratch.url, REDIS_URL, QUEUE_PREFIX: prefix, WORKER_METRICS_PORT: String(workerMetricsPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const workerMetric = async (name: string, labels: string) => {
    const text = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`) || (labels === '' && l.startsWith(`${name} `)));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  await waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${workerMetricsPort}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    'the worker to be ready',
    120_000,
    200,
  );
  const queues = createQueues(REDIS_URL, prefix);
  const dispatcher = new OutboxDispatcher({ prisma, sink: queueSink(queues), intervalMs: 1_000 });
  dispatcher.start();
  const serving = createServingModel({ prisma, redisUrl: REDIS_URL, prefix, deserialize: deserializeModel });
  await serving.start();
  return {
    url: scratch.url,
    prisma,
    prefix,
    model,
    catalogue,
    workerMetricsPort,
    queues,
    dispatcher,
    serving,
    workerMetric,
    async close() {
      await dispatcher.stop();
      await serving.stop();
      await queues.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await prisma.$disconnect();
      await dropPrefix(prefix);
      await scratch.drop();
    },
  };
}
