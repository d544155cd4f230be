import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { searchTitles } from '../../../src/catalog/search.ts';
import { startTmdbEmulator, TMDB_EMULATOR_TOKEN } from '../../../src/emulator/providers/tmdb.ts';
import type { ProviderEmulator } from '../../../src/emulator/providers/server.ts';
import { importMovieLens } from '../../../src/import/movielens.ts';
import { PostgresResponseCache } from '../../../src/providers/cache.ts';
import { enrichMovieLensFromTmdb, importProviderList } from '../../../src/providers/catalogue-jobs.ts';
import { TmdbProvider } from '../../../src/providers/tmdb.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/** The real ml-latest-small movies and links (tmdbId), where the global setup found them. */
const movielens = inject('movielensDir');

describe('TMDB client against the TMDB emulator', () => {
  let emu: ProviderEmulator;
  let tmdb: TmdbProvider;

  beforeAll(async () => {
    emu = await startTmdbEmulator();
    tmdb = new TmdbProvider({ token: TMDB_EMULATOR_TOKEN, apiUrl: emu.url, cacheTtlSeconds: 0, timeoutMs: 2000 });
  });
  afterAll(async () => emu?.close());

  it('searches movies and shows with the Bearer token, naming genres and building poster URLs from /configuration', async () => {
    const movies = await tmdb.search('godfather');
    expect(movies.map((m) => [m.kind, m.externalId, m.name, m.year, m.genres, m.imageUrl])).toEqual([
      ['movie', '238', 'The Godfather', 1972, ['Drama', 'Crime'], 'https://image.tmdb.org/t/p/w500/godfather.jpg'],
    ]);
    const shows = await tmdb.search('breaking', { kind: 'show' });
    expect(shows.map((s) => [s.kind, s.source, s.name, s.year])).toEqual([['show', 'tmdb_tv', 'Breaking Bad', 2008]]);
    const search = emu.requests.find((r) => r.path === '/3/search/movie')!;
    expect(search.headers.authorization).toBe(`Bearer ${TMDB_EMULATOR_TOKEN}`);
    expect(search.query).toMatchObject({ query: 'godfather', page: '1', include_adult: 'false' });
  });

  it('reads movie and show details with credits and alternative titles in one request each', async () => {
    const movie = await tmdb.details({ kind: 'movie', externalId: '101' });
    expect(movie).toMatchObject({
      name: 'Léon: The Professional',
      originalName: 'Léon',
      originalLanguage: 'fr',
      runtimeMinutes: 111,
      cast: ['Jean Reno', 'Natalie Portman', 'Gary Oldman'],
      creators: ['Luc Besson'],
      alternativeNames: ['The Professional'],
      detailed: true,
    });
    const show = await tmdb.details({ kind: 'show', externalId: '1399' });
    expect(show).toMatchObject({ kind: 'show', creators: ['David Benioff', 'D. B. Weiss'], alternativeNames: ['Le Trône de fer'], imageUrl: null, runtimeMinutes: 60 });
    expect(emu.requests.filter((r) => r.path === '/3/movie/101').map((r) => r.query.append_to_response)).toEqual(['credits,alternative_titles']);
  });

  it('pages trending and popular lists', async () => {
    expect((await tmdb.list('trending', { kind: 'show' })).map((s) => s.name)).toEqual(['Stranger Things', 'Breaking Bad']);
    expect((await tmdb.list('popular')).map((m) => m.name).slice(0, 2)).toEqual(['Dune: Part Two', 'The Godfather']);
    expect(await tmdb.list('popular', { page: 2 })).toEqual([]);
  });

  it('with a wrong token fails with a message that names the settings, not the token', async () => {
    const wrong = new TmdbProvider({ token: 'not-the-right-token-at-all', apiUrl: emu.url, cacheTtlSeconds: 0, timeoutMs: 2000 });
    const error = await wrong.search('heat').catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'ProviderError', failure: 'rejected' });
    expect((error as Error).message).not.toContain('not-the-right-token');
  });
});

describe('enriching ml-latest-small titles from TMDB (emulator fixtures) into PostgreSQL', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let emu: ProviderEmulator;
  let tmdb: TmdbProvider;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await importMovieLens(client, { dir: movielens, files: ['movies', 'links'] });
    emu = await startTmdbEmulator();
    tmdb = new TmdbProvider({ token: TMDB_EMULATOR_TOKEN, apiUrl: emu.url, cache: new PostgresResponseCache(db.prisma), cacheTtlSeconds: 3600, timeoutMs: 2000 });
  }, 120_000);
  afterAll(async () => {
    await emu?.close();
    await client?.end();
    await db?.drop();
  });

  it('writes poster, overview, runtime, language, cast, director and genres onto the linked MovieLens movies', async () => {
    // The fixtures' MovieLens movies, by ml-latest-small movieId -> TMDB id (links.csv).
    const ids = { 1: 862, 2: 8844, 29: 902, 293: 101, 858: 238, 2571: 603 };
    const titles = await db.prisma.title.findMany({ where: { movielensId: { in: Object.keys(ids).map(Number) } }, select: { id: true, movielensId: true, tmdbId: true } });
    expect(Object.fromEntries(titles.map((t) => [t.movielensId, t.tmdbId]))).toEqual(ids);
    // These six, and Heat (movieId 6, TMDB 949), which the emulator does not know: skipped, not failed. The rest of
    // the catalogue is marked done so the test asks for seven titles, not 9,742.
    await db.prisma.title.updateMany({ where: { movielensId: { notIn: [...Object.keys(ids).map(Number), 6] } }, data: { enrichedAt: new Date(0) } });
    const report = await enrichMovieLensFromTmdb(db.prisma, tmdb);
    expect(report).toMatchObject({ added: 0, updated: 6, skipped: 1, failed: 0 });
    expect(report.problems).toEqual([expect.stringMatching(/^tmdb movie 949 \(title \d+\): tmdb has no movie 949\.$/)]);
    expect(await db.prisma.title.findFirstOrThrow({ where: { movielensId: 6 } })).toMatchObject({ enrichedAt: null, imageUrl: null });
    const godfather = await db.prisma.title.findFirstOrThrow({ where: { movielensId: 858 } });
    expect(godfather).toMatchObject({
      name: 'The Godfather',
      year: 1972,
      kind: 'movie',
      imageUrl: 'https://image.tmdb.org/t/p/w500/godfather.jpg',
      runtimeMinutes: 175,
      originalLanguage: 'en',
      topCast: ['Marlon Brando', 'Al Pacino', 'James Caan', 'Robert Duvall', 'Diane Keaton'],
      creators: ['Francis Ford Coppola'],
      genres: ['Crime', 'Drama'],
    });
    expect(godfather.overview).toMatch(/crime family/);
    const matrix = await db.prisma.title.findFirstOrThrow({ where: { movielensId: 2571 } });
    expect(matrix.genres).toEqual(['Action', 'Sci-Fi', 'Thriller', 'Science Fiction']);
    expect(await db.prisma.titleExternalId.count({ where: { source: 'tmdb_movie' } })).toBe(6);
  });

  it('gives a TMDB id two MovieLens movies share (links.csv: 6003 and 144606 -> 4912) to one, and leaves the other untouched', async () => {
    await db.prisma.title.updateMany({ where: { movielensId: { in: [6003, 144606] } }, data: { enrichedAt: null } });
    await db.prisma.title.updateMany({ where: { movielensId: 6 }, data: { enrichedAt: new Date(0) } });
    const report = await enrichMovieLensFromTmdb(db.prisma, tmdb, { limit: 2 });
    expect(report).toMatchObject({ updated: 1, skipped: 1 });
    expect(report.problems).toEqual([expect.stringMatching(/tmdb movie 4912 \(title \d+\): tmdb_movie 4912 is already title \d+/)]);
    const [first, second] = await db.prisma.title.findMany({ where: { movielensId: { in: [6003, 144606] } }, orderBy: { id: 'asc' } });
    expect([first!.runtimeMinutes, first!.enrichedAt !== null]).toEqual([113, true]);
    // The second's update ran inside the transaction that failed: none of it stays.
    expect([second!.runtimeMinutes, second!.enrichedAt, second!.imageUrl, second!.genres]).toEqual([null, null, null, ['Comedy', 'Crime', 'Drama', 'Romance', 'Thriller']]);
  });

  it('finds a title by a TMDB alternative title through the real search, ranked as a name of its own', async () => {
    const [first] = await searchTitles(db.prisma, 'der pate');
    expect(first).toMatchObject({ name: 'The Godfather', year: 1972 });
    const [spanish] = await searchTitles(db.prisma, 'la ciudad de los niños perdidos');
    expect(spanish?.name).toMatch(/City of Lost Children/);
    const { rows } = await client.query("SELECT n.search_name FROM title_names n JOIN titles t ON t.id = n.title_id WHERE t.movielens_id = 858 AND n.source = 'tmdb' ORDER BY 1");
    expect(rows.map((r) => r.search_name)).toEqual(['der pate', 'il padrino']);
  });

  it('importing trending merges movies MovieLens has by tmdbId, adds the new ones and shows as kind show, once', async () => {
    const before = await db.prisma.title.count();
    const movies = await importProviderList(db.prisma, tmdb, 'trending', { kind: 'movie' });
    const shows = await importProviderList(db.prisma, tmdb, 'trending', { kind: 'show' });
    expect([movies.added, movies.updated, shows.added]).toEqual([1, 2, 2]);
    const again = await importProviderList(db.prisma, tmdb, 'trending', { kind: 'show' });
    expect([again.added, again.updated]).toEqual([0, 2]);
    expect(await db.prisma.title.count()).toBe(before + 3);
    const dune = await db.prisma.title.findFirstOrThrow({ where: { tmdbId: 693134 } });
    expect(dune).toMatchObject({ kind: 'movie', name: 'Dune: Part Two', year: 2024, movielensId: null, creators: ['Denis Villeneuve'] });
    const [found] = await searchTitles(db.prisma, 'breaking bad', { kind: 'show' });
    expect(found).toMatchObject({ name: 'Breaking Bad', kind: 'show', year: 2008 });
    const [french] = await searchTitles(db.prisma, 'dune deuxieme partie');
    expect(french?.name).toBe('Dune: Part Two');
  });

  it('reuses cached responses from PostgreSQL instead of asking TMDB again', async () => {
    const asked = emu.requests.length;
    await tmdb.details({ kind: 'movie', externalId: '238' });
    expect(emu.requests.length).toBe(asked);
    expect(await db.prisma.providerResponse.count({ where: { provider: 'tmdb' } })).toBeGreaterThan(5);
  });

  it('writes nothing of a title whose answer is malformed, and goes on with the next', async () => {
    await db.prisma.providerResponse.deleteMany();
    await db.prisma.title.updateMany({ where: { movielensId: { in: [1, 2] } }, data: { enrichedAt: null, imageUrl: null, runtimeMinutes: null } });
    emu.fail({ pathPrefix: '/movie/862', malformed: true });
    const report = await enrichMovieLensFromTmdb(db.prisma, tmdb);
    expect(report).toMatchObject({ updated: 1, failed: 1 });
    expect(report.problems[0]).toMatch(/tmdb movie 862 .*not JSON/);
    const toyStory = await db.prisma.title.findFirstOrThrow({ where: { movielensId: 1 } });
    expect([toyStory.enrichedAt, toyStory.imageUrl, toyStory.runtimeMinutes]).toEqual([null, null, null]);
    expect((await db.prisma.title.findFirstOrThrow({ where: { movielensId: 2 } })).runtimeMinutes).toBe(104);
  });
});
