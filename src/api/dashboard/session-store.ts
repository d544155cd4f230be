import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { Redis } from 'ioredis';

/** The dashboard's session cookie: a signed random session id, nothing else. */
export const SESSION_COOKIE = 'tb_dashboard';

type Callbacks = Parameters<SessionStore['get']>[1];

/**
 * Dashboard sessions in Redis (under `<prefix>:dashboard-session:`), so a logout ends the session on every API
 * process and a session expires by itself when its cookie does. The store interface is express-session's, which
 * @fastify/session uses: set, get and destroy with callbacks.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Lifetime of a session without a cookie expiry, in seconds. */
    private readonly ttlSeconds: number,
  ) {}

  private key(sessionId: string): string {
    return `${this.prefix}:dashboard-session:${sessionId}`;
  }

  private ttlOf(session: Session): number {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires).getTime() : NaN;
    const left = Math.ceil((expires - Date.now()) / 1000);
    return Number.isFinite(left) ? Math.max(1, Math.min(left, this.ttlSeconds)) : this.ttlSeconds;
  }

  set(sessionId: string, session: Session, callback: (error?: unknown) => void): void {
    this.redis.set(this.key(sessionId), JSON.stringify(session), 'EX', this.ttlOf(session)).then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  get(sessionId: string, callback: Callbacks): void {
    this.redis.get(this.key(sessionId)).then(
      (text) => {
        if (text === null) return callback(null, null);
        try {
          callback(null, JSON.parse(text) as Session);
        } catch {
          callback(null, null);
        }
      },
      (error: Error) => callback(error),
    );
  }

  destroy(sessionId: string, callback: (error?: unknown) => void): void {
    this.redis.del(this.key(sessionId)).then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }
}
