import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prismaReconcileStore } from '../../../src/bot/reconcile.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const MINE = '1300000000000000001';
const THEIRS = '1300000000000000002';
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const title = await db.prisma.title.create({ data: { name: 'Film', searchName: 'film', genres: [] } });
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i));
  // 450 suggestions of another shard's server between a few of ours, so whole pages hold none of ours.
  const rows = [
    ...[0, 1].map((i) => ({ guildId: MINE, i })),
    ...Array.from({ length: 450 }, (_, k) => ({ guildId: THEIRS, i: 2 + k })),
    ...[452, 453, 454].map((i) => ({ guildId: MINE, i })),
    { guildId: null, i: 455 },
  ];
  await db.prisma.suggestion.createMany({
    data: rows.map(({ guildId, i }) => ({ messageId: String(900000000000000000n + BigInt(i)), channelId: '800000000000000000', guildId, titleId: title.id, position: 0, createdAt: at(i) })),
  });
});

afterAll(async () => {
  await db?.drop();
});

describe('reconciliation limited to the servers a shard process serves', () => {
  it("pages past other shards' servers and returns only its own suggestions, in order", async () => {
    const store = prismaReconcileStore(db.prisma, { servesGuild: (guildId) => guildId === MINE });
    const since = new Date(Date.UTC(2025, 0, 1));
    const first = await store.recentSuggestions(since, undefined, 200);
    expect(first.map((r) => r.messageId)).toEqual(['900000000000000000', '900000000000000001', '900000000000000452', '900000000000000453', '900000000000000454']);
    expect(await store.recentSuggestions(since, first.at(-1)!.messageId, 200)).toEqual([]);
  });

  it('fills a page to the limit from later rows, so a short page still means the end', async () => {
    const store = prismaReconcileStore(db.prisma, { servesGuild: (guildId) => guildId === MINE });
    const since = new Date(Date.UTC(2025, 0, 1));
    expect((await store.recentSuggestions(since, undefined, 3)).map((r) => r.messageId)).toEqual(['900000000000000000', '900000000000000001', '900000000000000452']);
  });

  it('without a filter (one unsharded process) returns every suggestion, messages outside a server included', async () => {
    const store = prismaReconcileStore(db.prisma);
    const all = await store.recentSuggestions(new Date(Date.UTC(2025, 0, 1)), undefined, 1000);
    expect(all).toHaveLength(456);
  });
});
