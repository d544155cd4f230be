import type { FastifyInstance } from 'fastify';
import { enqueueRetrain } from '../../queue/queues.ts';
import { keySecurity } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../schemas.ts';

/** GET /api/models and POST /api/models/retrain (admin). */
export function registerModelRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/models', {
    config: { scope: 'read' },
    schema: {
      tags: ['models'],
      summary: 'Model versions, newest first, and the one this process serves',
      security: keySecurity,
      response: {
        200: {
          type: 'object',
          required: ['servingVersion', 'versions'],
          properties: {
            servingVersion: { type: ['integer', 'null'] },
            versions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  status: { type: 'string' },
                  architecture: { type: 'string' },
                  dimension: { type: 'integer' },
                  metrics: { type: 'object', additionalProperties: true },
                  trainingRatings: { type: 'integer' },
                  durationMs: { type: ['integer', 'null'] },
                  statusReason: { type: ['string', 'null'] },
                  createdAt: { type: 'string', format: 'date-time' },
                  promotedAt: { type: ['string', 'null'], format: 'date-time' },
                },
              },
            },
          },
        },
        ...errorResponses,
      },
    },
    async handler() {
      const versions = await ctx.prisma.modelVersion.findMany({
        orderBy: { id: 'desc' },
        take: 100,
        select: { id: true, status: true, architecture: true, dimension: true, metrics: true, trainingRatings: true, durationMs: true, statusReason: true, createdAt: true, promotedAt: true },
      });
      return { servingVersion: ctx.serving.current()?.versionId ?? null, versions };
    },
  });

  app.post('/api/models/retrain', {
    config: { scope: 'admin' },
    schema: {
      tags: ['models'],
      summary: 'Queue a retrain (the same job /admin retrain queues; at most one waits at a time)',
      security: keySecurity,
      response: { 202: { type: 'object', required: ['jobId', 'queue'], properties: { jobId: { type: 'string' }, queue: { type: 'string' } } }, ...errorResponses },
    },
    async handler(request, reply) {
      const jobId = await enqueueRetrain(ctx.queues.retrain, `api:${request.principal!.name}`);
      request.log.info({ key: request.principal!.id, jobId }, 'retrain queued through the API');
      return reply.status(202).send({ jobId, queue: 'retrain' });
    },
  });
}
