import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

/*
 * The per-key rate limit's counters, shared through Redis by every API process, without a Redis round trip per
 * request: a process takes a lease of several requests at once from the key's window counter (one INCRBY) and
 * hands them out locally until the lease or the window runs out. The counter in Redis only ever grows by whole
 * leases, so all processes together never let more than the limit through in a window; the price is that a
 * lease a process took and did not use in that window is lost to the others (P processes: at most P leases, each
 * 1/LEASE_SHARE of the limit, refused early). Limits under LEASE_SHARE requests a window lease one request at a
 * time: exactly the Redis store of @fastify/rate-limit.
 */

/** A lease is this share of the limit (1 % of the limit), and at least one request. */
export const LEASE_SHARE = 100;

/** INCRBY the window's counter by a lease; the first lease of a window starts it (PEXPIRE). Returns [counter, ms left]. */
const LEASE_SCRIPT = `
  local current = redis.call('INCRBY', KEYS[1], ARGV[2])
  if current == tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    return {current, tonumber(ARGV[1])}
  end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  return {current, ttl}`;

interface RedisWithLease extends Redis {
  tastebudRateLease(key: string, windowMs: number, size: number, callback: (error: Error | null | undefined, result?: [number, number]) => void): void;
}

/** What this process holds of one key's current window: the window-wide counter positions next..last. */
interface Lease {
  next: number;
  last: number;
  /** Date.now() at which the window (and with it the lease) ends. */
  endsAt: number;
}

/** The size of a lease for a limit of `max` requests a window. */
export function leaseSize(max: number): number {
  return Math.max(1, Math.floor(max / LEASE_SHARE));
}

class LeasedRedisStore implements FastifyRateLimitStore {
  private readonly leases = new Map<string, Lease>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: RedisWithLease,
    private readonly prefix: string,
  ) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number): void {
    if (this.take(key, callback)) return;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.lease(key, timeWindow, leaseSize(max)).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    // Requests that came while the lease was on its way share it; those it cannot serve ask for the next one.
    pending.then(
      () => (this.take(key, callback) ? undefined : this.incr(key, callback, timeWindow, max)),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** A route's own limit (e.g. dashboard logins): its own counters, named as the plugin's Redis store names them. */
  child(routeOptions: object): FastifyRateLimitStore {
    // The plugin passes the route's merged limit options, with the route under routeInfo (its types say otherwise).
    const route = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
    return new LeasedRedisStore(this.redis, `${this.prefix}${route?.method ?? ''}${route?.url ?? ''}-`);
  }

  /** Serves one request from the key's lease, if it holds one for the current window. */
  private take(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void): boolean {
    const lease = this.leases.get(key);
    const now = Date.now();
    if (!lease || now >= lease.endsAt || lease.next > lease.last) return false;
    callback(null, { current: lease.next++, ttl: lease.endsAt - now });
    return true;
  }

  private lease(key: string, windowMs: number, size: number): Promise<void> {
    // The window's end counted from before the question, so a lease never outlives its window in Redis.
    const asked = Date.now();
    return new Promise((resolve, reject) => {
      this.redis.tastebudRateLease(this.prefix + key, windowMs, size, (error, result) => {
        if (error || !result) return reject(error ?? new Error('no answer from Redis for the rate-limit lease'));
        const [counter, ttl] = result;
        // At least 1 ms past now, so the requests waiting for this lease are served from it rather than asking again.
        this.leases.set(key, { next: counter - size + 1, last: counter, endsAt: Math.max(asked + ttl, Date.now() + 1) });
        if (this.leases.size > 10_000) this.dropEnded();
        resolve();
      });
    });
  }

  /** Forgets leases whose window is over (many keys, e.g. logins per address, would otherwise pile up). */
  private dropEnded(): void {
    const now = Date.now();
    for (const [key, lease] of this.leases) if (now >= lease.endsAt) this.leases.delete(key);
  }
}

/**
 * A @fastify/rate-limit store over `redis` whose counters live under `prefix` (the plugin's `nameSpace`), leasing
 * 1/{@link LEASE_SHARE} of each limit at a time (see the top of this module for what that trades).
 */
export function leasedRedisStore(redis: Redis, prefix: string): FastifyRateLimitStoreCtor {
  const leasing = redis as RedisWithLease;
  if (typeof leasing.tastebudRateLease !== 'function') redis.defineCommand('tastebudRateLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  // The plugin constructs its store itself (`new Store(options)`); this one is bound to the connection and prefix.
  return class extends LeasedRedisStore {
    constructor() {
      super(leasing, prefix);
    }
  };
}
