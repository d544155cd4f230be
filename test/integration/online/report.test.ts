import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOnlineReport } from '../../../src/api/dashboard/online-source.ts';
import { onlineReportOf } from '../../../src/online/index.ts';
import { recordSuggestions } from '../../../src/suggestions/records.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/*
 * The online report over real rows: suggestions stored the way the bot stores them (recordSuggestions, with the
 * /recommend latency), then ratings, hides and reactions as members make them, read back through SQL.
 */

const DAY = 86_400_000;
const T0 = new Date('2026-11-02T12:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

let db: TestDatabase;
let titles: number[];
let version1: number;
let version2: number;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.title.createMany({ data: Array.from({ length: 10 }, (_, i) => ({ name: `Film ${i}`, searchName: `film ${i}`, genres: ['Drama'], ratingCount: i === 0 ? 4 : 1 })) });
  titles = (await db.prisma.title.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((t) => t.id);
  const versions = await Promise.all([1, 2].map(() => db.prisma.modelVersion.create({ data: { architecture: 'test', backend: 'cpu', dimension: 4 } })));
  [version1, version2] = versions.map((v) => v.id) as [number, number];
  const alice = { discordId: '100000000000000001', displayName: 'alice' };
  const bob = { discordId: '100000000000000002', displayName: 'bob' };
  const carol = { discordId: '100000000000000003', displayName: 'carol' };
  const batch = (prefix: string, ids: number[], modelVersionId: number | null, latencyMs: number | null, reason: string | null = 'because') =>
    ids.map((titleId, position) => ({ messageId: `${prefix}${position}`, channelId: '1', guildId: '2', titleId, position, modelVersionId, reason, latencyMs }));
  await recordSuggestions(db.prisma, alice, batch('90000000000000010', [titles[0]!, titles[1]!, titles[2]!], version1, 30));
  await recordSuggestions(db.prisma, bob, batch('90000000000000020', [titles[0]!, titles[3]!], version2, 80));
  await recordSuggestions(db.prisma, carol, batch('90000000000000030', [titles[4]!], version2, 20));
  // Not recommendations: a /search lookup, and one of a member who used /forget-me (no user any more).
  await recordSuggestions(db.prisma, carol, batch('90000000000000040', [titles[5]!], null, null, 'search'));
  await recordSuggestions(db.prisma, { discordId: '100000000000000009', displayName: 'gone' }, batch('90000000000000050', [titles[6]!], version2, 5));
  await db.prisma.suggestion.updateMany({ where: { messageId: '900000000000000500' }, data: { userId: null } });
  // Bob's batch and Carol's are shown a day later than Alice's.
  await db.prisma.suggestion.updateMany({ data: { createdAt: T0 } });
  await db.prisma.suggestion.updateMany({ where: { messageId: { startsWith: '90000000000000020' } }, data: { createdAt: at(1) } });
  await db.prisma.suggestion.updateMany({ where: { messageId: { startsWith: '90000000000000030' } }, data: { createdAt: at(1) } });
  const user = async (discordId: string) => (await db.prisma.user.findFirstOrThrow({ where: { externalId: discordId } })).id;
  const [a, b, c] = [await user(alice.discordId), await user(bob.discordId), await user(carol.discordId)];
  await db.prisma.rating.createMany({
    data: [
      { userId: a, titleId: titles[0]!, value: 5, source: 'reaction', createdAt: at(0.1), updatedAt: at(0.1) },
      { userId: a, titleId: titles[1]!, value: 2, source: 'reaction', createdAt: at(0.2), updatedAt: at(0.2) },
      // Rated after the 7 days: not counted.
      { userId: b, titleId: titles[0]!, value: 4, source: 'command', createdAt: at(9), updatedAt: at(9) },
      { userId: b, titleId: titles[3]!, value: 4, source: 'reaction', createdAt: at(2), updatedAt: at(2) },
      { userId: c, titleId: titles[5]!, value: 5, source: 'reaction', createdAt: at(1.1), updatedAt: at(1.1) },
    ],
  });
  await db.prisma.hiddenTitle.create({ data: { userId: a, titleId: titles[2]!, createdAt: at(0.3) } });
  await db.prisma.suggestionReaction.createMany({
    data: [
      { messageId: '900000000000000100', userId: a, emoji: '😍' },
      { messageId: '900000000000000101', userId: a, emoji: '👎' },
      // Bob's reaction on Alice's message is not Alice's reaction.
      { messageId: '900000000000000102', userId: b, emoji: '👍' },
    ],
  });
});

afterAll(async () => {
  await db?.drop();
});

describe('online report over the database', () => {
  it('measures each version from the stored suggestions, ratings, hides and reactions', async () => {
    const report = await onlineReportOf(db.prisma, { since: at(-1), until: at(3) }, at(10));
    const [v1, v2] = report.byVersion;
    expect(report.byVersion.map((r) => r.modelVersion)).toEqual([version1, version2]);
    expect(v1).toMatchObject({ shown: 3, rated: 2, accepted: 1, latencyP50Ms: 30, latencyP95Ms: 30 });
    expect(v1!.acceptance).toBeCloseTo(1 / 3);
    expect(v1!.meanRating).toBeCloseTo(3.5);
    expect(v1!.hideRate).toBeCloseTo(1 / 3);
    expect(v1!.reactionRate).toBeCloseTo(2 / 3);
    expect(v1!.coverage).toBeCloseTo(3 / 10);
    // Users with ratings: 3 members. Title 0 rated by 4 (clipped to all 3): 0 bits; titles 1, 2: log2(3).
    expect(v1!.novelty).toBeCloseTo((2 * Math.log2(3)) / 3);
    // The search lookup and the forgotten member's row are left out.
    expect(v2).toMatchObject({ shown: 3, rated: 1, accepted: 1, reactionRate: 0, latencyP50Ms: 20, latencyP95Ms: 80 });
    expect(report.byDay.map((d) => [d.day, d.modelVersion, d.shown])).toEqual([
      ['2026-11-02', version1, 3],
      ['2026-11-03', version2, 3],
    ]);
  });

  it('only what was shown in [since, until); the dashboard uses the same source', async () => {
    const report = await onlineReportOf(db.prisma, { since: at(0.5), until: at(3) });
    expect(report.byVersion.map((r) => [r.modelVersion, r.shown])).toEqual([[version2, 3]]);
    expect(await defaultOnlineReport!(db.prisma)({ since: at(0.5), until: at(3) })).toMatchObject({ byVersion: report.byVersion, byDay: report.byDay });
    expect((await onlineReportOf(db.prisma, { since: at(5), until: at(6) })).byVersion).toEqual([]);
  });
});
