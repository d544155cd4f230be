import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../reliability/harness.ts';

const AUDIT = join(ROOT, '.ci/audit');
const BULK = '/-/npm/v1/security/advisories/bulk';

/** One advisory as npm's bulk endpoint returns it. */
interface Advisory {
  id: number;
  url: string;
  title: string;
  severity: 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
  cwe: string[];
  cvss: { score: number; vectorString: string | null };
}

/**
 * A stand-in npm registry for the audit only: the bulk advisory endpoint answers 405 (as the registry
 * proxy here does) or reports the given advisories for packages npm asked about; packuments (npm reads
 * them to say whether a fix exists) come from the installed package.json files.
 */
async function startRegistryStub(answer: 'refuse' | Record<string, Advisory[]>): Promise<{ url: string; asked: () => Record<string, string[]>; close(): Promise<void> }> {
  let asked: Record<string, string[]> = {};
  const body = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    return JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as Record<string, string[]>;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'POST' && req.url === BULK) {
        asked = await body(req);
        if (answer === 'refuse') {
          res.writeHead(405, { allow: 'GET,HEAD' }).end();
          return;
        }
        const report = Object.fromEntries(Object.entries(answer).filter(([name]) => name in asked));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report));
        return;
      }
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      const manifest = await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8').then(
        (t) => JSON.parse(t) as { name: string; version: string; dependencies?: object },
        () => undefined,
      );
      if (req.method !== 'GET' || !manifest) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const { version, dependencies } = manifest;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, 'dist-tags': { latest: version }, versions: { [version]: { name, version, dependencies } } }));
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    asked: () => asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs .ci/audit as CI does; never throws on a non-zero exit. */
async function audit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(AUDIT, ['--fetch-retries=0', ...args], { cwd: ROOT, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const WS_ADVISORY: Advisory = {
  id: 1_999_001,
  url: 'https://github.com/advisories/GHSA-test-wsws-0001',
  title: 'Stub advisory for the audit test',
  severity: 'high',
  vulnerable_versions: '<99.0.0',
  cwe: ['CWE-400'],
  cvss: { score: 7.5, vectorString: null },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-audit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('.ci/audit', () => {
  it('says in one line that the audit could not run when the registry refuses it (405), and exits 0', async () => {
    const registry = await startRegistryStub('refuse');
    try {
      const result = await audit([`--registry=${registry.url}`]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim().split('\n')).toEqual([
        expect.stringMatching(/^audit: could not run, the registry answered 405 Method Not Allowed - POST http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/security\/advisories\/bulk; skipped/),
      ]);
      // It did ask, about the production tree only: tastebud's dependencies, not the test runner.
      expect(Object.keys(registry.asked())).toEqual(expect.arrayContaining(['ws', 'discord.js', 'protobufjs']));
      expect(registry.asked()).not.toHaveProperty('vitest');
      expect(registry.asked()).not.toHaveProperty('@vitest/runner');
      expect(registry.asked().protobufjs).toEqual(['7.6.6']);
    } finally {
      await registry.close();
    }
  });

  it('fails on a high advisory in the production tree that the allowlist does not hold, naming it', async () => {
    const registry = await startRegistryStub({ ws: [WS_ADVISORY], vitest: [{ ...WS_ADVISORY, id: 1_999_002, url: 'https://github.com/advisories/GHSA-test-devv-0002' }] });
    try {
      const result = await audit([`--registry=${registry.url}`]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('audit: high ws <99.0.0: Stub advisory for the audit test (GHSA-test-wsws-0001, https://github.com/advisories/GHSA-test-wsws-0001)');
      expect(result.stdout).toContain('1 high/critical advisory(ies) not in .ci/audit-allowlist.json');
      // A dev dependency's advisory is not what ships.
      expect(result.stdout).not.toContain('GHSA-test-devv-0002');
    } finally {
      await registry.close();
    }
  });

  it('passes when each high advisory is allowlisted with a reason, lets moderate ones through, and rejects an entry without a reason', async () => {
    const moderate = { ...WS_ADVISORY, id: 1_999_003, url: 'https://github.com/advisories/GHSA-test-pgpg-0003', severity: 'moderate' as const };
    const registry = await startRegistryStub({ ws: [WS_ADVISORY], pg: [moderate] });
    try {
      const allowlist = join(dir, 'allow.json');
      await writeFile(allowlist, JSON.stringify({ advisories: [{ id: 'GHSA-test-wsws-0001', package: 'ws', reason: 'The stub advisory of this test; nothing ships it.' }] }));
      const allowed = await audit([`--registry=${registry.url}`, '--allowlist', allowlist]);
      expect(allowed.code).toBe(0);
      // ws's dependents (discord.js, ...) count as vulnerable packages too; the advisory behind them is the one allowlisted.
      expect(allowed.stdout).toMatch(/^audit: production tree: 0 critical, \d+ high, \d+ moderate, 0 low; 1 high\/critical allowlisted in .*allow\.json$/m);
      expect(allowed.stdout).not.toContain('GHSA-test-pgpg-0003');

      await writeFile(allowlist, JSON.stringify({ advisories: [{ id: 'GHSA-test-wsws-0001', reason: '' }] }));
      const noReason = await audit([`--registry=${registry.url}`, '--allowlist', allowlist]);
      expect(noReason.code).toBe(1);
      expect(noReason.stderr).toContain('entry GHSA-test-wsws-0001 needs a "reason" saying why it is acceptable');
    } finally {
      await registry.close();
    }
  });

  it('is what .ci/run runs after npm ci, under set -e, so an advisory stops CI', async () => {
    const lines = (await readFile(join(ROOT, '.ci/run'), 'utf8')).split('\n').map((l) => l.trim());
    const at = (line: string) => lines.findIndex((l) => l.startsWith(line));
    expect(lines.some((l) => /^set -[a-z]*e/.test(l))).toBe(true);
    expect(at('npm ci')).toBeGreaterThanOrEqual(0);
    expect(at('.ci/audit')).toBeGreaterThan(at('npm ci'));
  });

  it('keeps the committed allowlist empty or explained', async () => {
    const { advisories } = JSON.parse(await readFile(join(ROOT, '.ci/audit-allowlist.json'), 'utf8')) as { advisories: { id: string; reason: string }[] };
    for (const entry of advisories) expect(entry.reason.trim().length).toBeGreaterThan(10);
  });
});
