import { cp, mkdtemp, appendFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMovieLens, ImportInputError, type ImportProblem, type ImportSummary } from '../../../src/import/movielens.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const fixture = fileURLToPath(new URL('../../fixtures/movielens-small/', import.meta.url));

let database: TestDatabase;
let client: pg.Client;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // A copy, so the test can add lines the repository should not hold (bad bytes, a huge line).
  dir = await mkdtemp(join(tmpdir(), 'tastebud-movielens-'));
  await cp(fixture, dir, { recursive: true });
  await appendFile(join(dir, 'ratings.csv'), Buffer.concat([Buffer.from('3,2,'), Buffer.from([0xc3, 0x28]), Buffer.from(',964982400\n')]));
  await appendFile(join(dir, 'ratings.csv'), `3,2,${'9'.repeat(100_000)},964982400\n3,2,1.5,964982500\n`);
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function run(): Promise<{ summary: ImportSummary; problems: ImportProblem[] }> {
  const problems: ImportProblem[] = [];
  const summary = await importMovieLens(client, { dir, batchSize: 2, onProblem: (p) => problems.push(p) });
  return { summary, problems };
}

const counts = (summary: ImportSummary) => Object.fromEntries(summary.files.map((f) => [f.file, { read: f.read, imported: f.imported, skipped: f.skipped }]));

describe('importMovieLens on a fixture with malformed rows', () => {
  let first: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    first = await run();
  });

  it('imports the good rows and counts the skipped ones per file', () => {
    expect(counts(first.summary)).toEqual({
      movies: { read: 7, imported: 5, skipped: 2 },
      links: { read: 5, imported: 4, skipped: 1 },
      tags: { read: 9, imported: 8, skipped: 1 },
      ratings: { read: 14, imported: 7, skipped: 7 },
    });
    expect(first.summary.totals).toEqual({ titles: 5, users: 3, ratings: 7 });
  });

  it('reports each skipped row with its file, line and reason', () => {
    const where = first.problems.map((p) => `${p.file}:${p.line}`);
    expect(where).toEqual(['movies:6', 'movies:7', 'links:6', 'tags:10', 'ratings:8', 'ratings:9', 'ratings:10', 'ratings:11', 'ratings:12', 'ratings:13', 'ratings:14']);
    const reason = (file: string, line: number) => first.problems.find((p) => p.file === file && p.line === line)?.reason;
    expect(reason('movies', 6)).toMatch(/movieId "x5"/);
    expect(reason('movies', 7)).toMatch(/expected 3 columns/);
    expect(reason('links', 6)).toMatch(/movieId 99 is not in movies.csv/);
    expect(reason('ratings', 8)).toMatch(/rating 6.0 is not between 0.5 and 5/);
    expect(reason('ratings', 9)).toMatch(/half steps/);
    expect(reason('ratings', 10)).toMatch(/userId "abc"/);
    expect(reason('ratings', 11)).toMatch(/movieId 77/);
    expect(reason('ratings', 12)).toMatch(/expected 4 columns/);
    expect(reason('ratings', 13)).toMatch(/UTF-8/);
    expect(reason('ratings', 14)).toMatch(/longer than/);
    expect(first.problems[0]!.path).toBe(join(dir, 'movies.csv'));
  });

  it('stores readable names, years, genres, search names and links', async () => {
    const { rows } = await client.query('SELECT movielens_id, kind, name, year, genres, search_name, imdb_id, tmdb_id FROM titles ORDER BY movielens_id');
    expect(rows).toEqual([
      {
        movielens_id: 1,
        kind: 'movie',
        name: 'Toy Story',
        year: 1995,
        genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'],
        search_name: 'toy story',
        imdb_id: 'tt0114709',
        tmdb_id: 862,
      },
      { movielens_id: 2, kind: 'movie', name: 'The Godfather', year: 1972, genres: ['Crime', 'Drama'], search_name: 'the godfather', imdb_id: 'tt0068646', tmdb_id: 238 },
      { movielens_id: 3, kind: 'movie', name: "Amelie (Le Fabuleux destin d'Amélie Poulain)", year: 2001, genres: ['Comedy', 'Romance'], search_name: 'amelie', imdb_id: 'tt0211915', tmdb_id: null },
      { movielens_id: 4, kind: 'movie', name: 'Babylon 5', year: null, genres: [], search_name: 'babylon 5', imdb_id: 'tt0105946', tmdb_id: null },
      { movielens_id: 7, kind: 'movie', name: "L'Avventura", year: 1960, genres: ['Drama', 'Mystery'], search_name: 'lavventura', imdb_id: null, tmdb_id: null },
    ]);
  });

  it('keeps the most frequent tags first, case-insensitively', async () => {
    const { rows } = await client.query<{ movielens_id: number; tags: string[] }>('SELECT movielens_id, tags FROM titles ORDER BY movielens_id');
    expect(Object.fromEntries(rows.map((r) => [r.movielens_id, r.tags]))).toEqual({ 1: ['pixar', 'fun'], 2: ['mafia', 'classic'], 3: [], 4: [], 7: [] });
  });

  it('creates dataset users and import ratings dated by their timestamps', async () => {
    const users = await client.query('SELECT source, external_id FROM users ORDER BY external_id');
    expect(users.rows).toEqual(['1', '2', '3'].map((id) => ({ source: 'dataset', external_id: id })));
    const { rows } = await client.query(
      `SELECT u.external_id, t.movielens_id, r.value, r.source, r.created_at = r.updated_at AS same, to_char(r.created_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS at
       FROM ratings r JOIN users u ON u.id = r.user_id JOIN titles t ON t.id = r.title_id WHERE u.external_id = '1' AND t.movielens_id = 1`,
    );
    // 964982703 is 2000-07-30 18:45:03 UTC; Prisma reads timestamp(3) columns as UTC.
    expect(rows).toEqual([{ external_id: '1', movielens_id: 1, value: 4, source: 'import', same: true, at: '2000-07-30T18:45:03' }]);
  });

  it('recomputes rating count and mean (the later of two rows for one user and title wins)', async () => {
    const { rows } = await client.query<{ movielens_id: number; rating_count: number; rating_mean: number | null }>('SELECT movielens_id, rating_count, rating_mean FROM titles ORDER BY movielens_id');
    const stats = Object.fromEntries(rows.map((r) => [r.movielens_id, [r.rating_count, r.rating_mean === null ? null : Number(r.rating_mean.toFixed(4))]]));
    // Toy Story: 4, 3.5, 5. Godfather: 5, 4.5, and user 3's 1.5 from the appended line. Amélie: 2.
    expect(stats).toEqual({ 1: [3, 4.1667], 2: [3, 3.6667], 3: [1, 2], 4: [0, null], 7: [0, null] });
  });

  it('leaves the same rows when run again', async () => {
    const before = await client.query(
      'SELECT (SELECT json_agg(t ORDER BY id) FROM titles t) AS titles, (SELECT json_agg(r ORDER BY user_id, title_id) FROM ratings r) AS ratings, (SELECT json_agg(u ORDER BY id) FROM users u) AS users',
    );
    const second = await run();
    expect(counts(second.summary)).toEqual(counts(first.summary));
    expect(second.summary.totals).toEqual(first.summary.totals);
    const after = await client.query(
      'SELECT (SELECT json_agg(t ORDER BY id) FROM titles t) AS titles, (SELECT json_agg(r ORDER BY user_id, title_id) FROM ratings r) AS ratings, (SELECT json_agg(u ORDER BY id) FROM users u) AS users',
    );
    // Unchanged rows are not rewritten, so even updated_at stays.
    expect(after.rows[0]).toEqual(before.rows[0]);
  });
});

describe('importMovieLens on bad input', () => {
  it('names a missing directory and what belongs in it', async () => {
    const missing = join(dir, 'nope');
    await expect(importMovieLens(client, { dir: missing })).rejects.toThrow(new RegExp(`No MovieLens directory at ${missing}: expected a folder holding movies.csv`));
  });

  it('names a missing file and its header', async () => {
    const partial = await mkdtemp(join(tmpdir(), 'tastebud-partial-'));
    try {
      await writeFile(join(partial, 'movies.csv'), 'movieId,title,genres\n');
      const error = await importMovieLens(client, { dir: partial }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportInputError);
      expect((error as Error).message).toBe(`${join(partial, 'links.csv')} is missing: expected MovieLens links.csv with the header "movieId,imdbId,tmdbId".`);
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  });

  it('writes nothing when a later file has the wrong header (headers are checked first)', async () => {
    const mixed = await mkdtemp(join(tmpdir(), 'tastebud-mixed-'));
    try {
      await cp(fixture, mixed, { recursive: true });
      await writeFile(join(mixed, 'movies.csv'), 'movieId,title,genres\n1,Renamed By A Failed Import (1995),Comedy\n');
      await writeFile(join(mixed, 'ratings.csv'), 'user,movie,stars\n1,1,5\n');
      const before = await client.query('SELECT movielens_id, name, rating_count FROM titles ORDER BY movielens_id');
      await expect(importMovieLens(client, { dir: mixed })).rejects.toThrow(/ratings.csv line 1: expected the header .*Nothing was imported/);
      const after = await client.query('SELECT movielens_id, name, rating_count FROM titles ORDER BY movielens_id');
      expect(after.rows).toEqual(before.rows);
    } finally {
      await rm(mixed, { recursive: true, force: true });
    }
  });

  it('reports a repeated movieId and keeps its first row', async () => {
    const repeated = await mkdtemp(join(tmpdir(), 'tastebud-repeated-'));
    try {
      await writeFile(join(repeated, 'movies.csv'), 'movieId,title,genres\n9001,First Name (2001),Drama\n9001,Second Name (2002),Comedy\n');
      const problems: ImportProblem[] = [];
      await importMovieLens(client, { dir: repeated, files: ['movies'], onProblem: (p) => problems.push(p) });
      expect(problems).toEqual([expect.objectContaining({ file: 'movies', line: 3, reason: expect.stringMatching(/movieId 9001 appears again/) })]);
      const { rows } = await client.query('SELECT name, year FROM titles WHERE movielens_id = 9001');
      expect(rows).toEqual([{ name: 'First Name', year: 2001 }]);
    } finally {
      await rm(repeated, { recursive: true, force: true });
    }
  });

  it('refuses a file whose header is not MovieLens', async () => {
    const wrong = await mkdtemp(join(tmpdir(), 'tastebud-wrong-'));
    try {
      await writeFile(join(wrong, 'movies.csv'), 'id,name\n1,Toy Story\n');
      await expect(importMovieLens(client, { dir: wrong, files: ['movies'] })).rejects.toThrow(/movies.csv line 1: expected the header "movieId,title,genres", found "id,name"/);
    } finally {
      await rm(wrong, { recursive: true, force: true });
    }
  });
});
