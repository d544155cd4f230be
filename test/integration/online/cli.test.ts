import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { loadModelVersion, promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { onlineReportOf } from '../../../src/online/index.ts';
import { loadCatalog, PrismaUserSource } from '../../../src/recommend/prisma-sources.ts';
import { Recommender } from '../../../src/recommend/recommender.ts';
import { recordSuggestions } from '../../../src/suggestions/records.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { REPO_ROOT, TEST_SETTINGS } from '../../support/settings.ts';
import { randomDaeModel, seedCatalogue } from '../worker/support.ts';

/*
 * `tastebud report online` and `tastebud eval replay` run as a person runs them (the compiled CLI) over a database
 * where a member was shown two lists: one exactly what the stored version ranks for them, one of other titles.
 */

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin', 'tastebud.js');
const DAY = 86_400_000;
const SHOWN = new Date('2026-11-20T12:00:00Z');

let db: TestDatabase;
let dir: string;
let versionId: number;
let ranked: number[];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, REDIS_URL: TEST_SETTINGS.redisUrl, MODELS_DIR: join(dir, 'models'), ALLOW_REMOTE_MODELS: 'false', LOG_LEVEL: 'warn' };
  return run(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-online-cli-'));
  db = await createTestDatabase();
  const catalogue = await seedCatalogue(db.prisma, { titles: 60, users: 10 });
  const model = randomDaeModel(catalogue.titleIds, 6, 3);
  versionId = await saveModelVersion(db.prisma, { model, index: TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 40 }) });
  await promoteModelVersion(db.prisma, versionId);
  const member = { discordId: '100000000000000001', displayName: 'alice' };
  await recordSuggestions(db.prisma, member, []);
  const userId = (
    await db.prisma.user.upsert({ where: { source_externalId: { source: 'discord', externalId: member.discordId } }, create: { source: 'discord', externalId: member.discordId }, update: {} })
  ).id;
  const liked = catalogue.byGenre.get('Genre0')!.slice(0, 4);
  const before = new Date(SHOWN.getTime() - DAY);
  await db.prisma.rating.createMany({ data: liked.map((titleId) => ({ userId, titleId, value: 5, source: 'command' as const, createdAt: before, updatedAt: before })) });
  // What the stored version ranks for alice as she was when shown (the replay rebuilds exactly this).
  const { model: stored, index } = await loadModelVersion(db.prisma, versionId, deserializeModel, { graph: false });
  const recommender = new Recommender({ model: stored, index, catalog: await loadCatalog(db.prisma), users: new PrismaUserSource(db.prisma), versionId });
  ranked = recommender.recommendFor({ userId, ratings: liked.map((titleId) => ({ titleId, value: 5, ratedAt: before.getTime() })), hidden: [] }, { count: 3 }).map((r) => r.titleId);
  const others = catalogue.titleIds.filter((t) => !ranked.includes(t) && !liked.includes(t)).slice(0, 3);
  const batch = (prefix: string, titles: number[], latencyMs: number) =>
    titles.map((titleId, position) => ({ messageId: `${prefix}${position}`, channelId: '1', guildId: '2', titleId, position, modelVersionId: versionId, reason: 'because', latencyMs }));
  await recordSuggestions(db.prisma, member, batch('90000000000000010', ranked, 25));
  await recordSuggestions(db.prisma, member, batch('90000000000000020', others, 45));
  await db.prisma.suggestion.updateMany({ where: { messageId: { startsWith: '90000000000000010' } }, data: { createdAt: SHOWN } });
  await db.prisma.suggestion.updateMany({ where: { messageId: { startsWith: '90000000000000020' } }, data: { createdAt: new Date(SHOWN.getTime() + 60_000) } });
  // Alice accepts the first title of each list, and rates the second of the ranked list 2.
  const after = new Date(SHOWN.getTime() + 2 * 3_600_000);
  await db.prisma.rating.createMany({
    data: [
      { userId, titleId: ranked[0]!, value: 4.5, source: 'reaction', createdAt: after, updatedAt: after },
      { userId, titleId: ranked[1]!, value: 2, source: 'reaction', createdAt: after, updatedAt: after },
      { userId, titleId: others[0]!, value: 5, source: 'reaction', createdAt: after, updatedAt: after },
    ],
  });
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tastebud report online', () => {
  it('prints the measures per version and day; --json is the API report', async () => {
    const table = await cli(['report', 'online', '--since', '2026-11-19', '--until', '2026-11-22']);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const row = table.stdout.split('\n').find((l) => l.startsWith(`v${versionId} `))!;
    // shown 6, rated 3, acceptance 2/6, mean (4.5 + 2 + 5) / 3, p50 of the two batches' latencies.
    expect(row.split(/\s+/).slice(0, 5)).toEqual([`v${versionId}`, '6', '3', '33.3%', '3.83']);
    expect(table.stdout).toMatch(/^2026-11-20\s+v\d+\s+6\s+3/m);
    expect(table.stdout).toContain('rated 4 or more within 7 days');
    const json = await cli(['report', 'online', '--since', '2026-11-19', '--until', '2026-11-22', '--json']);
    const expected = await onlineReportOf(db.prisma, { since: new Date('2026-11-19T00:00:00Z'), until: new Date('2026-11-22T00:00:00Z') });
    expect(JSON.parse(json.stdout)).toMatchObject({ since: expected.since, until: expected.until, byVersion: expected.byVersion, byDay: expected.byDay });
    expect(JSON.parse(json.stdout).byVersion[0]).toMatchObject({ latencyP50Ms: 25, latencyP95Ms: 45 });
  });

  it('a bad date or a range that ends first is one line naming the option', async () => {
    const bad = await cli(['report', 'online', '--since', 'banana']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--since must be an ISO date/);
    const backwards = await cli(['report', 'online', '--since', '2026-11-22', '--until', '2026-11-19']);
    expect(backwards.stderr).toMatch(/since .* must be before until/);
  });
});

describe('tastebud eval replay', () => {
  it('matches the list the version ranks and not the other; prints the caveat', async () => {
    const file = join(dir, 'replay.json');
    const out = await cli(['eval', 'replay', '--version', String(versionId), '--since', '2026-11-19', '--until', '2026-11-22', '--json', file]);
    expect(out.stderr).toBe('');
    const result = JSON.parse(await readFile(file, 'utf8'));
    // The ranked list matches slot for slot; the other list never does (its titles are not in the version's top 3).
    expect(result).toMatchObject({ versionId, batches: 2, slots: 6, matched: 3, positives: 2, positivesRanked: 1, uniformLogging: false });
    expect(result.replayAcceptance).toBeCloseTo(1 / 3);
    expect(result.rankedHitRate).toBe(0.5);
    const text = await cli(['eval', 'replay', '--version', String(versionId), '--since', '2026-11-19', '--until', '2026-11-22']);
    expect(text.stdout).toMatch(/match rate \(same title at the same position\): 50\.0% \(3 of 6\)/);
    expect(text.stdout).toMatch(/NOT an unbiased estimate/);
  });

  it('an unknown version or no --version is a one-line error', async () => {
    const unknown = await cli(['eval', 'replay', '--version', '999', '--since', '2026-11-19']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--version 999: No model version 999/);
    const missing = await cli(['eval', 'replay', '--since', '2026-11-19']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--version/);
  });
});
