import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, keyDirectory, revokeApiKey } from '../../../src/api/keys.ts';
import type { ApiDependencies } from '../../../src/api/context.ts';
import { buildApiServer } from '../../../src/api/server.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { trainModel } from '../../../src/model/train.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { createLoopMetrics } from '../../../src/observability/metrics.ts';
import { OutboxDispatcher, queueSink } from '../../../src/queue/outbox.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, REDIS_URL, seedCatalogue, uniquePrefix, waitFor, type GeneratedCatalogue } from '../worker/support.ts';

const prefix = uniquePrefix('api');
const SECRETS = { read: 'read-secret-0123456789abcdef', write: 'write-secret-0123456789abcdef', admin: 'admin-secret-0123456789abcdef' };
const MEMBER = '123456789012345678';
const HOSTILE = ["'; DROP TABLE users; --", '<script>alert(1)</script>', '1 OR 1=1'];

let db: TestDatabase;
let catalogue: GeneratedCatalogue;
let serving: ServingModel;
let queues: Queues;
let redis: Redis;
let dispatcher: OutboxDispatcher;
let versionId: number;
let memberId: number;
let storedKey: string;
const apps: FastifyInstance[] = [];

/** One write request of the bad-input table. */
interface Write {
  method: 'PUT' | 'POST' | 'DELETE';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

async function app(overrides: Partial<ApiDependencies['settings']> = {}): Promise<FastifyInstance> {
  const built = await buildApiServer({
    prisma: db.prisma,
    serving,
    keys: keyDirectory(
      db.prisma,
      Object.entries(SECRETS).map(([scope, secret]) => ({ name: `${scope}-env`, scope: scope as 'read', secret })),
    ),
    queues,
    redis,
    registry: createLoopMetrics({ defaultMetrics: false }).registry,
    ratingsChanged: () => dispatcher.kick(),
    settings: { corsOrigins: [], rateLimit: { max: 10_000, windowSeconds: 60 }, bodyLimitBytes: 65_536, prefix, ...overrides },
  });
  apps.push(built);
  return built;
}

let api: FastifyInstance;
const as = (scope: keyof typeof SECRETS) => ({ authorization: `Bearer ${SECRETS[scope]}` });
const get = (url: string, scope: keyof typeof SECRETS = 'read') => api.inject({ method: 'GET', url, headers: as(scope) });

beforeAll(async () => {
  db = await createTestDatabase();
  catalogue = await seedCatalogue(db.prisma, { titles: 160, users: 12 });
  // A small model trained by the real trainer on the seeded ratings (cpu backend), as the worker would.
  const ratings = (await db.prisma.rating.findMany()).map((r) => ({ userId: r.userId, titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() }));
  const model = await trainModel({ ratings, titleIds: catalogue.titleIds }, { dimension: 8, epochs: 5, batchSize: 8, patience: 20, validationFraction: 0, learningRate: 0.01, backend: 'cpu' });
  versionId = await saveModelVersion(db.prisma, { model, index: TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 40 }) });
  await promoteModelVersion(db.prisma, versionId);
  const member = await db.prisma.user.create({ data: { source: 'discord', externalId: MEMBER, displayName: 'alice' } });
  memberId = member.id;
  await db.prisma.rating.createMany({
    data: catalogue.byGenre
      .get('Genre1')!
      .slice(0, 6)
      .map((titleId) => ({ userId: memberId, titleId, value: 5, source: 'command' as const })),
  });
  serving = createServingModel({ prisma: db.prisma, deserialize: deserializeModel, pollIntervalMs: 0 });
  await serving.start();
  redis = new Redis(REDIS_URL);
  queues = createQueues(REDIS_URL, prefix);
  dispatcher = new OutboxDispatcher({ prisma: db.prisma, sink: queueSink(queues) });
  storedKey = (await createApiKey(db.prisma, { name: 'stored', scope: 'write' })).key;
  api = await app();
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await dispatcher?.stop();
  await serving?.stop();
  await queues?.close();
  redis?.disconnect();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('auth', () => {
  it('401 without a key or with a wrong one; the key may come as Bearer or X-API-Key', async () => {
    const none = await api.inject({ method: 'GET', url: '/api/popular' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'unauthorized', field: 'authorization' });
    expect((await api.inject({ method: 'GET', url: '/api/popular', headers: { authorization: 'Bearer not-a-real-key-at-all-000' } })).statusCode).toBe(401);
    expect((await api.inject({ method: 'GET', url: '/api/popular', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
    expect((await api.inject({ method: 'GET', url: '/api/popular', headers: { 'x-api-key': SECRETS.read } })).statusCode).toBe(200);
    expect((await api.inject({ method: 'GET', url: '/api/popular', headers: { 'x-api-key': storedKey } })).statusCode).toBe(200);
  });

  it('403 when the scope is too small: read cannot write, write cannot retrain', async () => {
    const put = await api.inject({ method: 'PUT', url: `/api/users/discord:${MEMBER}/ratings/${catalogue.titleIds[0]}`, headers: as('read'), payload: { value: 4 } });
    expect(put.statusCode).toBe(403);
    expect(put.json().field).toBe('authorization');
    expect((await api.inject({ method: 'POST', url: '/api/models/retrain', headers: as('write') })).statusCode).toBe(403);
    expect((await api.inject({ method: 'POST', url: `/api/users/discord:${MEMBER}/hidden`, headers: as('read'), payload: { titleId: 1 } })).statusCode).toBe(403);
  });

  it('a revoked stored key gets 401', async () => {
    const { key } = await createApiKey(db.prisma, { name: 'short-lived', scope: 'read' });
    expect((await api.inject({ method: 'GET', url: '/api/models', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    await revokeApiKey(db.prisma, 'short-lived');
    expect((await api.inject({ method: 'GET', url: '/api/models', headers: { 'x-api-key': key } })).statusCode).toBe(401);
    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { name: 'short-lived' } });
    expect(row.keyHash).not.toContain(key);
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('429 with Retry-After past the per-key budget, counted per key', async () => {
    const limited = await app({ rateLimit: { max: 2, windowSeconds: 60 }, prefix: `${prefix}-rl` });
    const call = (scope: keyof typeof SECRETS) => limited.inject({ method: 'GET', url: '/api/models', headers: as(scope) });
    expect((await call('read')).statusCode).toBe(200);
    expect((await call('read')).statusCode).toBe(200);
    const third = await call('read');
    expect(third.statusCode).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(third.json().error).toBe('rate_limited');
    expect((await call('admin')).statusCode).toBe(200);
    await dropPrefix(`${prefix}-rl`);
  });

  it('CORS is closed unless origins are configured', async () => {
    const closed = await api.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(closed.headers['access-control-allow-origin']).toBeUndefined();
    const open = await app({ corsOrigins: ['https://ok.example'] });
    const allowed = await open.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://ok.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ok.example');
  });
});

describe('recommendations', () => {
  it('pages through one ranked list without repeats, each page naming the model version', async () => {
    const seen: number[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const res = await get(`/api/users/discord:${MEMBER}/recommendations?n=30&offset=${offset}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.modelVersion).toBe(versionId);
      expect(body.personal).toBe(true);
      seen.push(...body.items.map((i: { titleId: number }) => i.titleId));
      offset = body.nextOffset;
    }
    expect(seen.length).toBe(100);
    expect(new Set(seen).size).toBe(seen.length);
    const rated = new Set((await db.prisma.rating.findMany({ where: { userId: memberId } })).map((r) => r.titleId));
    expect(seen.some((id) => rated.has(id))).toBe(false);
    const again = (await get(`/api/users/${memberId}/recommendations?n=30&offset=30`)).json();
    expect(again.items.map((i: { titleId: number }) => i.titleId)).toEqual(seen.slice(30, 60));
  });

  it('filters by genre and kind, and leaves out excluded titles', async () => {
    const genre = (await get(`/api/users/discord:${MEMBER}/recommendations?n=5&genre=genre2`)).json();
    expect(genre.items.length).toBe(5);
    expect(genre.items.every((i: { genres: string[] }) => i.genres.includes('Genre2'))).toBe(true);
    const first = (await get(`/api/users/discord:${MEMBER}/recommendations?n=3`)).json().items.map((i: { titleId: number }) => i.titleId);
    const without = (await get(`/api/users/discord:${MEMBER}/recommendations?n=3&exclude=${first.join(',')}`)).json().items.map((i: { titleId: number }) => i.titleId);
    expect(without.some((id: number) => first.includes(id))).toBe(false);
    expect((await get(`/api/users/movielens:1/recommendations?n=2&kind=movie`)).json().items).toHaveLength(2);
  });

  it('bad input is a 400 or 404 naming the field', async () => {
    const cases: [string, number, string][] = [
      [`/api/users/discord:${MEMBER}/recommendations?n=0`, 400, 'n'],
      [`/api/users/discord:${MEMBER}/recommendations?n=500`, 400, 'n'],
      [`/api/users/discord:${MEMBER}/recommendations?n=abc`, 400, 'n'],
      [`/api/users/discord:${MEMBER}/recommendations?offset=-1`, 400, 'offset'],
      [`/api/users/discord:${MEMBER}/recommendations?kind=spaceship`, 400, 'kind'],
      [`/api/users/discord:${MEMBER}/recommendations?genre=Noir`, 400, 'genre'],
      [`/api/users/discord:${MEMBER}/recommendations?exclude=1,x`, 400, 'exclude'],
      [`/api/users/discord:${MEMBER}/recommendations?bogus=1`, 400, 'bogus'],
      ['/api/users/discord:999999999999999999/recommendations', 404, 'user'],
      ['/api/users/99999999999/recommendations', 404, 'user'],
      ['/api/popular?n=51', 400, 'n'],
      ['/api/popular?kind=spaceship', 400, 'kind'],
      ['/api/titles/search?n=5', 400, 'q'],
      ['/api/titles/search?q=film&kind=spaceship', 400, 'kind'],
      ['/api/titles/999999', 404, 'id'],
      ['/api/titles/abc', 400, 'id'],
      ['/api/titles/999999/similar', 404, 'id'],
      [`/api/titles/${catalogue.titleIds[0]}/similar?n=0`, 400, 'n'],
      ['/api/users/nobody', 400, 'user'],
    ];
    for (const [url, status, field] of cases) {
      const res = await get(url);
      expect({ url, status: res.statusCode, field: res.json().field }).toEqual({ url, status, field });
    }
    for (const hostile of HOSTILE) {
      const encoded = encodeURIComponent(hostile);
      for (const url of [
        `/api/users/${encoded}/recommendations`,
        `/api/users/discord:${MEMBER}/recommendations?genre=${encoded}`,
        `/api/users/discord:${MEMBER}/recommendations?kind=${encoded}`,
        `/api/users/${encoded}`,
      ]) {
        const res = await get(url);
        expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, url).toBeLessThan(500);
        expect(res.json().field, url).toBeTruthy();
      }
      // Free text search takes any text: no 500, and the text is only ever a bound parameter.
      expect((await get(`/api/titles/search?q=${encoded}`)).statusCode).toBe(200);
    }
    expect(await db.prisma.user.count()).toBe(13);
  });
});

describe('titles and popular', () => {
  it('popular, search, one title and similar titles carry the model version', async () => {
    const popular = (await get('/api/popular?n=4&genre=Genre0')).json();
    expect(popular.modelVersion).toBe(versionId);
    expect(popular.items).toHaveLength(4);
    expect(popular.items.every((i: { genres: string[] }) => i.genres.includes('Genre0'))).toBe(true);
    const search = (await get('/api/titles/search?q=film%2012&n=3')).json();
    expect(search.items[0].name).toBe('Film 12');
    const id = search.items[0].titleId;
    const title = (await get(`/api/titles/${id}`)).json();
    expect(title).toMatchObject({ titleId: id, name: 'Film 12', inModel: true, modelVersion: versionId });
    const similar = (await get(`/api/titles/${id}/similar?n=5`)).json();
    expect(similar).toMatchObject({ titleId: id, modelVersion: versionId, basis: 'model' });
    expect(similar.items).toHaveLength(5);
    expect(similar.items.some((i: { titleId: number }) => i.titleId === id)).toBe(false);
  });
});

describe('ratings, hidden titles and profiles', () => {
  const title = () => catalogue.byGenre.get('Genre3')![0]!;

  it('a PUT rating is stored like /rate: the rating, its outbox row, and the user-embedding job on the queue', async () => {
    const before = await db.prisma.outboxEvent.count();
    const res = await api.inject({ method: 'PUT', url: `/api/users/discord:${MEMBER}/ratings/${title()}`, headers: as('write'), payload: { value: 4.5 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userId: memberId, titleId: title(), value: 4.5, previous: null });
    expect((await db.prisma.rating.findUniqueOrThrow({ where: { userId_titleId: { userId: memberId, titleId: title() } } })).source).toBe('command');
    expect(await db.prisma.outboxEvent.count()).toBe(before + 1);
    await waitFor(async () => (await queues.userEmbedding.getJobs(['waiting', 'delayed', 'prioritized'])).some((j) => j.data.userId === memberId), 'the user-embedding job');
    const recs = (await get(`/api/users/discord:${MEMBER}/recommendations?n=50`)).json();
    expect(recs.items.some((i: { titleId: number }) => i.titleId === title())).toBe(false);
  });

  it('DELETE removes the rating with an outbox row; a second DELETE is a 404', async () => {
    const before = await db.prisma.outboxEvent.count();
    const res = await api.inject({ method: 'DELETE', url: `/api/users/${memberId}/ratings/${title()}`, headers: as('write') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ value: null, previous: 4.5 });
    expect(await db.prisma.outboxEvent.count()).toBe(before + 1);
    const again = await api.inject({ method: 'DELETE', url: `/api/users/${memberId}/ratings/${title()}`, headers: as('write') });
    expect(again.statusCode).toBe(404);
  });

  it('bad writes store nothing: a 7, a non-number, malformed JSON, a 10 MB body, unknown title, dataset user, hostile strings', async () => {
    const ratings = await db.prisma.rating.count();
    const url = `/api/users/discord:${MEMBER}/ratings/${title()}`;
    const cases: [Write, number, string][] = [
      [{ method: 'PUT', url, payload: { value: 7 } }, 400, 'value'],
      [{ method: 'PUT', url, payload: { value: 3.3 } }, 400, 'value'],
      [{ method: 'PUT', url, payload: { value: 'five' } }, 400, 'value'],
      [{ method: 'PUT', url, payload: {} }, 400, 'value'],
      [{ method: 'PUT', url, payload: { value: 4, extra: '<script>' } }, 400, 'extra'],
      [{ method: 'PUT', url, payload: '{"value": 4', headers: { 'content-type': 'application/json' } }, 400, 'body'],
      [{ method: 'PUT', url, payload: '', headers: { 'content-type': 'application/json' } }, 400, 'body'],
      [{ method: 'PUT', url }, 400, 'body'],
      [{ method: 'PUT', url, payload: 'value=4', headers: { 'content-type': 'text/plain' } }, 400, 'body'],
      [{ method: 'PUT', url, payload: '<value>4</value>', headers: { 'content-type': 'application/xml' } }, 415, 'body'],
      [{ method: 'PUT', url, payload: JSON.stringify({ value: 4, pad: 'x'.repeat(10 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }, 413, 'body'],
      [{ method: 'PUT', url: `/api/users/discord:${MEMBER}/ratings/999999`, payload: { value: 4 } }, 404, 'title'],
      [{ method: 'PUT', url: `/api/users/movielens:1/ratings/${title()}`, payload: { value: 4 } }, 400, 'user'],
      [{ method: 'PUT', url: `/api/users/discord:100000000000000001/ratings/${title()}`, payload: { value: 4 } }, 404, 'user'],
      [{ method: 'PUT', url: `/api/users/discord:1/ratings/${title()}`, payload: { value: 4 } }, 400, 'user'],
      ...HOSTILE.map((h): [Write, number, string] => [{ method: 'PUT', url: `/api/users/${encodeURIComponent(h)}/ratings/${title()}`, payload: { value: 4 } }, 400, 'user']),
      ...HOSTILE.map((h): [Write, number, string] => [{ method: 'PUT', url, payload: { value: h } }, 400, 'value']),
      ...HOSTILE.map((h): [Write, number, string] => [{ method: 'POST', url: `/api/users/discord:${MEMBER}/hidden`, payload: { titleId: h } }, 400, 'titleId']),
    ];
    for (const [request, status, field] of cases) {
      const res = await api.inject({ ...request, payload: request.payload as string | object, headers: { ...as('write'), ...request.headers } });
      expect({ url: request.url, status: res.statusCode, field: res.json().field }).toEqual({ url: request.url, status, field });
    }
    expect(await db.prisma.rating.count()).toBe(ratings);
    expect(await db.prisma.hiddenTitle.count()).toBe(0);
  });

  it('POST hidden keeps the title out of every later page', async () => {
    const top = (await get(`/api/users/discord:${MEMBER}/recommendations?n=1`)).json().items[0].titleId;
    const res = await api.inject({ method: 'POST', url: `/api/users/discord:${MEMBER}/hidden`, headers: as('write'), payload: { titleId: top } });
    expect(res.json()).toMatchObject({ hidden: true, changed: true });
    const all = (await get(`/api/users/discord:${MEMBER}/recommendations?n=50`)).json().items.map((i: { titleId: number }) => i.titleId);
    expect(all).not.toContain(top);
  });

  it('a private profile is 403 to read keys and shown to admin keys; a public one to everyone', async () => {
    const hidden = await get(`/api/users/discord:${MEMBER}`);
    expect(hidden.statusCode).toBe(403);
    expect(hidden.json().field).toBe('user');
    const admin = await get(`/api/users/discord:${MEMBER}`, 'admin');
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toMatchObject({ userId: memberId, displayName: 'alice', ratingCount: 6, hiddenCount: 1 });
    await db.prisma.user.update({ where: { id: memberId }, data: { profilePublic: true } });
    expect((await get(`/api/users/discord:${MEMBER}`)).json().favouriteGenres[0].genre).toBe('Genre1');
  });
});

describe('models, health and docs', () => {
  it('lists versions with the serving one; an admin retrain queues the same job /admin retrain does', async () => {
    const models = (await get('/api/models')).json();
    expect(models.servingVersion).toBe(versionId);
    expect(models.versions[0]).toMatchObject({ id: versionId, status: 'active' });
    const res = await api.inject({ method: 'POST', url: '/api/models/retrain', headers: as('admin') });
    expect(res.statusCode).toBe(202);
    const job = await queues.retrain.getJob(res.json().jobId);
    expect(job?.data.requestedBy).toBe('api:admin-env');
  });

  it('serves healthz, readyz, metrics, the OpenAPI document and the docs page without a key', async () => {
    expect((await api.inject('/healthz')).json().status).toBe('ok');
    const ready = await api.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', modelVersion: versionId, checks: { database: { ok: true }, redis: { ok: true }, model: { ok: true } } });
    expect((await api.inject('/metrics')).body).toContain('tastebud_active_model_version');
    const spec = (await api.inject('/api/openapi.json')).json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/users/{user}/recommendations',
      '/api/titles/{id}/similar',
      '/api/popular',
      '/api/titles/search',
      '/api/titles/{id}',
      '/api/users/{user}/ratings/{title}',
      '/api/users/{user}/hidden',
      '/api/users/{user}',
      '/api/models',
      '/api/models/retrain',
    ]) {
      expect(spec.paths[path], path).toBeDefined();
    }
    expect(spec.paths['/api/users/{user}/ratings/{title}'].put.requestBody).toBeDefined();
    const docs = await api.inject('/api/docs');
    expect(docs.headers['content-type']).toContain('text/html');
    expect(docs.body).toContain('/api/users/{user}/recommendations');
    expect((await api.inject('/nowhere')).json().error).toBe('not_found');
  });

  it('answers over a real port too', async () => {
    const onPort = await app();
    await onPort.listen({ port: 0, host: '127.0.0.1' });
    const { port } = onPort.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/api/popular?n=2`, { headers: { 'x-api-key': SECRETS.read } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(2);
    expect((await fetch(`http://127.0.0.1:${port}/api/popular`)).status).toBe(401);
  });
});
