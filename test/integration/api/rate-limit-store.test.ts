import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leasedRedisStore, leaseSize } from '../../../src/api/rate-limit-store.ts';
import { dropPrefix, REDIS_URL, uniquePrefix, waitFor } from '../worker/support.ts';

/*
 * The leased per-key rate limit on a real Redis: several app instances (as several API processes would) share one
 * window counter, never let more than the limit through together, and ask Redis once per lease, not per request.
 */

const prefix = uniquePrefix('api-rate-lease');
const redis: Redis[] = [];
const apps: FastifyInstance[] = [];

/** One "API process": its own Redis connection and store, the plugin as src/api/server.ts registers it. */
async function apiProcess(max: number, windowMs = 60_000, space = `${prefix}:api-rate:`): Promise<FastifyInstance> {
  const connection = new Redis(REDIS_URL);
  redis.push(connection);
  const app = Fastify();
  await app.register(rateLimit, { global: true, max, timeWindow: windowMs, store: leasedRedisStore(connection, space), keyGenerator: (request) => String(request.headers['x-key'] ?? 'anyone') });
  app.get('/', async () => ({ ok: true }));
  apps.push(app);
  return app;
}

const ask = (app: FastifyInstance, key: string) => app.inject({ method: 'GET', url: '/', headers: { 'x-key': key } });
let reader: Redis;
const counter = async (key: string, space = `${prefix}:api-rate:`) => Number((await reader.get(`${space}${key}`)) ?? 0);

beforeAll(() => {
  reader = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  for (const connection of redis) connection.disconnect();
  reader?.disconnect();
  await dropPrefix(prefix);
});

describe('leased rate-limit store', () => {
  it('asks Redis once per lease of 1 % of the limit, and counts the lease down locally', async () => {
    const app = await apiProcess(1000);
    expect(leaseSize(1000)).toBe(10);
    expect((await ask(app, 'a')).statusCode).toBe(200);
    expect(await counter('a')).toBe(10);
    for (let i = 0; i < 9; i++) expect((await ask(app, 'a')).statusCode).toBe(200);
    expect(await counter('a')).toBe(10);
    const eleventh = await ask(app, 'a');
    expect(eleventh.statusCode).toBe(200);
    expect(Number(eleventh.headers['x-ratelimit-remaining'])).toBe(1000 - 11);
    expect(await counter('a')).toBe(20);
  });

  it('requests arriving together share the lease on its way instead of each asking Redis', async () => {
    const app = await apiProcess(1000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => ask(app, 'burst')));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(await counter('burst')).toBe(50);
  });

  it('several processes together never let more than the limit through in a window', async () => {
    const max = 300;
    const [one, two, three] = [await apiProcess(max), await apiProcess(max), await apiProcess(max)];
    let passed = 0;
    for (let i = 0; i < 400; i++) {
      const answer = await ask([one, two, three][i % 3]!, 'shared');
      if (answer.statusCode === 200) passed++;
      else expect(answer.statusCode).toBe(429);
    }
    // Each process may hold at most one lease (3 requests) unused when the counter reaches the limit.
    expect(passed).toBeLessThanOrEqual(max);
    expect(passed).toBeGreaterThan(max - 3 * leaseSize(max));
    expect((await ask(one, 'shared')).statusCode).toBe(429);
    // Another key has its own budget.
    expect((await ask(two, 'other')).statusCode).toBe(200);
  });

  it('a limit under 100 a window leases one request at a time: exactly the limit, 429 past it', async () => {
    const [one, two] = [await apiProcess(5), await apiProcess(5)];
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push((await ask(i % 2 ? two : one, 'small')).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('a new window starts with a new counter, also for a process that still held part of a lease', async () => {
    const space = `${prefix}:short:`;
    const app = await apiProcess(200, 400, space);
    expect((await ask(app, 'w')).statusCode).toBe(200);
    expect(await counter('w', space)).toBe(2);
    for (let i = 0; i < 250 && (await ask(app, 'w')).statusCode === 200; i++);
    expect((await ask(app, 'w')).statusCode).toBe(429);
    await waitFor(async () => (await reader.exists(`${space}w`)) === 0, 'the window to end', 10_000, 20);
    expect((await ask(app, 'w')).statusCode).toBe(200);
    expect(await counter('w', space)).toBe(2);
  });
});
