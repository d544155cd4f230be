import type { FastifyInstance } from 'fastify';
import { activeModelVersion } from '../../model-store/store.ts';
import { runChecks, standardChecks, type ReadinessCheck } from '../../observability/server.ts';
import type { RouteContext } from '../context.ts';

/** GET /healthz, /readyz and /metrics: public, like the bot's and the worker's, and outside the rate limit. */
export function registerHealthRoutes(app: FastifyInstance, ctx: RouteContext): void {
  // A version promoted but not loaded yet is "not ready"; no version at all is a state worth serving (popular titles).
  const model: ReadinessCheck = async () => {
    const snapshot = ctx.serving.current();
    if (snapshot) return { ok: true, detail: `serving model version ${snapshot.versionId}` };
    const active = await activeModelVersion(ctx.prisma);
    return active ? { ok: false, detail: `model version ${active.id} is active but not loaded yet` } : { ok: true, detail: 'no model version promoted yet; recommendations are popular titles' };
  };
  const checks = { ...standardChecks({ prisma: ctx.prisma, redis: ctx.redis }), model };

  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive' } }, async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));

  app.get('/readyz', { schema: { tags: ['health'], summary: 'PostgreSQL, Redis and the serving model are usable' } }, async (_request, reply) => {
    const results = await runChecks(checks, 2_000);
    const ok = Object.values(results).every((r) => r.ok);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', modelVersion: ctx.serving.current()?.versionId ?? null, checks: results });
  });

  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
    const text = await ctx.registry.metrics();
    return reply.header('content-type', ctx.registry.contentType).send(text);
  });
}
