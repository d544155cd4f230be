import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { REPO_ROOT, TEST_SETTINGS } from '../../support/settings.ts';
import { randomDaeModel, seedCatalogue } from '../worker/support.ts';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin', 'tastebud.js');
/** Nothing listens on port 1: a stopped database, as the CLI meets it. */
const STOPPED_DATABASE = 'postgresql://postgres@127.0.0.1:1/tastebud';
/** A Discord id as "Copy User ID" gives it, of nobody stored. */
const SNOWFLAKE = '1577619967195615237';

let db: TestDatabase;
let dir: string;

/** Runs the compiled CLI as a person would, in a folder with no .env, with only these settings. */
async function cli(args: string[], databaseUrl: string, settings: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...settings,
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_SETTINGS.redisUrl,
    QUEUE_PREFIX: `clierrors${process.pid}`,
    MODELS_DIR: join(dir, 'models'),
    ALLOW_REMOTE_MODELS: 'false',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
  };
  return run(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** The promise of every CLI error: one line on stderr, starting "tastebud: ", and a non-zero exit. */
async function expectOneLineError(args: string[], databaseUrl: string, message?: string | RegExp, settings: Record<string, string> = {}): Promise<void> {
  const result = await cli(args, databaseUrl, settings);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect({ args, code: result.code === 0 ? 0 : 'non-zero', lines: lines.length }).toEqual({ args, code: 'non-zero', lines: 1 });
  expect(lines[0]).toMatch(/^tastebud: \S/);
  expect(lines[0]).not.toMatch(/\bat .*\.(js|ts):\d+/);
  if (message !== undefined) expect(lines[0]).toMatch(message);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-errors-'));
  db = await createTestDatabase();
  const catalogue = await seedCatalogue(db.prisma, { titles: 30, users: 5 });
  const model = randomDaeModel(catalogue.titleIds, 6, 1);
  const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 40 });
  await promoteModelVersion(db.prisma, await saveModelVersion(db.prisma, { model, index }));
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('CLI errors are one line and a non-zero exit', () => {
  it('for ids that name nobody, saying what was looked up', async () => {
    await expectOneLineError(['recommend', '--user', SNOWFLAKE], db.url, `tastebud: No user ${SNOWFLAKE}: looked for the Discord member discord:${SNOWFLAKE}`);
    await expectOneLineError(['recommend', '--user', `discord:${SNOWFLAKE}`], db.url, `No Discord member discord:${SNOWFLAKE} is stored.`);
    await expectOneLineError(['recommend', '--user', '99999999999'], db.url, /neither a database id \(1 to 2147483647\) nor a Discord id/);
    await expectOneLineError(['recommend', '--user', '987654'], db.url, 'No user with database id 987654.');
    await expectOneLineError(['recommend', '--user', 'bob'], db.url, /"bob" is not a user/);
    await expectOneLineError(['similar', SNOWFLAKE], db.url, `No title with id ${SNOWFLAKE}: database ids are 1 to 2147483647.`);
    await expectOneLineError(['similar', 'movielens:99999999999'], db.url, 'No title with MovieLens id 99999999999.');
    await expectOneLineError(['export', 'user', SNOWFLAKE], db.url, `No user ${SNOWFLAKE}: nothing is stored about them.`);
    await expectOneLineError(['export', 'user', '99999999999'], db.url, /neither a database id/);
    await expectOneLineError(['model', 'show', SNOWFLAKE], db.url);
    await expectOneLineError(['model', 'show', '987654'], db.url);
    await expectOneLineError(['model', 'promote', '987654'], db.url);
  });

  it('for files and folders that are not there', async () => {
    const nowhere = join(dir, 'nowhere');
    await expectOneLineError(['import', 'movielens', '--dir', nowhere], db.url, new RegExp(nowhere));
    await expectOneLineError(['eval', '--train', join(nowhere, 'train.csv'), '--test', join(nowhere, 'test.csv')], db.url, /--train .*train\.csv: no such file/);
    await expectOneLineError(['eval', 'movielens', '--dir', nowhere], db.url, /has no ratings\.csv/);
    await expectOneLineError(['try', '--script', join(nowhere, 'chat.txt')], db.url, /no such file/);
    await expectOneLineError(['db', 'migrate', '--dir', nowhere], db.url, new RegExp(nowhere));
    await expectOneLineError(['embeddings', 'make-model', '--movies', join(nowhere, 'movies.csv'), '--out', join(dir, 'made')], db.url, new RegExp(nowhere));
    await expectOneLineError(['data', 'generate', 'movielens', '--scale', '0.01', '--out', '/dev/null/movielens'], db.url);
    // With MOVIELENS_DIR unset and no data/movielens here, import names where it looked and what to run.
    await expectOneLineError(
      ['import', 'movielens'],
      db.url,
      /MovieLens ml-latest-small not found; tried MOVIELENS_DIR \(not set\), .*data\/movielens\/ml-latest-small\. Run 'tastebud data download movielens'/,
    );
    // MOVIELENS_RELEASE picks the release looked for (and downloaded by seed).
    const large = /MovieLens ml-32m not found; tried MOVIELENS_DIR \(not set\), .*data\/movielens\/ml-32m\. Run 'tastebud data download movielens --size 32m'/;
    await expectOneLineError(['import', 'movielens'], db.url, large, { MOVIELENS_RELEASE: '32m' });
  });

  it('for a stopped database, naming host, port and database', async () => {
    const refused = 'tastebud: Cannot use PostgreSQL at 127.0.0.1:1 (database "tastebud"): it refused the connection; is PostgreSQL running?';
    const commands = [
      ['recommend', '--user', '42'],
      ['similar', 'heat'],
      ['search', 'heat'],
      ['export', 'user', '42'],
      ['import', 'movielens', '--dir', join(REPO_ROOT, 'test', 'fixtures', 'movielens-small')],
      ['db', 'migrate'],
      ['db', 'status'],
      ['model', 'list'],
      ['model', 'show', '1'],
      ['model', 'promote', '1'],
      ['model', 'rollback'],
      ['model', 'chart', '--out', join(dir, 'chart.png')],
      ['seed'],
      ['worker', '--no-schedule'],
    ];
    for (const args of commands) await expectOneLineError(args, STOPPED_DATABASE, refused);
    // Fourteen node processes one after another: several seconds each on two busy cores.
  }, 240_000);
});
