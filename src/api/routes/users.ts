import type { FastifyInstance } from 'fastify';
import { userProfile } from '../../members/members.ts';
import { hideTitle, rateTitle, removeRating } from '../../ratings/store.ts';
import { keySecurity } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, resolveUser, titleId, userParam } from '../schemas.ts';
import { errorSchema } from '../errors.ts';

const ratingParams = { type: 'object', required: ['user', 'title'], properties: { ...userParam.properties, title: titleId } } as const;
const ratingAnswer = {
  type: 'object',
  required: ['userId', 'titleId', 'value', 'previous'],
  properties: { userId: { type: 'integer' }, titleId: { type: 'integer' }, value: { type: ['number', 'null'] }, previous: { type: ['number', 'null'] } },
} as const;

const profileAnswer = {
  type: 'object',
  properties: {
    userId: { type: 'integer' },
    source: { type: 'string' },
    externalId: { type: 'string' },
    displayName: { type: ['string', 'null'] },
    profilePublic: { type: 'boolean' },
    ratingCount: { type: 'integer' },
    hiddenCount: { type: 'integer' },
    favouriteGenres: { type: 'array', items: { type: 'object', properties: { genre: { type: 'string' }, count: { type: 'integer' } } } },
    recent: {
      type: 'array',
      items: {
        type: 'object',
        properties: { titleId: { type: 'integer' }, name: { type: 'string' }, year: { type: ['integer', 'null'] }, value: { type: 'number' }, ratedAt: { type: 'string', format: 'date-time' } },
      },
    },
  },
} as const;

/** A writable user: a Discord member (ratings of imported dataset users are the dataset's, not editable). */
async function writableMember(ctx: RouteContext, ref: string): Promise<{ userId: number; discordId: string }> {
  const userId = await resolveUser(ctx.prisma, ref);
  const row = await ctx.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { source: true, externalId: true } });
  if (row.source !== 'discord') throw new ApiError(400, 'invalid', 'Only Discord members\u2019 ratings can be changed; this user comes from an imported dataset.', 'user');
  return { userId, discordId: row.externalId };
}

async function requireTitle(ctx: RouteContext, id: number): Promise<void> {
  const title = await ctx.prisma.title.findUnique({ where: { id }, select: { id: true } });
  if (!title) throw new ApiError(404, 'not_found', `No title with id ${id}.`, 'title');
}

/** GET /api/users/{user}, PUT and DELETE /api/users/{user}/ratings/{title}, POST /api/users/{user}/hidden. */
export function registerUserRoutes(app: FastifyInstance, ctx: RouteContext): void {
  registerProfileRoute(app, ctx);
  registerRatingRoutes(app, ctx);
  registerHiddenRoute(app, ctx);
}

function registerProfileRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Params: { user: string } }>('/api/users/:user', {
    config: { scope: 'read' },
    schema: {
      tags: ['users'],
      summary: "A user's profile: counts, favourite genres, recent ratings (only if public, unless the key is admin)",
      security: keySecurity,
      params: userParam,
      response: {
        200: profileAnswer,
        ...errorResponses,
      },
    },
    async handler(request) {
      const userId = await resolveUser(ctx.prisma, request.params.user);
      const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { source: true, externalId: true, displayName: true, profilePublic: true } });
      // /privacy: a private profile is the member's own business; only an admin key sees it.
      if (!user.profilePublic && request.principal?.scope !== 'admin') {
        throw new ApiError(403, 'private', 'This profile is private (the member chose /privacy private); an admin key can read it.', 'user');
      }
      const profile = await userProfile(ctx.prisma, userId);
      return { userId, ...user, ...profile, recent: profile.recent.map((r) => ({ ...r, ratedAt: r.ratedAt.toISOString() })) };
    },
  });
}

function registerRatingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.put<{ Params: { user: string; title: number }; Body: { value: number } }>('/api/users/:user/ratings/:title', {
    config: { scope: 'write' },
    schema: {
      tags: ['users'],
      summary: 'Rate a title 0.5-5 in halves (as /rate: the taste vector is rebuilt through the outbox)',
      security: keySecurity,
      params: ratingParams,
      body: { type: 'object', required: ['value'], properties: { value: { type: 'number' } }, additionalProperties: false },
      response: { 200: ratingAnswer, ...errorResponses, 413: errorSchema },
    },
    async handler(request) {
      const member = await writableMember(ctx, request.params.user);
      await requireTitle(ctx, request.params.title);
      const result = await rateTitle(ctx.prisma, { discordId: member.discordId }, request.params.title, request.body.value);
      ctx.ratingsChanged?.();
      return { userId: result.userId, titleId: result.titleId, value: result.value, previous: result.previous ?? null };
    },
  });

  app.delete<{ Params: { user: string; title: number } }>('/api/users/:user/ratings/:title', {
    config: { scope: 'write' },
    schema: { tags: ['users'], summary: 'Remove a rating', security: keySecurity, params: ratingParams, response: { 200: ratingAnswer, ...errorResponses } },
    async handler(request) {
      const member = await writableMember(ctx, request.params.user);
      await requireTitle(ctx, request.params.title);
      const previous = await removeRating(ctx.prisma, member.userId, request.params.title);
      if (previous === undefined) throw new ApiError(404, 'not_found', `User ${member.userId} has not rated title ${request.params.title}.`, 'title');
      ctx.ratingsChanged?.();
      return { userId: member.userId, titleId: request.params.title, value: null, previous };
    },
  });
}

function registerHiddenRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Params: { user: string }; Body: { titleId: number } }>('/api/users/:user/hidden', {
    config: { scope: 'write' },
    schema: {
      tags: ['users'],
      summary: 'Mark a title "not interested": never suggested to this user again',
      security: keySecurity,
      params: userParam,
      body: { type: 'object', required: ['titleId'], properties: { titleId }, additionalProperties: false },
      response: {
        200: {
          type: 'object',
          required: ['userId', 'titleId', 'hidden', 'changed'],
          properties: { userId: { type: 'integer' }, titleId: { type: 'integer' }, hidden: { type: 'boolean' }, changed: { type: 'boolean' } },
        },
        ...errorResponses,
        413: errorSchema,
      },
    },
    async handler(request) {
      const member = await writableMember(ctx, request.params.user);
      await requireTitle(ctx, request.body.titleId);
      const changed = await hideTitle(ctx.prisma, member.userId, request.body.titleId);
      return { userId: member.userId, titleId: request.body.titleId, hidden: true, changed };
    },
  });
}
