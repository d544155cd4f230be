import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trainer } from '../../../jobs/retrain.ts';
import { LOGIN_ATTEMPTS_PER_MINUTE } from '../../../src/api/dashboard/auth-routes.ts';
import { defaultOnlineReport } from '../../../src/api/dashboard/online-source.ts';
import { SESSION_COOKIE } from '../../../src/api/dashboard/session-store.ts';
import { createApiKey, keyDirectory, revokeApiKey } from '../../../src/api/keys.ts';
import { buildApiServer } from '../../../src/api/server.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { trainModel } from '../../../src/model/train.ts';
import { createLoopMetrics } from '../../../src/observability/metrics.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../../src/worker/runtime.ts';
import { launchChromium } from '../../support/browser.ts';
import { seedDashboardData, type DashboardSeed } from '../../support/dashboard-seed.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, REDIS_URL, testWorkerOptions, uniquePrefix } from '../worker/support.ts';

const prefix = uniquePrefix('dashboard');
const SECRETS = { read: 'dash-read-secret-0123456789abcdef', admin: 'dash-admin-secret-0123456789abcdef' };
const SESSION_SECRET = 'dashboard-test-session-secret-0123456789';
/** The real trainer, small: the retrain the button queues carries no options of its own. */
const train: Trainer = (dataset, options, hooks) => trainModel(dataset, { ...options, dimension: 8, epochs: 6, batchSize: 8, patience: 20, learningRate: 0.01 }, hooks);

let db: TestDatabase;
let seed: DashboardSeed;
let serving: ServingModel;
let queues: Queues;
let redis: Redis;
let worker: WorkerRuntime;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedDashboardData(db.prisma);
  serving = createServingModel({ prisma: db.prisma, deserialize: deserializeModel, pollIntervalMs: 0 });
  await serving.start();
  redis = new Redis(REDIS_URL);
  queues = createQueues(REDIS_URL, prefix);
  worker = await startWorkerRuntime(testWorkerOptions(db, prefix, { train, queues: ['retrain'] }));
  app = await buildApiServer({
    prisma: db.prisma,
    serving,
    keys: keyDirectory(
      db.prisma,
      Object.entries(SECRETS).map(([scope, secret]) => ({ name: `${scope}-env`, scope: scope as 'read', secret })),
    ),
    queues,
    redis,
    registry: createLoopMetrics({ defaultMetrics: false }).registry,
    settings: { corsOrigins: [], rateLimit: { max: 10_000, windowSeconds: 60 }, bodyLimitBytes: 65_536, prefix },
    // The real online measures of src/online over the seeded suggestions and ratings.
    dashboard: { sessionSecret: SESSION_SECRET, sessionHours: 1, onlineReport: defaultOnlineReport(db.prisma) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await context.newPage();
  // A blocked script, eval or style shows up as a console error, so the CSP check below covers it.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP blocked ' + e.violatedDirective + ' ' + e.blockedURI));`);
  page.on('console', (message) => {
    // The refused logins answer 401/403 on purpose, which the browser reports as a failed load of the login POST.
    const refusedLogin = /^Failed to load resource: .* (401|403)/.test(message.text()) && message.location().url === `${base}/dashboard/login`;
    if (message.type() === 'error' && !refusedLogin) problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await worker?.close();
  await serving?.stop();
  await queues?.close();
  redis?.disconnect();
  await dropPrefix(prefix);
  await db?.drop();
});

async function logIn(key: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.waitForURL(`${base}/dashboard/login`);
  await page.fill('#key', key);
  await page.click('button[type=submit]');
}

/** Marks vega drew inside a panel's chart: the paths, rects and symbols of its mark groups. */
const marksIn = (panel: string) => page.locator(`#${panel} .chart svg .role-mark > *`).count();

describe('dashboard login', () => {
  it('a wrong key gets the login page with an error and no cookie', async () => {
    await logIn('tb_this-key-does-not-exist-000000000');
    await expect.poll(() => page.locator('#login-error').textContent(), { timeout: 10_000 }).toContain('not valid');
    expect(await context.cookies()).toEqual([]);
  });

  it('a key below the admin scope is refused, with no cookie', async () => {
    await logIn(SECRETS.read);
    await expect.poll(() => page.locator('#login-error').textContent(), { timeout: 10_000 }).toContain('needs an admin key');
    expect(await context.cookies()).toEqual([]);
  });

  it('an admin key logs in to an HTTP-only, SameSite=Strict signed session cookie that does not hold the key', async () => {
    await logIn(SECRETS.admin);
    await page.waitForURL(`${base}/dashboard`);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: SESSION_COOKIE, httpOnly: true, sameSite: 'Strict', path: '/dashboard', secure: false });
    expect(cookies[0]!.value).not.toContain(SECRETS.admin);
    expect(decodeURIComponent(cookies[0]!.value)).toMatch(/^[\w-]+\.[\w+/=-]+$/);
    // The page fills in who is logged in after it loads its panels: wait for it rather than read it once.
    await expect.poll(() => page.locator('#who').textContent(), { timeout: 10_000 }).toContain('admin-env');
  });
});

describe('dashboard panels', () => {
  it('draws every chart with data and fills the tables', async () => {
    await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
    const charts = await page.locator('[data-chart]').evaluateAll((panels) => panels.map((p) => (p as unknown as { id: string }).id));
    expect(charts).toEqual(['panel-ndcg', 'panel-loss', 'panel-ratings', 'panel-online', 'panel-catalogue', 'panel-queues']);
    for (const panel of charts) {
      expect(await page.locator(`#${panel} .chart`).getAttribute('data-rendered'), panel).toBe('chart');
      expect(await marksIn(panel), panel).toBeGreaterThan(0);
    }
    // One bar per version with a validation nDCG, one loss line per version.
    expect(await page.locator('#panel-ndcg .chart svg .mark-rect path').count()).toBe(4);
    expect(await page.locator('#panel-loss .chart svg .mark-line path').count()).toBe(4);
    expect(await page.locator('#active-tiles').textContent()).toContain(`v${seed.activeVersionId}`);
    const versions = page.locator('#versions-table tbody tr');
    expect(await versions.count()).toBe(4);
    expect(await page.locator('#versions-table').textContent()).toContain('is below the active version');
    expect(await page.locator('#online-table tbody tr').count()).toBe(2);
    // Coverage and novelty of what was shown: measures only src/online's report computes.
    const measures = await page.locator('#online-table tbody tr td:nth-child(7), #online-table tbody tr td:nth-child(8)').allTextContents();
    expect(measures).toHaveLength(4);
    for (const text of measures) expect(text).toMatch(/\d/);
    expect(await page.locator('#catalogue-totals').textContent()).toMatch(/172 titles · 8 members/);
  });

  it('reads at phone width without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await marksIn('panel-ratings')).toBeGreaterThan(0);
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('the retrain button queues a retrain a real worker runs, and shows its progress until done', async () => {
    const before = await db.prisma.modelVersion.count();
    // What the progress box showed, recorded in the page as it changed (the page's own script, as a string: no DOM types here).
    await page.evaluate(`window.retrainStates = [];
      new MutationObserver(() => window.retrainStates.push(document.getElementById('retrain-progress').dataset.state + '|' + document.getElementById('retrain-bar').value))
        .observe(document.getElementById('retrain-progress'), { attributes: true, subtree: true });`);
    await page.click('#retrain');
    await page.waitForSelector('#retrain-progress[data-state^="done:"]', { timeout: 180_000 });
    expect(await page.locator('#retrain-progress').getAttribute('data-state')).toBe('done:completed');
    expect(await page.locator('#retrain-text').textContent()).toMatch(/^done in [\d.]+ s: version \d+ (is now active|was not promoted)/);
    expect(await page.locator('#retrain-bar').evaluate((bar) => (bar as unknown as { value: number }).value)).toBe(100);
    const states = (await page.evaluate('window.retrainStates')) as string[];
    // Seen on the way: queued at 0 %, then the worker's states, before it completed.
    expect(states[0]).toBe('queued|0');
    expect(states.filter((s) => s.startsWith('active|') || s.startsWith('waiting|')).length).toBeGreaterThan(0);
    expect(await db.prisma.modelVersion.count()).toBe(before + 1);
    // The history redrawn with the new version.
    await page.waitForFunction(`document.querySelectorAll('#versions-table tbody tr').length === ${before + 1}`);
  }, 200_000);
});

describe('dashboard security', () => {
  it('the retrain POST is refused without the session CSRF token, or with a wrong one', async () => {
    const without = await page.request.post(`${base}/dashboard/api/retrain`);
    expect(without.status()).toBe(403);
    const wrong = await page.request.post(`${base}/dashboard/api/retrain`, { headers: { 'x-csrf-token': 'not-the-token' } });
    expect(wrong.status()).toBe(403);
    expect(await queues.retrain.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
  });

  it('pages carry a CSP without inline scripts or eval; through a trusted proxy, https makes the cookie Secure and logins are limited per client', async () => {
    const login = await app.inject({ method: 'GET', url: '/dashboard/login' });
    expect(login.headers['content-security-policy']).toContain("script-src 'self';");
    expect(login.headers['content-security-policy']).not.toContain('unsafe-eval');
    expect(login.headers['x-frame-options']).toBe('DENY');
    const proxied = await buildApiServer({
      prisma: db.prisma,
      serving,
      keys: keyDirectory(db.prisma, [{ name: 'admin-env', scope: 'admin', secret: SECRETS.admin }]),
      queues,
      redis,
      registry: createLoopMetrics({ defaultMetrics: false }).registry,
      settings: { corsOrigins: [], rateLimit: { max: 10_000, windowSeconds: 60 }, bodyLimitBytes: 65_536, prefix, trustProxy: true },
      dashboard: { sessionSecret: SESSION_SECRET, sessionHours: 1 },
    });
    try {
      const over = (proto: string) => proxied.inject({ method: 'POST', url: '/dashboard/login', headers: { 'x-forwarded-proto': proto }, payload: { key: SECRETS.admin } });
      const https = await over('https');
      expect(https.statusCode).toBe(303);
      expect(https.cookies.find((c) => c.name === SESSION_COOKIE)).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
      expect((await over('http')).cookies.find((c) => c.name === SESSION_COOKIE)?.secure).toBeFalsy();
      // Login attempts are limited per client address (here one the proxy names), right or wrong key alike.
      const attempt = () => proxied.inject({ method: 'POST', url: '/dashboard/login', headers: { 'x-forwarded-for': '203.0.113.7' }, payload: { key: 'tb_guess-guess-guess-guess-guess-guess' } });
      for (let i = 0; i < LOGIN_ATTEMPTS_PER_MINUTE; i++) expect((await attempt()).statusCode).toBe(401);
      const limited = await attempt();
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await proxied.close();
    }
  });

  it('JSON routes and the page need a session: 401 and a redirect to the login without one', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/dashboard/api/models' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: 'unauthorized', field: 'session' });
    const pageWithout = await app.inject({ method: 'GET', url: '/dashboard' });
    expect(pageWithout.statusCode).toBe(303);
    expect(pageWithout.headers.location).toBe('/dashboard/login');
    // An API key is not a dashboard session.
    expect((await app.inject({ method: 'GET', url: '/dashboard/api/models', headers: { authorization: `Bearer ${SECRETS.admin}` } })).statusCode).toBe(401);
  });

  it('revoking the key ends its dashboard sessions', async () => {
    const { key } = await createApiKey(db.prisma, { name: 'dash-stored-admin', scope: 'admin' });
    const login = await app.inject({ method: 'POST', url: '/dashboard/login', payload: { key } });
    expect(login.statusCode).toBe(303);
    const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)!;
    const headers = { cookie: `${SESSION_COOKIE}=${cookie.value}` };
    expect((await app.inject({ method: 'GET', url: '/dashboard/api/models', headers })).statusCode).toBe(200);
    await revokeApiKey(db.prisma, 'dash-stored-admin');
    expect((await app.inject({ method: 'GET', url: '/dashboard/api/models', headers })).statusCode).toBe(401);
  });

  it('logs out: back to the login page, the cookie and the stored session gone', async () => {
    const sessionKeysBefore = await redis.keys(`${prefix}:dashboard-session:*`);
    expect(sessionKeysBefore.length).toBeGreaterThan(0);
    const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!;
    await page.click('#logout');
    await page.waitForURL(`${base}/dashboard/login`);
    expect(await context.cookies()).toEqual([]);
    const sessionId = decodeURIComponent(cookie.value).split('.')[0]!;
    expect(await redis.exists(`${prefix}:dashboard-session:${sessionId}`)).toBe(0);
    expect((await page.request.get(`${base}/dashboard/api/models`)).status()).toBe(401);
  });

  it('logged no console errors and no page errors along the way', () => {
    expect(problems).toEqual([]);
  });
});
