import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SETTINGS } from '../../support/settings.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('../../fixtures/movielens-small', import.meta.url));

describe('tastebud seed (the compose one-shot service)', () => {
  let db: TestDatabase;
  let models: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase();
    models = await mkdtemp(join(tmpdir(), 'tastebud-seed-models-'));
    env = {
      PATH: process.env.PATH,
      DATABASE_URL: db.url,
      REDIS_URL: TEST_SETTINGS.redisUrl,
      QUEUE_PREFIX: `seedtest${process.pid}`,
      MOVIELENS_DIR: fixture,
      MODELS_DIR: models,
      ALLOW_REMOTE_MODELS: 'false',
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    await db?.drop();
    if (models) await rm(models, { recursive: true, force: true });
  });

  it('imports the catalogue, embeds titles and promotes a first model; a second run changes nothing', async () => {
    const first = await run(process.execPath, ['bin/tastebud.js', 'seed'], { cwd: root, env });
    expect(first.stdout).toMatch(/importing MovieLens/);
    expect(first.stdout).toMatch(/version \d+ is now active/);
    expect(await db.prisma.title.count()).toBe(5);
    expect(await db.prisma.titleEmbedding.count()).toBe(5);
    expect(await db.prisma.modelVersion.count({ where: { status: 'active' } })).toBe(1);

    const second = await run(process.execPath, ['bin/tastebud.js', 'seed'], { cwd: root, env });
    expect(second.stdout).not.toMatch(/importing|training/);
    expect(await db.prisma.modelVersion.count()).toBe(1);
  });

  it('says how to get MovieLens when the catalogue is empty and no files are there (offline)', async () => {
    const empty = await createTestDatabase();
    try {
      const failed = run(process.execPath, ['bin/tastebud.js', 'seed', '--download-dir', join(models, 'dl')], {
        cwd: root,
        env: { ...env, DATABASE_URL: empty.url, MOVIELENS_DIR: join(models, 'nothing-here') },
      });
      await expect(failed).rejects.toMatchObject({ code: 1 });
      const { stderr } = await failed.catch((error: { stderr: string }) => error);
      expect(stderr.trim().split('\n').at(-1)).toMatch(/^tastebud: .*(download|MovieLens)/);
    } finally {
      await empty.drop();
    }
  });
});
