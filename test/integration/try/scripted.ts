import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { writeCatalogueSubset } from './catalogue.ts';
import { childEnv, dropRedisPrefix, runCli, uniquePrefix } from './support.ts';

/** One `tastebud try --script` run over the 150 most-rated movies, in a database and folder of its own. */
export interface ScriptedRun {
  db: TestDatabase;
  dir: string;
  result: Awaited<ReturnType<typeof runCli>>;
  /** The transcript lines from "> line" up to the next "> ". */
  answerTo(line: string): string;
  /** Drops the database, the queues and the folder; call it in afterAll. */
  cleanup(): Promise<void>;
}

export async function runPlaygroundScript(what: string, script: string, extraArgs: readonly string[], timeoutMs: number): Promise<ScriptedRun> {
  const prefix = uniquePrefix(what);
  const db = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), `tastebud-try-${what}-`));
  await writeCatalogueSubset(join(dir, 'movielens'), 150);
  await writeFile(join(dir, 'script.txt'), script);
  const env = childEnv({ databaseUrl: db.url, prefix, movielensDir: join(dir, 'movielens'), modelsDir: join(dir, 'models') });
  const args = ['try', ...extraArgs, '--script', join(dir, 'script.txt'), '--epochs', '2', '--dimension', '16', '--log-file', join(dir, 'try.log')];
  const result = await runCli(args, env, timeoutMs);
  return {
    db,
    dir,
    result,
    answerTo(line) {
      const all = result.stdout;
      const start = all.indexOf(`> ${line}\n`);
      expect(start, `the transcript has "> ${line}"`).toBeGreaterThanOrEqual(0);
      const end = all.indexOf('\n> ', start + 1);
      return all.slice(start, end < 0 ? undefined : end + 1);
    },
    async cleanup() {
      await db.drop();
      await dropRedisPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
