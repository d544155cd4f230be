import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneRetention } from '../../../jobs/prune.ts';
import { RAWG_EMULATOR_KEY, startRawgEmulator } from '../../../src/emulator/providers/rawg.ts';
import type { ProviderEmulator } from '../../../src/emulator/providers/server.ts';
import { PostgresResponseCache } from '../../../src/providers/cache.ts';
import { RawgProvider } from '../../../src/providers/rawg.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

describe('provider response cache in PostgreSQL', () => {
  let db: TestDatabase;
  let emu: ProviderEmulator;
  beforeAll(async () => {
    [db, emu] = await Promise.all([createTestDatabase(), startRawgEmulator()]);
  });
  afterAll(async () => {
    await emu?.close();
    await db?.drop();
  });

  it("answers until the TTL has passed, then not; the worker's prune job deletes what expired", async () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const cache = new PostgresResponseCache(db.prisma, () => now);
    await cache.set('k1', 'tmdb', { a: 1 }, 60);
    await cache.set('k2', 'tmdb', { b: 2 }, 3600);
    now = new Date('2026-12-01T00:00:59Z');
    expect(await cache.get('k1')).toEqual({ a: 1 });
    now = new Date('2026-12-01T00:01:01Z');
    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.get('k2')).toEqual({ b: 2 });
    // Written relative to the database's clock: one expired a minute ago, one expires in an hour.
    const live = new PostgresResponseCache(db.prisma);
    await live.set('fresh', 'rawg', { c: 3 }, 3600);
    await db.prisma.providerResponse.update({ where: { key: 'k1' }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    await db.prisma.providerResponse.update({ where: { key: 'k2' }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    const result = await pruneRetention({ prisma: db.prisma }, { suggestionRetentionDays: 180, reconcileWindowDays: 14 });
    expect(result.providerResponses).toBe(2);
    expect((await db.prisma.providerResponse.findMany({ select: { key: true } })).map((r) => r.key)).toEqual(['fresh']);
    await db.prisma.providerResponse.deleteMany();
  });

  it('lets every client share answers, keeps the API key out of keys and bodies, and refetches a cached body of the wrong shape', async () => {
    const cache = new PostgresResponseCache(db.prisma);
    const client = () => new RawgProvider({ apiKey: RAWG_EMULATOR_KEY, apiUrl: emu.url, cache, cacheTtlSeconds: 600, timeoutMs: 2000 });
    expect((await client().search('god of war')).map((g) => g.name)).toEqual(['God of War']);
    expect((await client().search('god of war')).map((g) => g.name)).toEqual(['God of War']);
    expect(emu.requests.filter((r) => r.path === '/api/games')).toHaveLength(1);
    const rows = await db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM provider_responses WHERE provider = 'rawg' AND (key || body::text) LIKE ${`%${RAWG_EMULATOR_KEY}%`}`;
    expect(Number(rows[0]!.n)).toBe(0);
    await db.prisma.providerResponse.updateMany({ where: { provider: 'rawg' }, data: { body: { results: 'stale shape' } } });
    expect((await client().search('god of war')).map((g) => g.name)).toEqual(['God of War']);
    expect(emu.requests.filter((r) => r.path === '/api/games')).toHaveLength(2);
  });
});
