import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGoodbooks } from '../../../src/import/generate/goodbooks.ts';
import { importGoodbooks } from '../../../src/import/goodbooks.ts';
import { ImportInputError, type ImportProblem, type ImportSummary } from '../../../src/import/movielens.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const fixture = fileURLToPath(new URL('../../fixtures/goodbooks-bad/', import.meta.url));
const counts = (summary: ImportSummary) => Object.fromEntries(summary.files.map((f) => [f.file, { read: f.read, imported: f.imported, skipped: f.skipped }]));

let database: TestDatabase;
let client: pg.Client;
let work: string;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  work = await mkdtemp(join(tmpdir(), 'tastebud-goodbooks-'));
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function run(dir: string, batchSize?: number): Promise<{ summary: ImportSummary; problems: ImportProblem[] }> {
  const problems: ImportProblem[] = [];
  const summary = await importGoodbooks(client, { dir, ...(batchSize ? { batchSize } : {}), onProblem: (p) => problems.push(p) });
  return { summary, problems };
}

describe('importGoodbooks on a hand-written fixture with bad rows', () => {
  let first: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    first = await run(fixture, 2);
  });

  it('imports the good rows and reports every bad one by file and line', () => {
    expect(counts(first.summary)).toEqual({
      tags: { read: 7, imported: 7, skipped: 0 },
      book_tags: { read: 14, imported: 13, skipped: 1 },
      books: { read: 9, imported: 6, skipped: 3 },
      ratings: { read: 13, imported: 10, skipped: 3 },
    });
    const where = first.problems.map((p) => `${p.file}:${p.line}`);
    expect(where).toEqual(['book_tags:10', 'books:4', 'books:7', 'books:8', 'ratings:9', 'ratings:10', 'ratings:12']);
    expect(first.problems.map((p) => p.reason)).toEqual([
      'tag_id 99 is not in tags.csv (or that row was skipped)',
      'book_id "x" is not a positive whole number',
      'expected 23 columns, found 10',
      'book_id 1 appears again; the first row is kept',
      'rating "6" is not a whole number from 1 to 5',
      'book_id 3 is not in books.csv (or that row was skipped)',
      'user_id "x" is not a positive whole number',
    ]);
    expect(first.problems.every((p) => p.path === join(fixture, `${p.file}.csv`))).toBe(true);
  });

  it('writes books as kind:book titles with authors, year, cover, shelves as genres and tags, and their external ids', async () => {
    const { rows } = await client.query(
      `SELECT t.kind, t.name, t.year, t.creators, t.image_url, t.genres, t.tags, t.rating_count, t.rating_mean,
              array_agg(x.source || '=' || x.external_id ORDER BY x.source) AS ids
       FROM titles t JOIN title_external_ids x ON x.title_id = t.id GROUP BY t.id ORDER BY t.id`,
    );
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({
      kind: 'book',
      name: 'The Hunger Games (The Hunger Games, #1)',
      year: 2008,
      creators: ['Suzanne Collins'],
      image_url: 'https://images.gr-assets.com/books/1447303603m/2767052.jpg',
      genres: ['Young Adult', 'Sci-Fi', 'Fantasy'],
      tags: [],
      rating_count: 3,
      rating_mean: 14 / 3,
      ids: ['goodbooks=1', 'goodreads=2767052', 'isbn=0439023483'],
    });
    expect(rows[1]).toMatchObject({ creators: ['J.K. Rowling', 'Mary GrandPré'], genres: ['Fantasy', 'Young Adult'], tags: ['school'] });
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get('The Great Gatsby')).toMatchObject({ year: 1925, genres: ['Classics'] });
    expect(byName.get('The Catcher in the Rye')).toMatchObject({ image_url: null });
    expect(byName.get('The Iliad')).toMatchObject({ year: null, ids: ['goodbooks=8', 'goodreads=1885', 'isbn=0679783261'] });
  });

  it('makes Goodbooks readers dataset users of their own, the later of two ratings winning', async () => {
    const { rows } = await client.query(
      `SELECT u.external_id, t.name, r.value, r.source FROM ratings r JOIN users u ON u.id = r.user_id JOIN titles t ON t.id = r.title_id
       WHERE u.external_id = 'goodbooks:4'`,
    );
    expect(rows).toEqual([{ external_id: 'goodbooks:4', name: 'The Hunger Games (The Hunger Games, #1)', value: 5, source: 'import' }]);
    const { rows: users } = await client.query('SELECT source, external_id FROM users ORDER BY external_id');
    expect(users).toEqual(['1', '2', '3', '4'].map((id) => ({ source: 'dataset', external_id: `goodbooks:${id}` })));
    expect(first.summary.totals).toEqual({ titles: 6, users: 4, ratings: 9 });
  });

  it('changes nothing when run again', async () => {
    const before = await client.query('SELECT id, updated_at FROM titles ORDER BY id');
    const again = await run(fixture);
    expect(again.summary.totals).toEqual({ titles: 6, users: 4, ratings: 9 });
    expect((await client.query('SELECT id, updated_at FROM titles ORDER BY id')).rows).toEqual(before.rows);
  });

  it('refuses a file with the wrong header and keeps nothing of that import', async () => {
    const dir = join(work, 'wrong-header');
    await cp(fixture, dir, { recursive: true });
    await writeFile(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,1,4,964982703\n');
    await writeFile(join(dir, 'books.csv'), (await readFile(join(fixture, 'books.csv'), 'utf8')).replace('Harper Lee', 'Nelle Harper Lee'));
    const error = await importGoodbooks(client, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportInputError);
    expect((error as Error).message).toMatch(/ratings\.csv line 1: expected the header "user_id,book_id,rating".*is this Goodbooks ratings\.csv\?/);
    const { rows } = await client.query("SELECT creators FROM titles WHERE name = 'To Kill a Mockingbird'");
    expect(rows).toEqual([{ creators: ['Harper Lee'] }]);
  });
});

describe('importGoodbooks on generated Goodbooks-shaped files', () => {
  it('imports every book, reader and rating of a small generated set, and again changes nothing', async () => {
    const other = await createTestDatabase();
    const db = new pg.Client({ connectionString: other.url });
    await db.connect();
    try {
      const dir = join(work, 'generated');
      const generated = await generateGoodbooks({ scale: 0.004, seed: 3, out: dir });
      expect(generated.counts).toMatchObject({ books: 40, users: 214 });
      const problems: ImportProblem[] = [];
      const summary = await importGoodbooks(db, { dir, batchSize: 5000, onProblem: (p) => problems.push(p) });
      expect(problems).toEqual([]);
      expect(summary.totals).toEqual({ titles: 40, users: 214, ratings: generated.counts.ratings });
      const { rows } = await db.query("SELECT count(*)::int AS n, count(image_url)::int AS covers, sum(cardinality(genres))::int AS genres FROM titles WHERE kind = 'book'");
      expect(rows[0].n).toBe(40);
      expect(rows[0].covers).toBeGreaterThan(30);
      expect(rows[0].genres).toBeGreaterThanOrEqual(40);
      const again = await importGoodbooks(db, { dir });
      expect(again.totals).toEqual(summary.totals);
    } finally {
      await db.end();
      await other.drop();
    }
  });
});
