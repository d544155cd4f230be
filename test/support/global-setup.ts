import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../src/db/migrate.ts';
import { onServer, quoteIdent, serverUrl } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database every test file copies its own database from. */
    templateDatabase: string;
    /** Prefix of every database this run creates, so teardown drops exactly those. */
    runPrefix: string;
  }
}

const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/** Migrates one template database per run; test files clone it (CREATE DATABASE ... TEMPLATE is fast). */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const runPrefix = `tbtest_${started}_${process.pid}`;
  const template = `${runPrefix}_tpl`;
  await onServer(async (client) => {
    // Runs killed before teardown leave databases behind; runs still going are never this old.
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tbtest\\_%'");
    for (const { datname } of rows) {
      const at = Number(datname.split('_')[1]);
      if (Number.isFinite(at) && started - at > STALE_AFTER_MS) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    }
    await client.query(`CREATE DATABASE ${quoteIdent(template)}`);
  });
  await applyMigrations(serverUrl(template), fileURLToPath(new URL('../../prisma/migrations', import.meta.url)));
  project.provide('templateDatabase', template);
  project.provide('runPrefix', runPrefix);
  return async () => {
    await onServer(async (client) => {
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [runPrefix]);
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    });
  };
}
