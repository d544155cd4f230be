import pg from 'pg';

/** A held lock; release it when the work is done (closing the connection releases it too). */
export interface HeldLock {
  release(): Promise<void>;
}

/** Advisory lock key of the retrain job: one training per database, whatever host runs it. */
export const RETRAIN_LOCK_KEY = 7_405_072;

/**
 * Tries to take a PostgreSQL session advisory lock on a connection of its own. Returns undefined when
 * another session holds it. If this process dies (even by SIGKILL), PostgreSQL drops the connection
 * and the lock with it, so a crashed trainer never blocks the next one.
 */
export async function tryAdvisoryLock(databaseUrl: string, key: number): Promise<HeldLock | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A lost connection means a lost lock; the owner finds out on release, the process must not crash.
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    if (!rows[0]?.locked) {
      await client.end();
      return undefined;
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}
