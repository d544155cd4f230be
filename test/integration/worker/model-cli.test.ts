import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { modelChannel, parseModelChange, type ModelChange } from '../../../src/serving/publish.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, randomDaeModel, REDIS_URL, seedCatalogue, uniquePrefix, waitFor } from './support.ts';

const prefix = uniquePrefix('model-cli');
let db: TestDatabase;
let subscriber: Redis;
const announced: ModelChange[] = [];
const ids: number[] = [];

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
  const { titleIds } = await seedCatalogue(db.prisma, { titles: 20, users: 5 });
  for (const seed of [1, 2]) {
    const model = randomDaeModel(titleIds, 4, seed);
    ids.push(
      await saveModelVersion(db.prisma, {
        model,
        index: TitleIndex.build(model.titleIds, model.titleVectors, model.dimension),
        metrics: { validationNdcg10: 0.1 * seed },
        lossHistory: [3, 2.5, 2.25],
        trainingRatings: 100 * seed,
        trainingUsers: 5,
        durationMs: 4200,
      }),
    );
  }
  await promoteModelVersion(db.prisma, ids[0]!);
  subscriber = new Redis(REDIS_URL);
  await subscriber.subscribe(modelChannel(prefix));
  subscriber.on('message', (_channel, message) => announced.push(parseModelChange(message)!));
});

afterAll(async () => {
  subscriber?.disconnect();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('tastebud model', () => {
  it('list shows every version with status, nDCG, sizes, backend and duration', async () => {
    const { stdout, code } = await tastebud('model', 'list');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+nDCG@10\s+ratings\s+users\s+titles\s+dim\s+backend\s+took\s+created$/);
    expect(lines[1]).toMatch(new RegExp(`^${ids[1]}\\s+candidate\\s+0\\.2000\\s+200\\s+5\\s+20\\s+5\\s+test-random\\s+4\\.2 s`));
    expect(lines[2]).toMatch(new RegExp(`^${ids[0]}\\s+active\\s+0\\.1000\\s+100\\s`));
  });

  it('show prints one version with its loss history and artifacts', async () => {
    const { stdout, code } = await tastebud('model', 'show', String(ids[0]));
    expect(code).toBe(0);
    expect(stdout).toContain(`Model version ${ids[0]}: active`);
    expect(stdout).toContain('loss per epoch: 3.000 2.500 2.250');
    expect(stdout).toMatch(/artifacts: index \(\d+ B\)/);
    const missing = await tastebud('model', 'show', '9999');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No model version 9999');
  });

  it('promote activates a version and announces it; rollback restores the previous one and announces that', async () => {
    const promoted = await tastebud('model', 'promote', String(ids[1]));
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(new RegExp(`Model version ${ids[1]} is active; announced to 1 running process`));
    expect((await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: ids[0]! } })).status).toBe('retired');
    await waitFor(() => announced.some((m) => m.versionId === ids[1] && m.kind === 'promote'), 'the promote announcement');

    const rolled = await tastebud('model', 'rollback');
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toContain(`model version ${ids[0]} is active again`);
    expect((await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: ids[1]! } })).status).toBe('rejected');
    await waitFor(() => announced.some((m) => m.versionId === ids[0] && m.kind === 'rollback'), 'the rollback announcement');
  });

  it('refuses to promote an unknown version with a one-line error', async () => {
    const { code, stderr } = await tastebud('model', 'promote', '424242');
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('tastebud: No model version 424242.');
  });
});
