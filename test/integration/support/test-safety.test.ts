import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MovieLensNotFoundError } from '../../../src/import/locate.ts';
import { locateTestMovieLens } from '../../support/movielens.ts';
import { createDatabase, dropDatabase, ForeignDatabaseError, onServer } from '../../support/postgres.ts';
import { REPO_ROOT } from '../../support/settings.ts';

const run = promisify(execFile);
/** Runs a few lines of TypeScript in a child Node (through tsx) with exactly `env`; resolves with its outcome. */
async function child(code: string, env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // tsx by its resolved URL: the child runs in a folder of its own, away from node_modules.
  const args = ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', code];
  return run(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}
const support = (file: string) => JSON.stringify(join(REPO_ROOT, 'test', 'support', file));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-test-safety-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the test support touches only databases it was given', () => {
  it('refuses to create or drop a database without the tbtest_ prefix, before asking the server', async () => {
    await expect(onServer((client) => dropDatabase(client, 'postgres'))).rejects.toThrow(ForeignDatabaseError);
    await expect(onServer((client) => dropDatabase(client, 'tastebud'))).rejects.toThrow('Refusing to create or drop database "tastebud": test databases are named tbtest_*.');
    await expect(onServer((client) => createDatabase(client, 'tastebud_copy'))).rejects.toThrow(ForeignDatabaseError);
    // A test database may not be copied from one the tests do not own either.
    await expect(onServer((client) => createDatabase(client, `${inject('runPrefix')}_x`, 'postgres'))).rejects.toThrow(ForeignDatabaseError);
    const { rows } = await onServer((client) => client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_database WHERE datname = 'postgres' OR datname LIKE '${inject('runPrefix')}\\_x'`));
    expect(rows[0]!.n).toBe(1);
  });

  it('reads TEST_DATABASE_URL and TEST_REDIS_URL only: never DATABASE_URL, REDIS_URL or a .env file', async () => {
    await writeFile(join(dir, '.env'), 'DATABASE_URL=postgresql://bot@10.0.0.9:5432/tastebud\nREDIS_URL=redis://10.0.0.9:6379\nTEST_DATABASE_URL=postgresql://bot@10.0.0.9:5432/x\n');
    const print = `const { TEST_SETTINGS } = await import(${support('settings.ts')}); console.log(JSON.stringify(TEST_SETTINGS));`;
    const production = { DATABASE_URL: 'postgresql://bot@10.0.0.9:5432/tastebud', REDIS_URL: 'redis://10.0.0.9:6379' };
    const defaults = await child(print, production, dir);
    expect(JSON.parse(defaults.stdout)).toEqual({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres',
      redisUrl: 'redis://127.0.0.1:6379',
      chromiumPath: '/usr/bin/chromium',
      movielensSetting: 'TEST_MOVIELENS_DIR',
    });
    const given = await child(
      print,
      {
        ...production,
        TEST_DATABASE_URL: 'postgresql://ci@127.0.0.2:5433/postgres',
        TEST_REDIS_URL: 'redis://127.0.0.2:6380',
        TEST_MOVIELENS_DIR: '/data/ml',
        TEST_CHROMIUM_PATH: '/opt/chrome/chrome',
      },
      dir,
    );
    expect(JSON.parse(given.stdout)).toEqual({
      databaseUrl: 'postgresql://ci@127.0.0.2:5433/postgres',
      redisUrl: 'redis://127.0.0.2:6380',
      chromiumPath: '/opt/chrome/chrome',
      movielensDir: '/data/ml',
      movielensSetting: 'TEST_MOVIELENS_DIR',
    });
    // MOVIELENS_DIR, the data path the CLI reads first, serves the tests too when TEST_MOVIELENS_DIR is not set.
    const cliData = await child(print, { ...production, MOVIELENS_DIR: '/srv/ml' }, dir);
    expect(JSON.parse(cliData.stdout)).toMatchObject({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', movielensDir: '/srv/ml', movielensSetting: 'MOVIELENS_DIR' });
  });
});

describe('MovieLens for the tests', () => {
  it('is found where the global setup found it', () => {
    expect(inject('movielensDir')).toMatch(/ml-latest-small$/);
  });

  it('takes TEST_MOVIELENS_DIR first, then data/movielens/<release> under the repository', async () => {
    const release = join(dir, 'repo', 'data', 'movielens', 'ml-latest-small');
    await mkdir(release, { recursive: true });
    for (const file of ['movies.csv', 'links.csv', 'tags.csv', 'ratings.csv']) await writeFile(join(release, file), 'x\n');
    expect(await locateTestMovieLens({ root: join(dir, 'repo'), dir: inject('movielensDir'), download: { baseUrl: 'http://127.0.0.1:1/' } })).toBe(inject('movielensDir'));
    expect(await locateTestMovieLens({ root: join(dir, 'repo'), dir: join(dir, 'nothing'), download: { baseUrl: 'http://127.0.0.1:1/' } })).toBe(release);
  });

  it('names every place it tried and the fix in one line when there is none', async () => {
    const root = join(dir, 'bare', 'repo');
    const error = await locateTestMovieLens({ root, dir: join(dir, 'nothing'), download: { baseUrl: 'http://127.0.0.1:1/' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MovieLensNotFoundError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    for (const tried of [
      `TEST_MOVIELENS_DIR=${join(dir, 'nothing')}`,
      join(root, 'data', 'movielens', 'ml-latest-small'),
      join(dir, 'bare', 'shared', 'data', 'movielens', 'ml-latest-small'),
      'a download from http://127.0.0.1:1/',
    ]) {
      expect(message).toContain(tried);
    }
    expect(message).toContain("Set TEST_MOVIELENS_DIR to an unpacked ml-latest-small, or run 'npx tastebud data download movielens'");
  });

  it('stops the run at once with that single line and exit code 1 (what the global setup does)', async () => {
    const root = join(dir, 'bare', 'repo');
    const code = `const { movieLensOrStop } = await import(${support('movielens.ts')});
      await movieLensOrStop({ root: ${JSON.stringify(root)}, download: { baseUrl: 'http://127.0.0.1:1/' } });
      console.log('not reached');`;
    const result = await child(code, { TEST_MOVIELENS_DIR: join(dir, 'nothing') }, dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^MovieLens ml-latest-small not found; tried TEST_MOVIELENS_DIR=.*nothing, .*\. Set TEST_MOVIELENS_DIR/);
  });
});
