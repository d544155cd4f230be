import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { Queues } from '../queue/queues.ts';
import type { ServingModel } from '../serving/serving-model.ts';
import type { ApiAnswers, StatementPool } from './answers.ts';
import type { OnlineReportSource } from './dashboard/online-source.ts';
import type { KeyDirectory } from './keys.ts';

/*
 * The types server.ts builds and every route module reads, in a module of their own so imports go one way:
 * server.ts -> routes/* and dashboard/* -> context.ts, never back to server.ts.
 */

/** What the API process gives the dashboard. */
export interface DashboardSettings {
  /** Signs the session cookie (DASHBOARD_SESSION_SECRET, or a random one per start); at least 32 characters. */
  sessionSecret: string;
  sessionHours: number;
  /** The online measures; undefined: the panel says they are not available. */
  onlineReport?: OnlineReportSource;
}

/** Everything the API process hands the app; tests pass their own database, Redis and holder. */
export interface ApiDependencies {
  prisma: PrismaClient;
  /** The node-postgres pool `prisma` runs over (the API process's); per-request statements run on it prepared. */
  pool?: StatementPool;
  serving: Pick<ServingModel, 'current'>;
  keys: KeyDirectory;
  /** Retrain requests; the dashboard also reads every queue's depth and recent jobs. */
  queues: Queues;
  /** Rate-limit counters and the readiness check. */
  redis: Redis;
  /** The process's metrics registry (src/observability/metrics.ts); /metrics serves it. */
  registry: Registry;
  logger?: Logger;
  /** Called after a write that left an outbox row, so the dispatcher moves it to the queue at once. */
  ratingsChanged?: () => void;
  settings: {
    corsOrigins: readonly string[];
    /** `leases` (default true): counted down from shares of the limit leased from Redis (src/api/rate-limit-store.ts); false: a Redis round trip per request. */
    rateLimit: { max: number; windowSeconds: number; leases?: boolean };
    bodyLimitBytes: number;
    /** Redis key prefix (QUEUE_PREFIX); the rate-limit counters live under `<prefix>:api-rate:`. */
    prefix: string;
    /** API_TRUST_PROXY: believe X-Forwarded-* from a reverse proxy (default false). */
    trustProxy?: boolean;
  };
  /** The online measures GET /api/reports/online answers with; default: src/online over `prisma`. */
  onlineReport?: OnlineReportSource;
  /** /dashboard (session secret and lifetime, online measures); without it the dashboard is not served. */
  dashboard?: DashboardSettings;
}

/** What every route module receives. */
export interface RouteContext extends ApiDependencies {
  answers: ApiAnswers;
  onlineReport: OnlineReportSource;
}
