/**
 * Provider responses kept in PostgreSQL (provider_responses), so every process and restart reuses them until they
 * expire. The worker's prune job (jobs/prune.ts) deletes expired ones.
 */
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { ResponseCache } from './http.ts';
import type { ProviderName } from './types.ts';

export type CacheDb = Pick<PrismaClient, 'providerResponse'>;

export class PostgresResponseCache implements ResponseCache {
  constructor(
    private readonly db: CacheDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(key: string): Promise<unknown> {
    const row = await this.db.providerResponse.findUnique({ where: { key }, select: { body: true, expiresAt: true } });
    return row && row.expiresAt > this.now() ? row.body : undefined;
  }

  async set(key: string, provider: ProviderName, body: unknown, ttlSeconds: number): Promise<void> {
    if (ttlSeconds <= 0) return;
    const fetchedAt = this.now();
    const expiresAt = new Date(fetchedAt.getTime() + ttlSeconds * 1000);
    const data = { provider, body: body as Prisma.InputJsonValue, fetchedAt, expiresAt };
    await this.db.providerResponse.upsert({ where: { key }, create: { key, ...data }, update: data });
  }
}
