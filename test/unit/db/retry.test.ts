import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../../src/db/client.ts';
import { isDatabaseUnavailable, withDatabaseRetry } from '../../../src/db/retry.ts';

const unreachable = () => Object.assign(new Error('Can\u2019t reach'), { code: 'P1001' });
const policy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 250 };

describe('isDatabaseUnavailable', () => {
  it('recognises Prisma, driver-adapter and pg connection failures, and not query errors', () => {
    expect(isDatabaseUnavailable(unreachable())).toBe(true);
    expect(isDatabaseUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P2002', meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } } })).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Unique constraint failed'), { code: 'P2002' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('withDatabaseRetry', () => {
  it('retries while unreachable with growing, capped waits, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withDatabaseRetry(
      async () => {
        if (++calls < 4) throw unreachable();
        return 'stored';
      },
      policy,
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('stored');
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    // Doubling from 100 with ±25 % jitter, capped at 250.
    expect(waits[0]).toBeGreaterThanOrEqual(75);
    expect(waits[0]).toBeLessThanOrEqual(125);
    expect(waits[2]).toBeLessThanOrEqual(313);
    expect(waits[2]).toBeGreaterThanOrEqual(187);
  });

  it('gives up after the budget with a DatabaseUnavailableError that carries no connection string', async () => {
    let calls = 0;
    const error = await withDatabaseRetry(
      async () => {
        calls++;
        throw Object.assign(new Error('connect ECONNREFUSED postgresql://u:hunter22@db:5432/x'), { code: 'ECONNREFUSED' });
      },
      policy,
      { sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).not.toMatch(/hunter22|postgresql:/);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(
      withDatabaseRetry(
        async () => {
          calls++;
          throw new RangeError('bad score');
        },
        policy,
        { sleep: async () => {} },
      ),
    ).rejects.toThrow(RangeError);
    expect(calls).toBe(1);
  });
});
