import type { FastifyInstance } from 'fastify';
import { parseIsoDate, reportRange } from '../../online/dates.ts';
import { keySecurity } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../schemas.ts';

const rate = (description: string) => ({ type: ['number', 'null'], description }) as const;

/** One row of the online report (src/online/report.ts). */
export const onlineRow = {
  type: 'object',
  required: ['modelVersion', 'shown', 'rated', 'accepted', 'acceptance', 'meanRating', 'hideRate', 'reactionRate', 'coverage', 'novelty', 'latencyP50Ms', 'latencyP95Ms'],
  properties: {
    modelVersion: { type: ['integer', 'null'], description: 'null: popular picks made without a model' },
    shown: { type: 'integer', description: 'Suggestions shown to members (search lookups and movie-night results left out)' },
    rated: { type: 'integer', description: 'Of those, rated by the member within 7 days' },
    accepted: { type: 'integer', description: 'Of those, rated 4 or more' },
    acceptance: rate('accepted / shown'),
    meanRating: rate('Mean rating of the rated ones'),
    hideRate: rate('Share the member hid within 7 days'),
    reactionRate: rate('Share on which the member holds a reaction'),
    coverage: rate('Distinct titles shown / titles in the catalogue'),
    novelty: rate('Mean self-information of the titles shown, -log2(share of users who rated the title), in bits'),
    latencyP50Ms: rate('Median time /recommend took to rank a batch'),
    latencyP95Ms: rate('95th percentile of the same'),
  },
} as const;

const day = { type: 'string', description: 'UTC day, YYYY-MM-DD' } as const;

/** GET /api/reports/online (admin): the online measures per model version and per day. */
export function registerReportRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { since?: string; until?: string } }>('/api/reports/online', {
    config: { scope: 'admin' },
    schema: {
      tags: ['reports'],
      summary: 'Online measures of what members were shown, per model version and per day',
      description: 'Over [since, until): until defaults to now, since to 30 days before until. ISO dates (2026-11-30, UTC midnight) or date-times.',
      security: keySecurity,
      querystring: {
        type: 'object',
        properties: { since: { type: 'string', maxLength: 40 }, until: { type: 'string', maxLength: 40 } },
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          required: ['since', 'until', 'generatedAt', 'byVersion', 'byDay'],
          properties: {
            since: { type: 'string', format: 'date-time' },
            until: { type: 'string', format: 'date-time' },
            generatedAt: { type: 'string', format: 'date-time' },
            byVersion: { type: 'array', items: onlineRow },
            byDay: { type: 'array', items: { ...onlineRow, required: [...onlineRow.required, 'day'], properties: { ...onlineRow.properties, day } } },
          },
        },
        ...errorResponses,
      },
    },
    async handler(request) {
      const since = request.query.since === undefined ? undefined : parseIsoDate(request.query.since, 'since');
      const until = request.query.until === undefined ? undefined : parseIsoDate(request.query.until, 'until');
      return ctx.onlineReport(reportRange(since, until));
    },
  });
}
