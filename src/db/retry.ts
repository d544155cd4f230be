import { DatabaseUnavailableError } from './client.ts';

/** How long to keep trying while PostgreSQL is unreachable: `attempts` tries, the wait doubling from `initialDelayMs` up to `maxDelayMs`. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** About 6 s of retries: long enough for a PostgreSQL restart or failover, short enough for a deferred reply. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 200, maxDelayMs: 2_000 };

const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNREACHABLE_DRIVER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'DatabaseDoesNotExist']);
const UNREACHABLE_PG_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);

/**
 * Whether an error means PostgreSQL could not be reached or dropped the connection (as opposed to a
 * query that is wrong). Looks through Prisma's wrapping: the code, the driver adapter error and its cause.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const any = e as { name?: unknown; code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    if (any instanceof DatabaseUnavailableError) return true;
    if (any.name === 'PrismaClientInitializationError') return true;
    if (typeof any.code === 'string' && (UNREACHABLE_PRISMA_CODES.has(any.code) || UNREACHABLE_PG_CODES.has(any.code))) return true;
    if (typeof any.kind === 'string' && UNREACHABLE_DRIVER_KINDS.has(any.kind)) return true;
    if (typeof any.originalCode === 'string' && UNREACHABLE_PG_CODES.has(any.originalCode)) return true;
    if (typeof any.message === 'string' && /Connection terminated|connection (?:is )?closed|Can't reach database server/i.test(any.message)) return true;
    queue.push(any.cause, any.meta?.driverAdapterError);
  }
  return false;
}

/**
 * Runs `work`, retrying with exponential backoff (and jitter) while the database is unreachable.
 * Other errors pass through at once. After the budget it throws a {@link DatabaseUnavailableError}
 * (no connection string in it) with the last failure as its cause. `work` must be safe to repeat:
 * a transaction that failed was rolled back as a whole.
 */
export async function withDatabaseRetry<T>(
  work: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: { onRetry?(attempt: number, delayMs: number, error: unknown): void; sleep?(ms: number): Promise<void> } = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delay = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      if (attempt >= policy.attempts) {
        throw new DatabaseUnavailableError(`PostgreSQL is unreachable (gave up after ${attempt} attempts).`, { cause: error });
      }
      const wait = Math.round(delay * (0.75 + Math.random() * 0.5));
      hooks.onRetry?.(attempt, wait, error);
      await sleep(wait);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
