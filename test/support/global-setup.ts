import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../src/db/migrate.ts';
import { buildIfStale } from './build.ts';
import { movieLensOrStop } from './movielens.ts';
import { createDatabase, dropDatabase, onServer, serverUrl } from './postgres.ts';
import { TEST_DATABASE_PREFIX } from './settings.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database every test file copies its own database from. */
    templateDatabase: string;
    /** Prefix of every database this run creates, so teardown drops exactly those. */
    runPrefix: string;
    /** The unpacked ml-latest-small every test that reads MovieLens uses. */
    movielensDir: string;
  }
}

const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * Finds MovieLens (stopping the run at once, with one line, when it is nowhere), rebuilds dist/ when the
 * sources changed (tests run the compiled CLI), then migrates one template
 * database per run; test files clone it (CREATE DATABASE ... TEMPLATE is fast).
 */
export default async function setup(project: TestProject) {
  const movielensDir = await movieLensOrStop();
  if (!buildIfStale()) {
    process.stderr.write("tastebud: 'npm run build' failed (errors above); the tests run the compiled CLI.\n");
    process.exit(1);
  }
  const started = Date.now();
  const runPrefix = `${TEST_DATABASE_PREFIX}${started}_${process.pid}`;
  const template = `${runPrefix}_tpl`;
  await onServer(async (client) => {
    // Runs killed before teardown leave databases behind; runs still going are never this old.
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [TEST_DATABASE_PREFIX]);
    for (const { datname } of rows) {
      const at = Number(datname.split('_')[1]);
      if (Number.isFinite(at) && started - at > STALE_AFTER_MS) await dropDatabase(client, datname);
    }
    await createDatabase(client, template);
  });
  await applyMigrations(serverUrl(template), fileURLToPath(new URL('../../prisma/migrations', import.meta.url)));
  project.provide('templateDatabase', template);
  project.provide('runPrefix', runPrefix);
  project.provide('movielensDir', movielensDir);
  return async () => {
    await onServer(async (client) => {
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [runPrefix]);
      for (const { datname } of rows) await dropDatabase(client, datname);
    });
  };
}
