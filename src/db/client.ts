import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type { PrismaClient };

/**
 * A Prisma client over node-postgres (no Rust engine needed). The caller owns it and must `$disconnect()`, which
 * also ends `pool` when one is given: the pool to run over, so the caller can send its own statements on the same
 * connections (the API's per-request history stamp, as a prepared statement).
 */
export function createPrisma(databaseUrl: string, pool?: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: pool ? new PrismaPg(pool, { disposeExternalPool: true }) : new PrismaPg({ connectionString: databaseUrl }) });
}

/** Limits of an interactive transaction: a burst queues for the pool, but no transaction holds locks for long. */
export const TRANSACTION_LIMITS = { timeout: 15_000, maxWait: 5_000 } as const;

/** A database that cannot be reached, described by host and port only (never the password). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** What Prisma's driver-adapter errors call the failures node-postgres reports by code. */
const adapterKindToCode: Record<string, string> = {
  DatabaseNotReachable: 'ECONNREFUSED',
  DatabaseDoesNotExist: '3D000',
  AuthenticationFailed: '28P01',
  DatabaseAccessDenied: '28000',
  SocketTimeout: 'ETIMEDOUT',
};

/** Prisma's own connection error codes (https://www.prisma.io/docs/orm/reference/error-reference). */
const prismaCodeToCode: Record<string, string> = { P1000: '28P01', P1001: 'ECONNREFUSED', P1002: 'ETIMEDOUT', P1003: '3D000' };

function connectionErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; errorCode?: string; cause?: { code?: string }; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | undefined;
  const kind = e?.meta?.driverAdapterError?.cause?.kind;
  if (kind && adapterKindToCode[kind]) return adapterKindToCode[kind];
  const prismaCode = e?.errorCode ?? e?.code;
  if (prismaCode && prismaCodeToCode[prismaCode]) return prismaCodeToCode[prismaCode];
  return e?.cause?.code ?? e?.code;
}

/**
 * Turns a connection failure (from node-postgres or wrapped by Prisma) into one line naming host, port and
 * database; any other error is returned unchanged.
 */
export function describeConnectionError(error: unknown, databaseUrl: string): Error {
  const code = connectionErrorCode(error);
  let where = 'the database';
  try {
    const url = new URL(databaseUrl);
    where = `PostgreSQL at ${url.hostname}:${url.port || '5432'} (database "${url.pathname.slice(1) || 'postgres'}")`;
  } catch {
    /* an unparseable URL was already rejected by config */
  }
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'refused the connection; is PostgreSQL running?',
    ENOTFOUND: 'has a host name that does not resolve',
    ETIMEDOUT: 'did not answer in time',
    '28P01': 'rejected the password',
    '28000': 'rejected the user',
    '3D000': 'has no such database; create it or fix DATABASE_URL',
  };
  const reason = code ? reasons[code] : undefined;
  if (!reason) return error instanceof Error ? error : new Error(String(error));
  return new DatabaseUnavailableError(`Cannot use ${where}: it ${reason}`);
}
