import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import session from '@fastify/session';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { DashboardSettings, RouteContext } from '../context.ts';
import { registerDashboardAuthRoutes } from './auth-routes.ts';
import { registerDashboardPanelRoutes } from './panel-routes.ts';
import { RedisSessionStore, SESSION_COOKIE } from './session-store.ts';

declare module 'fastify' {
  interface Session {
    /** The API key's principal id ("env:<name>", "db:<id>"): never the key. */
    principalId?: string;
  }
  interface FastifyContextConfig {
    /** Dashboard routes that need an admin session: pages redirect to the login, JSON routes answer 401. */
    dashboard?: 'page' | 'api';
  }
}

/** The dashboard's own files (copied to dist by scripts/build.js). */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
/** The browser bundles of vega, vega-lite and vega-embed, served from node_modules (no CDN). */
const VENDOR_FILES = new Set(['/vega.min.js', '/vega-lite.min.js', '/vega-embed.min.js']);
const vendorDir = (name: string) => dirname(fileURLToPath(import.meta.resolve(name)));

/** Only the dashboard's own files run: no inline script, no eval (vega-embed's `ast` option interprets chart expressions). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/**
 * /dashboard, in a context of its own: cookies, a Redis-backed signed session, CSRF tokens tied to it and form
 * bodies apply here only, not to /api. Admin checks happen on the server for every page and JSON route.
 */
export async function registerDashboard(app: FastifyInstance, ctx: RouteContext, settings: DashboardSettings): Promise<void> {
  await app.register(async (scope) => {
    const maxAgeMs = settings.sessionHours * 3_600_000;
    await scope.register(cookie);
    await scope.register(session, {
      secret: settings.sessionSecret,
      cookieName: SESSION_COOKIE,
      saveUninitialized: false,
      rolling: false,
      // Secure is added per request when it came over https (see below); SameSite=Strict either way.
      cookie: { path: '/dashboard', httpOnly: true, sameSite: 'strict', secure: false, maxAge: maxAgeMs },
      store: new RedisSessionStore(ctx.redis, ctx.settings.prefix, Math.ceil(maxAgeMs / 1000)),
    });
    await scope.register(csrf, { sessionPlugin: '@fastify/session' });
    await scope.register(formbody, { bodyLimit: 4096 });
    // max-age 0: browsers revalidate (a 304 by ETag), so an upgraded page never runs yesterday's app.js.
    await scope.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/dashboard/assets/', index: false, maxAge: 0 });
    await scope.register(fastifyStatic, {
      root: [vendorDir('vega'), vendorDir('vega-lite'), vendorDir('vega-embed')],
      prefix: '/dashboard/vendor/',
      decorateReply: false,
      index: false,
      maxAge: '1h',
      allowedPath: (path) => VENDOR_FILES.has(path),
    });
    scope.addHook('onRequest', async (request) => {
      if (request.protocol === 'https') request.session.options({ secure: true });
    });
    scope.addHook('onRequest', (request, reply) => requireAdmin(ctx, request, reply));
    scope.addHook('onSend', async (request, reply) => {
      reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
      if (!request.url.startsWith('/dashboard/assets/') && !request.url.startsWith('/dashboard/vendor/')) reply.header('cache-control', 'no-store');
    });
    registerDashboardAuthRoutes(scope, ctx);
    registerDashboardPanelRoutes(scope, ctx, settings);
  });
}

/**
 * The admin check of every dashboard route that names one: the session's key must still exist, not be revoked and
 * have the admin scope (looked up each time, so revoking the key ends its sessions). The key's principal then
 * counts against that key's rate limit, as its API requests do.
 */
async function requireAdmin(ctx: RouteContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
  const kind = request.routeOptions.config.dashboard;
  if (!kind) return;
  const id = request.session.get('principalId');
  const principal = id ? await ctx.keys.principal(id) : undefined;
  if (principal?.scope === 'admin') {
    request.principal = principal;
    return;
  }
  if (id) await request.session.destroy();
  if (kind === 'page') return reply.redirect('/dashboard/login', 303);
  throw new ApiError(401, 'unauthorized', 'Log in to the dashboard with an admin-scope API key first (/dashboard/login).', 'session');
}
