import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenLibraryEmulator } from '../../../src/emulator/providers/openlibrary.ts';
import type { ProviderEmulator } from '../../../src/emulator/providers/server.ts';
import { startTmdbEmulator, TMDB_EMULATOR_TOKEN } from '../../../src/emulator/providers/tmdb.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/tastebud.js', import.meta.url));

type Result = { code: number; stdout: string; stderr: string };

describe('tastebud import <provider>, enrich tmdb and providers against the emulators', () => {
  let db: TestDatabase;
  let tmdb: ProviderEmulator;
  let books: ProviderEmulator;
  let env: Record<string, string>;

  async function cli(args: string[], extra: Record<string, string> = {}): Promise<Result> {
    return run(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, cwd: ROOT, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: Result) => e,
    );
  }

  beforeAll(async () => {
    [db, tmdb, books] = await Promise.all([createTestDatabase(), startTmdbEmulator(), startOpenLibraryEmulator()]);
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      TMDB_TOKEN: TMDB_EMULATOR_TOKEN,
      TMDB_API_URL: tmdb.url,
      OPENLIBRARY_API_URL: books.url,
    };
  });
  afterAll(async () => {
    await Promise.all([tmdb?.close(), books?.close()]);
    await db?.drop();
  });

  it('imports trending shows and popular books by subject, and says what it did', async () => {
    const shows = await cli(['import', 'tmdb', '--trending', '--kind', 'show']);
    expect(shows.stdout).toBe('TMDB trending: 2 added, 0 updated, 0 skipped, 0 failed\n');
    const sf = await cli(['import', 'openlibrary', '--popular', '--subject', 'science fiction']);
    expect(sf.stdout, sf.stderr).toBe('Open Library popular (science fiction): 2 added, 0 updated, 0 skipped, 0 failed\n');
    const titles = await db.prisma.title.findMany({ orderBy: { name: 'asc' }, select: { kind: true, name: true, imageUrl: true, pageCount: true, creators: true } });
    expect(titles).toEqual([
      { kind: 'show', name: 'Breaking Bad', imageUrl: 'https://image.tmdb.org/t/p/w500/breaking-bad.jpg', pageCount: null, creators: ['Vince Gilligan'] },
      { kind: 'book', name: 'Dune', imageUrl: 'https://covers.openlibrary.org/b/id/11481354-M.jpg', pageCount: 612, creators: ['Frank Herbert'] },
      { kind: 'book', name: 'Foundation', imageUrl: null, pageCount: 255, creators: ['Isaac Asimov'] },
      { kind: 'show', name: 'Stranger Things', imageUrl: 'https://image.tmdb.org/t/p/w500/stranger-things.jpg', pageCount: null, creators: ['Matt Duffer', 'Ross Duffer'] },
    ]);
  });

  it("--subject alone imports that subject's popular books (again: updated, not duplicated)", async () => {
    const sf = await cli(['import', 'openlibrary', '--subject', 'science_fiction']);
    expect([sf.code, sf.stdout], sf.stderr).toEqual([0, 'Open Library popular (science_fiction): 0 added, 2 updated, 0 skipped, 0 failed\n']);
    expect(await db.prisma.title.count({ where: { kind: 'book' } })).toBe(2);
  });

  it('bad options for a provider are one line, exit 1, without a stack', async () => {
    const noSubject = await cli(['import', 'openlibrary', '--popular']);
    expect([noSubject.code, noSubject.stderr]).toEqual([1, 'tastebud: Open Library lists popular books per subject; name one (--subject science_fiction).\n']);
    const both = await cli(['import', 'openlibrary', '--trending', '--subject', 'fantasy']);
    expect([both.code, both.stderr]).toEqual([1, 'tastebud: --subject picks a popular list; it does not go with --trending.\n']);
  });

  it('imports what a search finds, and enriches nothing when no MovieLens title has a tmdbId', async () => {
    expect((await cli(['import', 'tmdb', '--search', 'godfather'])).stdout).toBe('TMDB search: 1 added, 0 updated, 0 skipped, 0 failed\n');
    expect((await cli(['enrich', 'tmdb'])).stdout).toBe('TMDB enrichment: 0 added, 0 updated, 0 skipped, 0 failed\n');
  });

  it('with no TMDB token: one line saying how to turn TMDB on, exit 1', async () => {
    const off = await cli(['import', 'tmdb', '--popular'], { TMDB_TOKEN: '' });
    expect(off.code).toBe(1);
    expect(off.stderr.trim().split('\n')).toEqual(['tastebud: tmdb is off; to turn it on, set TMDB_TOKEN to a TMDB API read-access token (themoviedb.org > Settings > API).']);
  });

  it('with TMDB down: one line, exit 1, and no half-written title', async () => {
    const before = await db.prisma.title.count();
    tmdb.fail({ pathPrefix: '/movie/popular', status: 500, times: 10 });
    const down = await cli(['import', 'tmdb', '--popular']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^tastebud: tmdb is failing \(HTTP 500 on movie\/popular after 3 attempts\); try again later\. What was saved before stays\.\n$/);
    expect(await db.prisma.title.count()).toBe(before);
  });

  it('asks for exactly one thing to import', async () => {
    const none = await cli(['import', 'tmdb']);
    expect([none.code, none.stderr.trim()]).toEqual([1, 'tastebud: Say what to import from TMDB: one of --popular, --trending, --search <text>.']);
  });

  it('lists providers on and off with their attribution', async () => {
    const out = (await cli(['providers'])).stdout;
    expect(out).toContain('on   TMDB (movie, show): This product uses the TMDB API but is not endorsed or certified by TMDB.\n');
    expect(out).toContain('off  rawg (game): to turn it on, set RAWG_API_KEY');
    expect(out).toContain('off  musicbrainz (music): to turn it on, set MUSICBRAINZ_CONTACT');
  });
});
