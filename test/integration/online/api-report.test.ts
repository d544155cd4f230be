import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyDirectory } from '../../../src/api/keys.ts';
import { buildApiServer } from '../../../src/api/server.ts';
import { createLoopMetrics } from '../../../src/observability/metrics.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { recordSuggestions } from '../../../src/suggestions/records.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../worker/support.ts';

/* GET /api/reports/online through the real app, database and Redis: every auth failure, bad dates, the answer. */

const prefix = uniquePrefix('online-api');
const SECRETS = { read: 'read-secret-0123456789abcdef', write: 'write-secret-0123456789abcdef', admin: 'admin-secret-0123456789abcdef' };
const DAY = 86_400_000;

let db: TestDatabase;
let queues: Queues;
let redis: Redis;
let api: FastifyInstance;
let versionId: number;
const as = (scope: keyof typeof SECRETS) => ({ authorization: `Bearer ${SECRETS[scope]}` });
const get = (query: string, headers: Record<string, string> = as('admin')) => api.inject({ method: 'GET', url: `/api/reports/online${query}`, headers });

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.title.createMany({ data: [0, 1, 2, 3].map((i) => ({ name: `Film ${i}`, searchName: `film ${i}`, genres: ['Drama'], ratingCount: 2 })) });
  const titles = (await db.prisma.title.findMany({ orderBy: { id: 'asc' } })).map((t) => t.id);
  versionId = (await db.prisma.modelVersion.create({ data: { architecture: 'test', backend: 'cpu', dimension: 4 } })).id;
  await recordSuggestions(db.prisma, { discordId: '100000000000000001', displayName: 'alice' }, [
    { messageId: '900000000000000001', channelId: '1', guildId: '2', titleId: titles[0]!, position: 0, modelVersionId: versionId, reason: 'because', latencyMs: 12 },
    { messageId: '900000000000000002', channelId: '1', guildId: '2', titleId: titles[1]!, position: 1, modelVersionId: versionId, reason: 'because', latencyMs: 12 },
  ]);
  const alice = (await db.prisma.user.findFirstOrThrow({ where: { source: 'discord' } })).id;
  await db.prisma.rating.create({ data: { userId: alice, titleId: titles[0]!, value: 4.5, source: 'reaction' } });
  redis = new Redis(REDIS_URL);
  queues = createQueues(REDIS_URL, prefix);
  api = await buildApiServer({
    prisma: db.prisma,
    serving: { current: () => undefined },
    keys: keyDirectory(
      db.prisma,
      Object.entries(SECRETS).map(([scope, secret]) => ({ name: `${scope}-env`, scope: scope as 'read', secret })),
    ),
    queues,
    redis,
    registry: createLoopMetrics({ defaultMetrics: false }).registry,
    settings: { corsOrigins: [], rateLimit: { max: 10_000, windowSeconds: 60 }, bodyLimitBytes: 65_536, prefix },
  });
});

afterAll(async () => {
  await api?.close();
  await queues?.close();
  redis?.disconnect();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('GET /api/reports/online', () => {
  it('401 without a key, with a wrong one or a malformed header; 403 for read and write keys', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer not-a-real-key-at-all-000' }, { authorization: 'Basic abc' }, { 'x-api-key': 'wrong-key-0123456789abcdef' }]) {
      const answer = await get('', headers);
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toMatchObject({ error: 'unauthorized', field: 'authorization' });
    }
    for (const scope of ['read', 'write'] as const) {
      const answer = await get('', as(scope));
      expect(answer.statusCode).toBe(403);
      expect(answer.json().field).toBe('authorization');
    }
    expect((await get('', { 'x-api-key': SECRETS.admin })).statusCode).toBe(200);
  });

  it('the measures per version and day over the range, defaults ending now', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const answer = await get('');
    expect(answer.statusCode).toBe(200);
    const report = answer.json();
    expect(new Date(report.until).getTime() - new Date(report.since).getTime()).toBe(30 * DAY);
    expect(report.byVersion).toEqual([expect.objectContaining({ modelVersion: versionId, shown: 2, rated: 1, accepted: 1, acceptance: 0.5, meanRating: 4.5, latencyP50Ms: 12, coverage: 0.5 })]);
    expect(report.byDay).toEqual([expect.objectContaining({ day: today, modelVersion: versionId, shown: 2 })]);
    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const ranged = await get(`?since=${tomorrow}&until=${tomorrow}T12:00:00Z`);
    expect(ranged.statusCode).toBe(200);
    expect(ranged.json()).toMatchObject({ since: `${tomorrow}T00:00:00.000Z`, until: `${tomorrow}T12:00:00.000Z`, byVersion: [], byDay: [] });
  });

  it('400 naming the field for bad dates, a range that ends first, and unknown parameters; nothing 500s', async () => {
    const cases: [string, string][] = [
      ['?since=yesterday', 'since'],
      ['?since=2026-02-30', 'since'],
      ['?until=2026-13-01', 'until'],
      ['?until=%27%3B%20DROP%20TABLE%20suggestions%3B%20--', 'until'],
      ['?since=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'since'],
      ['?since=2026-11-10&until=2026-11-01', 'since'],
      ['?since=2026-11-10&until=2026-11-10', 'since'],
      [`?since=${'9'.repeat(60)}`, 'since'],
      ['?days=7', 'days'],
    ];
    for (const [query, field] of cases) {
      const answer = await get(query);
      expect(answer.statusCode, query).toBe(400);
      expect(answer.json(), query).toMatchObject({ error: 'invalid', field });
    }
    expect(await db.prisma.suggestion.count()).toBe(2);
  });

  it('appears in /api/openapi.json with its response schema and admin security', async () => {
    const doc = (await api.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const route = doc.paths['/api/reports/online'].get;
    expect(route.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(route.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['since', 'until']);
    const row = route.responses['200'].content['application/json'].schema.properties.byVersion.items;
    expect(Object.keys(row.properties)).toEqual(expect.arrayContaining(['acceptance', 'meanRating', 'hideRate', 'reactionRate', 'coverage', 'novelty', 'latencyP50Ms', 'latencyP95Ms']));
  });
});
