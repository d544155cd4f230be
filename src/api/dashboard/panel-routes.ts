import type { FastifyInstance } from 'fastify';
import { createAdminActions } from '../../admin/admin-service.ts';
import { enqueueRetrain } from '../../queue/queues.ts';
import type { DashboardSettings, RouteContext } from '../context.ts';
import { readCatalogueCounts, readModelHistory, readRatingsPerDay, readRetrainJob } from './data.ts';

const DAYS = { type: 'object', properties: { days: { type: 'integer', minimum: 1, maximum: 365, default: 30 } }, additionalProperties: false } as const;
const DAY_MS = 86_400_000;

/** The JSON the dashboard's panels read; every route needs an admin session (plugin.ts). */
export function registerDashboardPanelRoutes(app: FastifyInstance, ctx: RouteContext, settings: DashboardSettings): void {
  const api = { dashboard: 'api' as const };
  const admin = createAdminActions(ctx.prisma, ctx.queues, ctx.logger ? { logger: ctx.logger } : {});

  app.get('/dashboard/api/session', { config: api, schema: { hide: true } }, async (request, reply) => ({
    name: request.principal!.name,
    csrfToken: await reply.generateCsrf(),
  }));

  app.get('/dashboard/api/models', { config: api, schema: { hide: true } }, async () => ({
    servingVersion: ctx.serving.current()?.versionId ?? null,
    versions: await readModelHistory(ctx.prisma),
  }));

  app.get<{ Querystring: { days: number } }>('/dashboard/api/activity', { config: api, schema: { hide: true, querystring: DAYS } }, async (request) => {
    const [catalogue, ratingsPerDay] = await Promise.all([readCatalogueCounts(ctx.prisma), readRatingsPerDay(ctx.prisma, request.query.days)]);
    return { days: request.query.days, catalogue, ratingsPerDay };
  });

  app.get('/dashboard/api/queues', { config: api, schema: { hide: true } }, async () => {
    const status = await admin.status();
    return { queues: status.queues, recentJobs: status.recentJobs, outboxPending: status.outboxPending };
  });

  app.get<{ Querystring: { days: number } }>('/dashboard/api/online', { config: api, schema: { hide: true, querystring: DAYS } }, async (request) => {
    if (!settings.onlineReport) return { available: false, report: null };
    const until = new Date();
    const since = new Date(until.getTime() - request.query.days * DAY_MS);
    return { available: true, report: await settings.onlineReport({ since, until }) };
  });

  app.post('/dashboard/api/retrain', { config: api, preValidation: app.csrfProtection, schema: { hide: true } }, async (request, reply) => {
    const jobId = await enqueueRetrain(ctx.queues.retrain, `dashboard:${request.principal!.name}`);
    request.log.info({ key: request.principal!.id, jobId }, 'retrain queued from the dashboard');
    return reply.status(202).send({ jobId, queue: 'retrain' });
  });

  app.get<{ Params: { jobId: string } }>(
    '/dashboard/api/retrain/:jobId',
    { config: api, schema: { hide: true, params: { type: 'object', required: ['jobId'], properties: { jobId: { type: 'string', pattern: '^[\\w:.-]{1,100}$' } } } } },
    async (request) => readRetrainJob(ctx.queues, request.params.jobId),
  );
}
