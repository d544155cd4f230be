import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.ts';
import { loginPage } from './pages.ts';
import { SESSION_COOKIE } from './session-store.ts';

const hide = { hide: true } as const;
/** Login attempts per client address per minute: a typo or two is fine, a guessing loop is slowed down. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;

/** The dashboard page, the login form, logging in and out. */
export function registerDashboardAuthRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/dashboard', { config: { dashboard: 'page' }, schema: hide }, (_request, reply) => reply.type('text/html; charset=utf-8').sendFile('index.html'));
  app.get('/dashboard/', { schema: hide }, (_request, reply) => reply.redirect('/dashboard', 301));

  app.get('/dashboard/login', { schema: hide }, async (request, reply) => {
    if (request.session.get('principalId')) return reply.redirect('/dashboard', 303);
    return reply.type('text/html; charset=utf-8').send(loginPage());
  });

  const loginLimit = { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request: { ip: string }) => `login:${request.ip}`, allowList: () => false };
  app.post('/dashboard/login', { schema: hide, config: { rateLimit: loginLimit } }, async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const key = typeof body?.key === 'string' ? body.key.trim() : '';
    const refuse = (status: number, message: string) => reply.status(status).type('text/html; charset=utf-8').send(loginPage(message));
    if (!key) return refuse(400, 'Enter an API key.');
    const principal = await ctx.keys.authenticate(key);
    if (!principal) {
      request.log.warn({ keyPrefix: key.slice(0, 7) }, 'dashboard login with an unknown key');
      return refuse(401, 'That key is not valid (unknown or revoked).');
    }
    if (principal.scope !== 'admin') {
      request.log.warn({ key: principal.id }, 'dashboard login with a key below the admin scope');
      return refuse(403, `That key has the ${principal.scope} scope; the dashboard needs an admin key.`);
    }
    // A fresh session id at login, so an id planted before it (session fixation) is worth nothing.
    await request.session.regenerate();
    request.session.set('principalId', principal.id);
    request.log.info({ key: principal.id }, 'dashboard login');
    return reply.redirect('/dashboard', 303);
  });

  app.post('/dashboard/logout', { config: { dashboard: 'page' }, preValidation: app.csrfProtection, schema: hide }, async (request, reply) => {
    request.log.info({ key: request.principal?.id }, 'dashboard logout');
    await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/dashboard' });
    return reply.redirect('/dashboard/login', 303);
  });
}
