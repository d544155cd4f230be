/**
 * The daily trending refresh against the provider emulators: registered as a job scheduler when a provider is on,
 * run by the real worker, idempotent, and a provider down costs its own titles and one warning only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTrending } from '../../../jobs/refresh-trending.ts';
import { loadConfig } from '../../../src/config.ts';
import { startProviderEmulators, type ProviderEmulators } from '../../../src/emulator/providers/index.ts';
import { PostgresResponseCache } from '../../../src/providers/cache.ts';
import { createProviders, type Providers } from '../../../src/providers/index.ts';
import { QUEUE } from '../../../src/queue/names.ts';
import { TRENDING_SCHEDULER_ID } from '../../../src/worker/queues.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../../src/worker/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { captureLogs } from '../security/bot-world.ts';
import { dropPrefix, testWorkerOptions, uniquePrefix, waitFor } from './support.ts';

const prefix = uniquePrefix('trending');
let db: TestDatabase;
let emulators: ProviderEmulators;
let providers: Providers;
let runtime: WorkerRuntime | undefined;

const titlesBySource = async () => {
  const rows = await db.prisma.titleExternalId.groupBy({ by: ['source'], _count: { _all: true }, orderBy: { source: 'asc' } });
  return Object.fromEntries(rows.map((r) => [r.source, r._count._all]));
};

beforeAll(async () => {
  [db, emulators] = await Promise.all([createTestDatabase(), startProviderEmulators()]);
  // No cache: every run asks the emulators again, as a run a day later would.
  const config = loadConfig({ ...emulators.settings, PROVIDER_CACHE_TTL_SECONDS: '0' }, undefined);
  providers = createProviders(config.providers, { cache: new PostgresResponseCache(db.prisma), sleep: async () => {} });
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await dropPrefix(prefix);
  await emulators?.close();
  await db?.drop();
});

describe('trending refresh (scheduled BullMQ job)', () => {
  it('is scheduled from TRENDING_REFRESH_CRON and, run by the worker, imports TMDB\u2019s trending titles and the others\u2019 popular or trending ones; a second run duplicates nothing', async () => {
    runtime = await startWorkerRuntime(testWorkerOptions(db, prefix, { queues: [QUEUE.trendingRefresh], providers, trendingRefreshCron: '30 5 * * *' }));
    const queue = runtime.queues.get(QUEUE.trendingRefresh)!;
    expect(await queue.getJobSchedulers()).toEqual([expect.objectContaining({ key: TRENDING_SCHEDULER_ID, pattern: '30 5 * * *' })]);

    const run = async () => {
      const job = await queue.add('trending-refresh', { requestedBy: 'test' });
      return waitFor(async () => ((await queue.getJob(job.id!))?.returnvalue as Awaited<ReturnType<typeof refreshTrending>> | undefined) ?? undefined, 'the refresh to finish', 60_000, 100);
    };
    const first = await run();
    expect(first.failedProviders).toEqual([]);
    expect(first.imported.map((r) => `${r.provider} ${r.kind} ${r.list}`).sort()).toEqual(['openlibrary book trending', 'rawg game popular', 'tmdb movie trending', 'tmdb show trending']);
    expect(first.imported.every((r) => r.added > 0 && r.failed === 0)).toBe(true);
    const after = await titlesBySource();
    expect(Object.keys(after).sort()).toEqual(['openlibrary', 'rawg', 'tmdb_movie', 'tmdb_tv']);
    const titles = await db.prisma.title.count();

    const second = await run();
    expect(second.imported.every((r) => r.added === 0 && r.updated > 0)).toBe(true);
    expect(await titlesBySource()).toEqual(after);
    expect(await db.prisma.title.count()).toBe(titles);
  });

  it('a provider down logs one warning and the rest are refreshed', async () => {
    const logs = captureLogs();
    emulators.tmdb.fail({ status: 500, times: 1000 });
    try {
      const result = await refreshTrending({ prisma: db.prisma, providers, logger: logs.logger });
      expect(result.failedProviders).toEqual(['tmdb']);
      expect(result.imported.map((r) => r.provider).sort()).toEqual(['openlibrary', 'rawg']);
    } finally {
      emulators.tmdb.clearFaults();
    }
    const warnings = logs.lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ provider: 'tmdb', failure: 'unavailable' });
  });

  it('with no provider on, the schedule is removed and nothing runs', async () => {
    await runtime?.close();
    const off = createProviders(loadConfig({ OPENLIBRARY_ENABLED: 'false' }, undefined).providers);
    runtime = await startWorkerRuntime(testWorkerOptions(db, prefix, { queues: [QUEUE.trendingRefresh], providers: off, trendingRefreshCron: '30 5 * * *' }));
    expect(await runtime.queues.get(QUEUE.trendingRefresh)!.getJobSchedulers()).toEqual([]);
  });
});
