import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApiProcess } from '../../../src/app/api-process.ts';
import { main } from '../../../src/cli/main.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { freePort, spawnManaged, waitUntil, type ManagedChild } from '../../support/processes/index.ts';
import { dropPrefix, REDIS_URL, seedCatalogue, uniquePrefix } from '../worker/support.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const prefix = uniquePrefix('api-process');
const ENV_SECRET = 'env-secret-abcdefghijklmnopqrstuvwxyz';
const WRONG_KEY = 'tb_wrongwrongwrongwrongwrongwrongwrong';
let db: TestDatabase;
let api: ManagedChild | undefined;

/** Runs the CLI in this process (each test file has its own process, so its environment is ours to set). */
async function tastebud(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    const code = await main(args);
    return { stdout: out.join(''), stderr: err.join(''), code };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' });
  await seedCatalogue(db.prisma, { titles: 30, users: 4 });
});

afterAll(async () => {
  await api?.stop();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('tastebud api-key', () => {
  it('creates a key shown once, lists it by its first characters only, and revokes it', async () => {
    const created = await tastebud('api-key', 'create', '--name', 'plex', '--scope', 'read');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^tb_[\w-]{43}$/);
    const listed = await tastebud('api-key', 'list');
    expect(listed.stdout).toContain(`plex\tread\t${key.slice(0, 11)}…`);
    expect(listed.stdout).not.toContain(key);
    expect((await tastebud('api-key', 'revoke', 'plex')).stdout).toContain('Revoked API key "plex"');
    expect((await tastebud('api-key', 'list')).stdout).toContain('revoked');
  });

  it('bad arguments are one line and exit code 1', async () => {
    const scope = await tastebud('api-key', 'create', '--name', 'x', '--scope', 'root');
    expect(scope.code).toBe(1);
    expect(scope.stderr.trim().split('\n')).toHaveLength(1);
    expect(scope.stderr).toContain('scope must be one of read, write, admin');
    expect((await tastebud('api-key', 'create', '--name', 'plex', '--scope', 'read')).stderr).toContain('exists already');
    expect((await tastebud('api-key', 'revoke', 'nobody')).code).toBe(1);
  });
});

describe('tastebud api, the process', () => {
  it('serves popular titles with no model, says so in /readyz, stops on SIGTERM, and never logs a key', async () => {
    const port = await freePort();
    api = spawnManaged(process.execPath, ['bin/tastebud.js', 'api'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        API_PORT: String(port),
        API_HOST: '127.0.0.1',
        API_KEYS: `ops:admin:${ENV_SECRET}`,
        LOG_LEVEL: 'info',
      },
    });
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok, `the API on ${port}:\n${api.output()}`, 60_000);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { model: { detail: string } } }).checks.model.detail).toContain('no model version promoted yet');
    const recs = await fetch(`${base}/api/users/movielens:1/recommendations?n=3`, { headers: { authorization: `Bearer ${ENV_SECRET}` } });
    expect(recs.status).toBe(200);
    expect(await recs.json()).toMatchObject({ modelVersion: null, personal: false });
    expect((await fetch(`${base}/api/models`, { headers: { 'x-api-key': WRONG_KEY } })).status).toBe(401);
    expect((await fetch(`${base}/api/models`, { headers: { authorization: `Bearer ${WRONG_KEY}` } })).status).toBe(401);
    // The dashboard from the compiled tree: the build copied its files into dist/, vega's bundles come from node_modules.
    const login = await fetch(`${base}/dashboard/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('action="/dashboard/login"');
    for (const asset of ['/dashboard/assets/app.js', '/dashboard/assets/style.css', '/dashboard/vendor/vega.min.js', '/dashboard/vendor/vega-lite.min.js', '/dashboard/vendor/vega-embed.min.js']) {
      expect((await fetch(`${base}${asset}`)).status, asset).toBe(200);
    }
    expect((await fetch(`${base}/dashboard/vendor/package.json`)).status).toBe(404);
    const refused = await fetch(`${base}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ key: WRONG_KEY }), redirect: 'manual' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const admin = await fetch(`${base}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ key: ENV_SECRET }), redirect: 'manual' });
    expect(admin.status).toBe(303);
    expect(admin.headers.get('set-cookie')).toMatch(/^tb_dashboard=[^;]+; Path=\/dashboard; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(await api.stop('SIGTERM')).toBe(0);
    const log = api.output();
    expect(log).toContain('API key not recognised');
    expect(log).toContain('"keyPrefix":"tb_wron"');
    expect(log).not.toContain(WRONG_KEY);
    expect(log).not.toContain(ENV_SECRET);
    // No DASHBOARD_SESSION_SECRET: a random one, and a warning naming the variable.
    expect(log).toContain('set DASHBOARD_SESSION_SECRET');
    expect(log).toContain('dashboard login with an unknown key');
    api = undefined;
  });
});

describe('startApiProcess (src/app/api-process.ts), in this process', () => {
  const settings = () => ({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    API_KEYS: `ops:read:${ENV_SECRET}`,
    DASHBOARD_SESSION_SECRET: 'p'.repeat(40),
    LOG_LEVEL: 'silent',
  });

  it('listens on the port the system chose, answers, and closes the port at stop (twice is fine)', async () => {
    const config = loadConfig(settings(), undefined);
    const running = await startApiProcess({ config, logger: createLogger(config, 'test-api') });
    const base = `http://127.0.0.1:${running.port}`;
    expect(running.port).toBeGreaterThan(0);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const popular = await fetch(`${base}/api/popular?n=2`, { headers: { 'x-api-key': ENV_SECRET } });
    expect(await popular.json()).toMatchObject({ modelVersion: null });
    await Promise.all([running.stop(), running.stop()]);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('fails in one line naming the database when it is not there, before opening anything else', async () => {
    const port = await freePort();
    const config = loadConfig({ ...settings(), DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/nowhere` }, undefined);
    const failed = await startApiProcess({ config, logger: createLogger(config, 'test-api') }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failed?.message).toMatch(/database/i);
    expect(failed?.message.split('\n')).toHaveLength(1);
  });
});
