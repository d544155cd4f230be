import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { apiAnswers } from './answers.ts';
import { installAuth } from './auth.ts';
import type { ApiDependencies, RouteContext } from './context.ts';
import { defaultOnlineReport } from './dashboard/online-source.ts';
import { registerDashboard } from './dashboard/plugin.ts';
import { installErrorHandling } from './errors.ts';
import { leasedRedisStore } from './rate-limit-store.ts';
import { registerDocsRoutes } from './routes/docs.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerRecommendationRoutes } from './routes/recommendations.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerTitleRoutes } from './routes/titles.ts';
import { registerUserRoutes } from './routes/users.ts';

/**
 * Builds the API app (not listening): error shapes, CORS, key checks, per-key rate limits, the OpenAPI
 * document and one module per route group. Later groups (the dashboard) register beside the others.
 */
export async function buildApiServer(deps: ApiDependencies): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: deps.settings.bodyLimitBytes,
    trustProxy: deps.settings.trustProxy ?? false,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    // Fastify's own two info lines per request cost a serialised log write each at 200 requests/s; one debug line instead.
    disableRequestLogging: true,
  });
  if (deps.logger?.isLevelEnabled('debug')) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.debug({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request answered');
      done();
    });
  }
  installErrorHandling(app);
  await app.register(cors, { origin: deps.settings.corsOrigins.length > 0 ? [...deps.settings.corsOrigins] : false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'tastebud HTTP API', version: '1.0.0', description: 'Recommendations, titles, ratings and models of a tastebud server.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
  });
  installAuth(app, deps.keys);
  const rateNameSpace = `${deps.settings.prefix}:api-rate:`;
  await app.register(rateLimit, {
    global: true,
    // After the key check, so the budget is the key's; public routes (health, metrics, docs) are not counted.
    hook: 'preHandler',
    max: deps.settings.rateLimit.max,
    timeWindow: deps.settings.rateLimit.windowSeconds * 1000,
    // Shared by every API process through Redis; leased a share of the limit at a time, no Redis round trip per request.
    ...(deps.settings.rateLimit.leases === false ? { redis: deps.redis, nameSpace: rateNameSpace } : { store: leasedRedisStore(deps.redis, rateNameSpace) }),
    keyGenerator: (request) => request.principal?.id ?? request.ip,
    allowList: (request) => request.principal === undefined,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'rate_limited',
      message: `Rate limit of ${context.max} requests per ${context.after} reached for this key; retry after ${Math.ceil(context.ttl / 1000)} s.`,
    }),
  });
  const ctx: RouteContext = {
    ...deps,
    answers: apiAnswers(deps.prisma, deps.serving, { registry: deps.registry, ...(deps.pool ? { pool: deps.pool } : {}) }),
    onlineReport: deps.onlineReport ?? defaultOnlineReport(deps.prisma),
  };
  registerHealthRoutes(app, ctx);
  registerRecommendationRoutes(app, ctx);
  registerTitleRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerModelRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerDocsRoutes(app);
  if (deps.dashboard) await registerDashboard(app, ctx, deps.dashboard);
  return app;
}
