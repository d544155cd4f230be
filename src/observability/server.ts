import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.ts';

/** One readiness check: ok, or why not. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export type ReadinessCheck = () => Promise<CheckResult>;

export interface ObservabilityServerOptions {
  /** 0 picks a free port (tests); the bound port is returned. */
  port: number;
  host?: string;
  registry: Registry;
  /** Named checks for /readyz; all must pass. */
  checks?: Record<string, ReadinessCheck>;
  logger?: Logger;
  /** A check slower than this counts as failed (default 2,000 ms). */
  checkTimeoutMs?: number;
}

export interface ObservabilityServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves /metrics (Prometheus text), /healthz (the process is alive and its event loop turns) and
 * /readyz (every check passed: 200 with each check's result, else 503), for the worker and the bot.
 */
export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const checks = options.checks ?? {};
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => send(200, options.registry.contentType, text))
        .catch((error: unknown) => {
          options.logger?.error({ err: error }, 'collecting metrics failed');
          send(500, 'text/plain', 'metrics collection failed\n');
        });
      return;
    }
    if (path === '/readyz') {
      runChecks(checks, timeoutMs)
        .then((results) => {
          const ok = Object.values(results).every((r) => r.ok);
          send(ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ready' : 'not ready', checks: results }));
        })
        .catch(() => send(503, 'application/json', JSON.stringify({ status: 'not ready' })));
      return;
    }
    send(404, 'text/plain', 'not found; try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger?.info({ port }, 'metrics and health endpoints listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs every check at once, each bounded by the timeout; a throw or timeout is a failed check. */
export async function runChecks(checks: Record<string, ReadinessCheck>, timeoutMs: number): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<CheckResult>((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
        });
        return [name, await Promise.race([check(), timeout])];
      } catch (error) {
        return [name, { ok: false, detail: error instanceof Error ? error.message.split('\n')[0] : String(error) }];
      } finally {
        if (timer) clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** The standard checks: PostgreSQL answers, Redis answers, a model version is loaded. */
export function standardChecks(deps: {
  prisma?: { $queryRaw: (query: TemplateStringsArray) => Promise<unknown> };
  redis?: { ping(): Promise<string> };
  modelLoaded?: () => boolean;
}): Record<string, ReadinessCheck> {
  const checks: Record<string, ReadinessCheck> = {};
  if (deps.prisma) {
    const prisma = deps.prisma;
    checks.database = async () => {
      await prisma.$queryRaw`SELECT 1`;
      return { ok: true };
    };
  }
  if (deps.redis) {
    const redis = deps.redis;
    checks.redis = async () => ({ ok: (await redis.ping()) === 'PONG' });
  }
  if (deps.modelLoaded) {
    const loaded = deps.modelLoaded;
    checks.model = async () => (loaded() ? { ok: true } : { ok: false, detail: 'no model version loaded (none promoted yet?)' });
  }
  return checks;
}

/**
 * What a bot's entry point calls with its METRICS_PORT: the loop metrics (active model version kept
 * current through the serving holder), /healthz, and /readyz checking PostgreSQL, Redis and the model.
 * Pass `metrics` to add the bot's own metrics to the same registry.
 */
export async function startServiceObservability(deps: {
  port: number;
  host?: string;
  prisma: { $queryRaw: (query: TemplateStringsArray) => Promise<unknown> };
  redis: { ping(): Promise<string> };
  serving: { current(): { versionId: number } | undefined; onSwap(listener: (snapshot: { versionId: number }) => void): void };
  logger?: Logger;
  metrics?: import('./metrics.ts').LoopMetrics;
}): Promise<{ server: ObservabilityServer; metrics: import('./metrics.ts').LoopMetrics }> {
  const { createLoopMetrics } = await import('./metrics.ts');
  const metrics = deps.metrics ?? createLoopMetrics();
  const current = deps.serving.current();
  if (current) metrics.activeModelVersion.set(current.versionId);
  deps.serving.onSwap((snapshot) => metrics.activeModelVersion.set(snapshot.versionId));
  const server = await startObservabilityServer({
    port: deps.port,
    ...(deps.host ? { host: deps.host } : {}),
    registry: metrics.registry,
    checks: standardChecks({ prisma: deps.prisma, redis: deps.redis, modelLoaded: () => deps.serving.current() !== undefined }),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  return { server, metrics };
}
