/**
 * The Goodbooks product path through the compiled CLI: `data download goodbooks` from a local server standing in
 * for the GitHub repository (this machine has no internet), `data generate goodbooks`, then `import goodbooks`.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { REPO_ROOT } from '../../support/settings.ts';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin', 'tastebud.js');
const fixture = fileURLToPath(new URL('../../fixtures/goodbooks-bad/', import.meta.url));

let db: TestDatabase;
let dir: string;
let server: Server;
let base = '';
const served: string[] = [];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'warn' };
  return run(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-goodbooks-'));
  db = await createTestDatabase();
  // The fixture's five files at /goodbooks-10k/master/<file>.csv; anything else is a 404.
  server = createServer((request, response) => {
    const name = /^\/goodbooks-10k\/master\/(\w+\.csv)$/.exec(request.url ?? '')?.[1];
    served.push(request.url ?? '');
    readFile(join(fixture, name ?? 'none'))
      .then((body) => response.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length }).end(body))
      .catch(() => response.writeHead(404).end('Not Found'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tastebud data download / generate / import goodbooks', () => {
  it('downloads the five files, writes the licence beside them, and says how to import', async () => {
    const result = await cli(['data', 'download', 'goodbooks', '--dir', 'gb', '--base-url', `${base}/goodbooks-10k/master/`]);
    expect(result.stderr.split('\n').filter((l) => /^tastebud:/.test(l))).toEqual([]);
    expect(result.code).toBe(0);
    expect(served.filter((u) => u.endsWith('.csv')).sort()).toEqual(['book_tags', 'books', 'ratings', 'tags', 'to_read'].map((f) => `/goodbooks-10k/master/${f}.csv`));
    expect(result.stdout).toContain('Import it with: tastebud import goodbooks --dir gb');
    expect(result.stdout).toContain('CC BY-SA 4.0');
    expect(await readFile(join(dir, 'gb', 'books.csv'), 'utf8')).toBe(await readFile(join(fixture, 'books.csv'), 'utf8'));
    expect(await readFile(join(dir, 'gb', 'LICENCE.txt'), 'utf8')).toMatch(/Zygmunt Zając.*\n.*CC BY-SA 4\.0/);
  });

  it('fails in one line, keeping nothing half-downloaded, when the server lacks a file', async () => {
    const result = await cli(['data', 'download', 'goodbooks', '--dir', 'broken', '--base-url', `${base}/elsewhere/`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tastebud: Could not download http:\/\/127\.0\.0\.1:\d+\/elsewhere\/books\.csv: the server answered 404/)]);
    await expect(stat(join(dir, 'broken', 'books.csv.part'))).rejects.toThrow();
  });

  it('imports the downloaded files, reporting the bad rows by file and line', async () => {
    const result = await cli(['import', 'goodbooks', '--dir', 'gb']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${join('gb', 'books.csv')} line 4: book_id "x" is not a positive whole number; skipped`);
    expect(result.stderr).toContain(`${join('gb', 'ratings.csv')} line 9: rating "6" is not a whole number from 1 to 5; skipped`);
    expect(result.stdout).toMatch(/books\.csv\s+9\s+6\s+3/);
    expect(result.stdout).toContain('The database now holds 6 titles, 4 users and 9 ratings.');
  });

  it('generates Goodbooks-shaped files that import as they are, and a second import changes nothing', async () => {
    const generated = await cli(['data', 'generate', 'goodbooks', '--scale', '0.003', '--seed', '5', '--out', 'gen']);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/^Wrote 30 books, 160 readers, [\d,]+ ratings/);
    expect(generated.stdout).toContain('This is generated data, not Goodbooks.');
    const first = await cli(['import', 'goodbooks', '--dir', 'gen']);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toMatch(/skipped/);
    const totals = /holds ([\d,]+) titles, ([\d,]+) users and ([\d,]+) ratings/.exec(first.stdout)!.slice(1);
    // Generated book ids 1-30 and readers 1-160 include the fixture's (books 1-8, readers 1-4): the same external
    // ids, so those titles and users are updated, not added again.
    expect(totals.slice(0, 2)).toEqual(['30', '160']);
    const second = await cli(['import', 'goodbooks', '--dir', 'gen']);
    expect(/holds ([\d,]+) titles, ([\d,]+) users and ([\d,]+) ratings/.exec(second.stdout)!.slice(1)).toEqual(totals);
  });
});
