import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyDirectory } from '../../../src/api/keys.ts';
import { historyStamp } from '../../../src/api/answers.ts';
import { buildApiServer } from '../../../src/api/server.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { rateTitle } from '../../../src/ratings/store.ts';
import { createLoopMetrics } from '../../../src/observability/metrics.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, randomDaeModel, REDIS_URL, seedCatalogue, uniquePrefix, type GeneratedCatalogue } from '../worker/support.ts';

/*
 * The ranked-list cache of GET /api/users/{user}/recommendations: kept per (user, model version, filters) while the
 * member's history stamp holds, so every change the member makes (rating, changed rating, removed rating, hidden
 * title) is in the very next answer.
 */

const prefix = uniquePrefix('api-cache');
const WRITE = 'write-secret-0123456789abcdef';
const MEMBER = '123456789012345670';

let db: TestDatabase;
let catalogue: GeneratedCatalogue;
let serving: ServingModel;
let queues: Queues;
let redis: Redis;
let api: FastifyInstance;
let memberId: number;
/** The API process's way: Prisma and the history stamp's prepared statement over one node-postgres pool. */
let pool: pg.Pool;
const headers = { authorization: `Bearer ${WRITE}` };
const top = async (query = '') => {
  const answer = await api.inject({ method: 'GET', url: `/api/users/discord:${MEMBER}/recommendations?${query.includes('n=') ? query.slice(1) : `n=5${query}`}`, headers });
  expect(answer.statusCode).toBe(200);
  return (answer.json().items as { titleId: number }[]).map((i) => i.titleId);
};

beforeAll(async () => {
  db = await createTestDatabase();
  catalogue = await seedCatalogue(db.prisma, { titles: 120, users: 12 });
  const model = randomDaeModel(catalogue.titleIds, 8, 4);
  await promoteModelVersion(db.prisma, await saveModelVersion(db.prisma, { model, index: TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 40 }) }));
  memberId = (await db.prisma.user.create({ data: { source: 'discord', externalId: MEMBER } })).id;
  await db.prisma.rating.createMany({
    data: catalogue.byGenre
      .get('Genre1')!
      .slice(0, 5)
      .map((titleId) => ({ userId: memberId, titleId, value: 5, source: 'command' as const })),
  });
  serving = createServingModel({ prisma: db.prisma, deserialize: deserializeModel, pollIntervalMs: 0 });
  await serving.start();
  redis = new Redis(REDIS_URL);
  queues = createQueues(REDIS_URL, prefix);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  api = await buildApiServer({
    prisma: db.prisma,
    pool,
    serving,
    keys: keyDirectory(db.prisma, [{ name: 'writer', scope: 'write', secret: WRITE }]),
    queues,
    redis,
    registry: createLoopMetrics({ defaultMetrics: false }).registry,
    settings: { corsOrigins: [], rateLimit: { max: 10_000, windowSeconds: 60 }, bodyLimitBytes: 65_536, prefix },
  });
});

afterAll(async () => {
  await api?.close();
  await serving?.stop();
  await queues?.close();
  redis?.disconnect();
  await pool?.end();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('ranked-list cache', () => {
  it('serves the kept list while the history stamp holds (a change hidden from the stamp is not seen)', async () => {
    const first = await top();
    // A rating written behind the stamp's back (same count, same updated_at) does not reach the answer: it came from the cache.
    const stamp = await historyStamp(db.prisma, memberId, pool);
    // The prepared statement and the same query through Prisma read one stamp.
    expect(await historyStamp(db.prisma, memberId)).toBe(stamp);
    expect(stamp).toMatch(/^5:\d{4}-\d\d-\d\d [\d:.]+:0::$/);
    const old = await db.prisma.rating.findFirstOrThrow({ where: { userId: memberId } });
    await db.prisma.$executeRaw`UPDATE ratings SET title_id = ${first[0]!}, updated_at = ${old.updatedAt} WHERE user_id = ${memberId} AND title_id = ${old.titleId}`;
    expect(await historyStamp(db.prisma, memberId, pool)).toBe(stamp);
    expect(await top()).toEqual(first);
    await db.prisma.$executeRaw`UPDATE ratings SET title_id = ${old.titleId}, updated_at = ${old.updatedAt} WHERE user_id = ${memberId} AND title_id = ${first[0]!}`;
  });

  it('a new rating through the API changes the next answer', async () => {
    const before = await top();
    const put = await api.inject({ method: 'PUT', url: `/api/users/discord:${MEMBER}/ratings/${before[0]}`, headers, payload: { value: 4 } });
    expect(put.statusCode).toBe(200);
    const after = await top();
    expect(after).not.toContain(before[0]);
    // Ranked afresh from the new history: the same as a list under another key (nothing excluded by 999999).
    expect(after).toEqual((await api.inject({ method: 'GET', url: `/api/users/${memberId}/recommendations?n=5&exclude=999998`, headers })).json().items.map((i: { titleId: number }) => i.titleId));
  });

  it('a rating the bot stores (another process: nothing in this API process is told) is in the very next answer', async () => {
    const before = await top();
    expect(await top()).toEqual(before);
    await rateTitle(db.prisma, { discordId: MEMBER }, before[0]!, 5);
    const after = await top();
    expect(after).not.toContain(before[0]);
    expect(after).toEqual((await api.inject({ method: 'GET', url: `/api/users/${memberId}/recommendations?n=5&exclude=999996`, headers })).json().items.map((i: { titleId: number }) => i.titleId));
  });

  it('changing a rating, removing it and hiding a title each change the next answer', async () => {
    const rated = (await db.prisma.rating.findMany({ where: { userId: memberId }, orderBy: { updatedAt: 'desc' } }))[0]!;
    const stampBefore = await historyStamp(db.prisma, memberId, pool);
    // A changed value may rank differently; the stamp must move so the list is ranked again.
    await api.inject({ method: 'PUT', url: `/api/users/discord:${MEMBER}/ratings/${rated.titleId}`, headers, payload: { value: 1 } });
    expect(await historyStamp(db.prisma, memberId, pool)).not.toBe(stampBefore);
    const removed = await api.inject({ method: 'DELETE', url: `/api/users/discord:${MEMBER}/ratings/${rated.titleId}`, headers });
    expect(removed.statusCode).toBe(200);
    // Unrated again, the title may be recommended again: the answer is ranked afresh, not the cached one.
    const fresh = await top('&offset=0');
    const uncached = (await api.inject({ method: 'GET', url: `/api/users/${memberId}/recommendations?n=5&exclude=999999`, headers })).json().items.map((i: { titleId: number }) => i.titleId);
    expect(fresh).toEqual(uncached);
    const hidden = await api.inject({ method: 'POST', url: `/api/users/discord:${MEMBER}/hidden`, headers, payload: { titleId: fresh[0] } });
    expect(hidden.statusCode).toBeLessThan(300);
    expect(await top()).not.toContain(fresh[0]);
  });

  it("a page ranks only the list start it needs, and that start is the whole list's", async () => {
    const recommender = serving.current()!.recommender;
    const ratings = (await db.prisma.rating.findMany({ where: { userId: memberId } })).map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() }));
    const history = { userId: memberId, ratings, hidden: [] };
    const whole = recommender.recommendFor(history, { count: 100 });
    for (const first of [1, 10, 37, 100]) {
      const prefix = recommender.recommendPrefix(history, { count: 100 }, first);
      expect(prefix.items).toEqual(whole.slice(0, first));
      expect(prefix.total).toBe(whole.length);
    }
    // Pages of 7 through the API (each deeper page ranks more) join up into one list without repeats.
    const pages: number[] = [];
    for (let offset = 0; offset < 49; offset += 7) pages.push(...(await top(`&n=7&offset=${offset}`)));
    const one = (await api.inject({ method: 'GET', url: `/api/users/discord:${MEMBER}/recommendations?n=49&exclude=999997`, headers })).json().items.map((i: { titleId: number }) => i.titleId);
    expect(pages).toEqual(one);
  });

  it('a kept user reference follows the user: gone is 404, made again under the same Discord id is the new row', async () => {
    const ref = '123456789012345671';
    const first = await db.prisma.user.create({ data: { source: 'discord', externalId: ref } });
    const url = `/api/users/discord:${ref}/recommendations?n=3`;
    expect((await api.inject({ method: 'GET', url, headers })).json().userId).toBe(first.id);
    await db.prisma.user.delete({ where: { id: first.id } });
    const gone = await api.inject({ method: 'GET', url, headers });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().field).toBe('user');
    const again = await db.prisma.user.create({ data: { source: 'discord', externalId: ref } });
    const answer = await api.inject({ method: 'GET', url, headers });
    expect(answer.statusCode).toBe(200);
    expect(answer.json().userId).toBe(again.id);
    // Replaced between two requests: the kept id is gone, so the reference is resolved again in the same request.
    await db.prisma.user.delete({ where: { id: again.id } });
    const third = await db.prisma.user.create({ data: { source: 'discord', externalId: ref } });
    expect((await api.inject({ method: 'GET', url, headers })).json().userId).toBe(third.id);
  });

  it('filters are part of the key', async () => {
    const all = await top();
    const genre = await top('&genre=genre3');
    expect(genre).not.toEqual(all);
    expect(await top('&genre=genre3')).toEqual(genre);
  });
});
