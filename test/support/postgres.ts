import pg from 'pg';
import { loadConfig } from '../../src/config.ts';

/** The server tests create their databases on: DATABASE_URL's server, or the local one. */
export function serverUrl(database = 'postgres'): string {
  const url = new URL(loadConfig().databaseUrl ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs statements on the maintenance database (CREATE/DROP DATABASE cannot run inside a transaction). */
export async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
