import pg from 'pg';
import { TEST_DATABASE_PREFIX, TEST_SETTINGS } from './settings.ts';

/** A database was about to be created or dropped that the tests do not own. */
export class ForeignDatabaseError extends Error {
  override name = 'ForeignDatabaseError';
}

/** `name`, when it is a test database (prefix `tbtest_`); otherwise a {@link ForeignDatabaseError}. */
export function testDatabaseName(name: string): string {
  if (!name.startsWith(TEST_DATABASE_PREFIX)) {
    throw new ForeignDatabaseError(`Refusing to create or drop database "${name}": test databases are named ${TEST_DATABASE_PREFIX}*.`);
  }
  return name;
}

/** A URL for `database` on the test server (TEST_DATABASE_URL's host, port and credentials). */
export function serverUrl(database = 'postgres', server = TEST_SETTINGS.databaseUrl): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs statements on the maintenance database (CREATE/DROP DATABASE cannot run inside a transaction). */
export async function onServer<T>(work: (client: pg.Client) => Promise<T>, server = TEST_SETTINGS.databaseUrl): Promise<T> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** CREATE DATABASE for a test database only (optionally from a template, also a test database). */
export async function createDatabase(client: pg.Client, name: string, template?: string): Promise<void> {
  const from = template === undefined ? '' : ` TEMPLATE ${quoteIdent(testDatabaseName(template))}`;
  await client.query(`CREATE DATABASE ${quoteIdent(testDatabaseName(name))}${from}`);
}

/** DROP DATABASE for a test database only; never any other. */
export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(testDatabaseName(name))} WITH (FORCE)`);
}
