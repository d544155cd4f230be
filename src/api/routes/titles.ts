import type { FastifyInstance } from 'fastify';
import { MAX_QUERY_LENGTH, searchTitles, type TitleKind } from '../../catalog/search.ts';
import { MAX_PAGE } from '../answers.ts';
import { keySecurity } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, kind, modelVersion, titleId, titleSummary } from '../schemas.ts';

const titleParams = { type: 'object', required: ['id'], properties: { id: titleId } } as const;
const n = { type: 'integer', default: 10, description: `1 to ${MAX_PAGE}` } as const;

const titleDetail = {
  type: 'object',
  required: [...titleSummary.required, 'ratingCount', 'ratingMean', 'movielensId', 'inModel', 'modelVersion'],
  properties: {
    ...titleSummary.properties,
    tags: { type: 'array', items: { type: 'string' } },
    overview: { type: ['string', 'null'] },
    ratingCount: { type: 'integer' },
    ratingMean: { type: ['number', 'null'] },
    movielensId: { type: ['integer', 'null'] },
    imdbId: { type: ['string', 'null'] },
    tmdbId: { type: ['integer', 'null'] },
    inModel: { type: 'boolean', description: 'Whether the serving model version has a vector for it' },
    modelVersion,
  },
} as const;

/** GET /api/titles/search, /api/titles/{id} and /api/titles/{id}/similar. */
export function registerTitleRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { q: string; kind?: TitleKind; n: number } }>('/api/titles/search', {
    config: { scope: 'read' },
    schema: {
      tags: ['titles'],
      summary: 'Find titles by name (typos, accents, years and other names allowed)',
      security: keySecurity,
      querystring: { type: 'object', required: ['q'], properties: { q: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH }, kind, n }, additionalProperties: false },
      response: {
        200: {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: { type: 'object', properties: { ...titleSummary.properties, ratingCount: { type: 'integer' }, ratingMean: { type: ['number', 'null'] }, score: { type: 'number' } } },
            },
          },
        },
        ...errorResponses,
      },
    },
    async handler(request) {
      if (request.query.n < 1 || request.query.n > MAX_PAGE) throw new ApiError(400, 'invalid', `n must be a whole number from 1 to ${MAX_PAGE}; got ${request.query.n}.`, 'n');
      const found = await searchTitles(ctx.prisma, request.query.q, { limit: request.query.n, ...(request.query.kind ? { kind: request.query.kind } : {}) });
      return { items: found.map(({ id, ...rest }) => ({ titleId: id, ...rest })) };
    },
  });

  app.get<{ Params: { id: number } }>('/api/titles/:id', {
    config: { scope: 'read' },
    schema: { tags: ['titles'], summary: 'One title', security: keySecurity, params: titleParams, response: { 200: titleDetail, ...errorResponses } },
    async handler(request) {
      const title = await ctx.prisma.title.findUnique({
        where: { id: request.params.id },
        select: { id: true, name: true, year: true, genres: true, kind: true, tags: true, overview: true, ratingCount: true, ratingMean: true, movielensId: true, imdbId: true, tmdbId: true },
      });
      if (!title) throw new ApiError(404, 'not_found', `No title with id ${request.params.id}.`, 'id');
      const snapshot = ctx.serving.current();
      const { id, ...rest } = title;
      return { titleId: id, ...rest, inModel: snapshot?.index.has(id) ?? false, modelVersion: snapshot?.versionId ?? null };
    },
  });

  app.get<{ Params: { id: number }; Querystring: { n: number } }>('/api/titles/:id/similar', {
    config: { scope: 'read' },
    schema: {
      tags: ['titles'],
      summary: "Titles like this one: by the model, or by the titles' text before a model knows it",
      security: keySecurity,
      params: titleParams,
      querystring: { type: 'object', properties: { n }, additionalProperties: false },
      response: {
        200: {
          type: 'object',
          required: ['titleId', 'modelVersion', 'basis', 'items'],
          properties: {
            titleId: { type: 'integer' },
            modelVersion,
            basis: { type: 'string', enum: ['model', 'text', 'none'] },
            items: { type: 'array', items: { type: 'object', properties: { ...titleSummary.properties, similarity: { type: 'number' } } } },
          },
        },
        ...errorResponses,
      },
    },
    async handler(request) {
      const { catalog } = await ctx.answers.catalog();
      if (!catalog.get(request.params.id)) throw new ApiError(404, 'not_found', `No title with id ${request.params.id}.`, 'id');
      const answer = await ctx.answers.similar(request.params.id, request.query.n);
      const items = answer.items.flatMap((s) => {
        const t = catalog.get(s.titleId);
        return t ? [{ titleId: t.id, name: t.name, year: t.year, genres: t.genres, kind: t.kind, similarity: s.similarity }] : [];
      });
      return { titleId: request.params.id, modelVersion: answer.modelVersion, basis: answer.basis, items };
    },
  });
}
