import type { FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import { NotFoundError } from '../../recommend/types.ts';
import { MAX_PAGE, RANKED_LIST_LENGTH } from '../answers.ts';
import { keySecurity } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, kind, MAX_DB_ID, modelVersion, recommendationItem, resolveUser, userParam } from '../schemas.ts';

interface RecommendationQuery {
  n: number;
  offset: number;
  kind?: string;
  genre?: string;
  exclude?: string;
}

/** "12,40, 7" → [12, 40, 7]; anything else names the field "exclude". */
function parseExclude(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return [];
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length > 500 || parts.some((p) => !/^\d{1,10}$/.test(p) || Number(p) > MAX_DB_ID || Number(p) < 1)) {
    throw new ApiError(400, 'invalid', 'exclude must be a comma-separated list of at most 500 title ids, e.g. 12,40,7.', 'exclude');
  }
  return parts.map(Number);
}

const genre = { type: 'string', minLength: 1, maxLength: 100 } as const;

/**
 * User references resolved to row ids, kept: a row's id never changes, and the answer checks the user still exists
 * (its history stamp), so a kept id of a user who is gone gets a NotFoundError, and the reference is resolved again.
 */
function userIds(ctx: RouteContext) {
  const kept = new LRUCache<string, number>({ max: 10_000 });
  return async <T>(ref: string, work: (userId: number) => Promise<T>): Promise<{ userId: number; result: T }> => {
    const known = kept.get(ref);
    if (known !== undefined) {
      try {
        return { userId: known, result: await work(known) };
      } catch (error) {
        if (!(error instanceof NotFoundError && error.entity === 'user')) throw error;
        kept.delete(ref);
      }
    }
    const userId = await resolveUser(ctx.prisma, ref);
    kept.set(ref, userId);
    return { userId, result: await work(userId) };
  };
}

/** GET /api/users/{user}/recommendations and GET /api/popular. */
export function registerRecommendationRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const withUser = userIds(ctx);
  app.get<{ Params: { user: string }; Querystring: RecommendationQuery }>('/api/users/:user/recommendations', {
    config: { scope: 'read' },
    schema: {
      tags: ['recommendations'],
      summary: 'Personal recommendations, a page at a time',
      description: `Pages are cut from one ranked list of up to ${RANKED_LIST_LENGTH} titles per (user, model version, filters), so consecutive pages never repeat a title while the user's ratings stay the same.`,
      security: keySecurity,
      params: userParam,
      querystring: {
        type: 'object',
        properties: {
          n: { type: 'integer', default: 10, description: `1 to ${MAX_PAGE}` },
          offset: { type: 'integer', minimum: 0, maximum: RANKED_LIST_LENGTH, default: 0 },
          kind,
          genre,
          exclude: { type: 'string', maxLength: 6000, description: 'Comma-separated title ids to leave out' },
        },
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          required: ['userId', 'modelVersion', 'personal', 'offset', 'total', 'nextOffset', 'items'],
          properties: {
            userId: { type: 'integer' },
            modelVersion,
            personal: { type: 'boolean', description: 'false: popular titles (no usable ratings, or no model yet)' },
            offset: { type: 'integer' },
            total: { type: 'integer', description: 'Length of the ranked list the pages come from' },
            nextOffset: { type: ['integer', 'null'] },
            items: { type: 'array', items: recommendationItem },
          },
        },
        ...errorResponses,
      },
    },
    async handler(request) {
      const { n, offset } = request.query;
      const exclude = parseExclude(request.query.exclude);
      const { userId, result: page } = await withUser(request.params.user, (id) => ctx.answers.recommendations(id, { kind: request.query.kind, genre: request.query.genre, exclude }, { n, offset }));
      const next = offset + page.items.length;
      return { userId, modelVersion: page.modelVersion, personal: page.personal, offset, total: page.total, nextOffset: next < page.total ? next : null, items: page.items };
    },
  });

  app.get<{ Querystring: { n: number; kind?: string; genre?: string } }>('/api/popular', {
    config: { scope: 'read' },
    schema: {
      tags: ['recommendations'],
      summary: 'Popular titles, spread over genres',
      security: keySecurity,
      querystring: { type: 'object', properties: { n: { type: 'integer', default: 10, description: `1 to ${MAX_PAGE}` }, kind, genre }, additionalProperties: false },
      response: {
        200: { type: 'object', required: ['modelVersion', 'items'], properties: { modelVersion, items: { type: 'array', items: recommendationItem } } },
        ...errorResponses,
      },
    },
    handler: (request) => ctx.answers.popular(request.query),
  });
}
