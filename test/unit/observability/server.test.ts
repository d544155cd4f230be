import { afterEach, describe, expect, it } from 'vitest';
import { createLoopMetrics } from '../../../src/observability/metrics.ts';
import { runChecks, standardChecks, startObservabilityServer, type ObservabilityServer } from '../../../src/observability/server.ts';

let server: ObservabilityServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${server!.port}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe('observability server', () => {
  it('serves /healthz, and /metrics with job, queue depth and model version metrics', async () => {
    const metrics = createLoopMetrics({ defaultMetrics: false });
    metrics.watchQueues([{ name: 'retrain', getJobCounts: async () => ({ waiting: 3, active: 1, delayed: 0, prioritized: 0, failed: 2 }) }]);
    const end = metrics.startJob('retrain');
    end('completed');
    metrics.startJob('user-embedding')('failed');
    metrics.activeModelVersion.set(7);
    server = await startObservabilityServer({ port: 0, host: '127.0.0.1', registry: metrics.registry });

    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });

    const scraped = await get('/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.type).toMatch(/^text\/plain/);
    expect(scraped.body).toContain('tastebud_queue_jobs{queue="retrain",state="waiting"} 3');
    expect(scraped.body).toContain('tastebud_queue_jobs{queue="retrain",state="failed"} 2');
    expect(scraped.body).toContain('tastebud_jobs_completed_total{queue="retrain"} 1');
    expect(scraped.body).toContain('tastebud_jobs_failed_total{queue="user-embedding"} 1');
    expect(scraped.body).toMatch(/tastebud_job_duration_seconds_count\{queue="retrain",outcome="completed"\} 1/);
    expect(scraped.body).toContain('tastebud_active_model_version 7');
    expect((await get('/nope')).status).toBe(404);
  });

  it('a queue whose Redis is down does not break the scrape', async () => {
    const metrics = createLoopMetrics({ defaultMetrics: false });
    metrics.watchQueues([{ name: 'retrain', getJobCounts: async () => Promise.reject(new Error('Connection is closed.')) }]);
    server = await startObservabilityServer({ port: 0, host: '127.0.0.1', registry: metrics.registry });
    const scraped = await get('/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.body).not.toContain('tastebud_queue_jobs{');
  });

  it('/readyz is 200 when every check passes and 503 naming the failing one otherwise', async () => {
    let redisUp = true;
    let loaded = false;
    const checks = standardChecks({
      prisma: { $queryRaw: async () => [{ '?column?': 1 }] },
      redis: { ping: async () => (redisUp ? 'PONG' : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))) },
      modelLoaded: () => loaded,
    });
    server = await startObservabilityServer({ port: 0, host: '127.0.0.1', registry: createLoopMetrics({ defaultMetrics: false }).registry, checks });
    let ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).checks.model).toMatchObject({ ok: false, detail: expect.stringMatching(/no model version loaded/) });
    loaded = true;
    ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', checks: { database: { ok: true }, redis: { ok: true }, model: { ok: true } } });
    redisUp = false;
    ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).checks.redis).toEqual({ ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:6379' });
  });

  it('a check that never answers fails after the timeout', async () => {
    const results = await runChecks({ slow: () => new Promise(() => {}), fast: async () => ({ ok: true }) }, 50);
    expect(results).toEqual({ slow: { ok: false, detail: 'no answer within 50 ms' }, fast: { ok: true } });
  });
});

describe('service observability for the bot', () => {
  it('tracks the served model version and reports readiness from the model, database and Redis', async () => {
    let swap: ((s: { versionId: number }) => void) | undefined;
    let current: { versionId: number } | undefined;
    const { startServiceObservability } = await import('../../../src/observability/server.ts');
    const started = await startServiceObservability({
      port: 0,
      host: '127.0.0.1',
      prisma: { $queryRaw: async () => [] },
      redis: { ping: async () => 'PONG' },
      serving: { current: () => current, onSwap: (listener) => (swap = listener) },
      metrics: createLoopMetrics({ defaultMetrics: false }),
    });
    server = started.server;
    expect((await get('/readyz')).status).toBe(503);
    current = { versionId: 12 };
    swap!(current);
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/metrics')).body).toContain('tastebud_active_model_version 12');
  });
});
