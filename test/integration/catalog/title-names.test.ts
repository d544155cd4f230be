import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchTitles } from '../../../src/catalog/search.ts';
import { createPrisma } from '../../../src/db/client.ts';
import { applyMigrations } from '../../../src/db/migrate.ts';
import { importMovieLens } from '../../../src/import/movielens.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { createDatabase, dropDatabase, onServer, serverUrl } from '../../support/postgres.ts';

const migrations = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

const MOVIES = [
  'movieId,title,genres',
  '1,Léon: The Professional (a.k.a. The Professional) (Léon) (1994),Action|Crime|Drama',
  '2,Rocky IV (1985),Drama',
  '3,Heat (1995),Action|Crime|Thriller',
  '4,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Adventure|Drama',
];

async function movieLensDir(lines: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-names-'));
  await writeFile(join(dir, 'movies.csv'), `${lines.join('\n')}\n`);
  return dir;
}

type NameRow = { movielens_id: number | null; search_name: string; source: string; compact: string; xmin: string };

async function names(client: pg.Client): Promise<NameRow[]> {
  const { rows } = await client.query<NameRow>(
    `SELECT t.movielens_id, n.search_name, n.source::text AS source, n.compact, n.xmin::text AS xmin
     FROM title_names n JOIN titles t ON t.id = n.title_id ORDER BY t.movielens_id, n.search_name`,
  );
  return rows;
}

describe('title_names filled by the MovieLens import', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    dir = await movieLensDir(MOVIES);
    await importMovieLens(client, { dir, files: ['movies'] });
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds every name of every title: the main one (trigger), a.k.a., original-language and canonical forms (import)', async () => {
    expect((await names(client)).map(({ xmin: _, ...row }) => row)).toEqual([
      { movielens_id: 1, search_name: 'leon', source: 'movielens', compact: 'leon' },
      { movielens_id: 1, search_name: 'leon the professional', source: 'main', compact: 'leontheprofessional' },
      { movielens_id: 1, search_name: 'the professional', source: 'movielens', compact: 'professional' },
      { movielens_id: 2, search_name: 'rocky 4', source: 'movielens', compact: 'rocky4' },
      { movielens_id: 2, search_name: 'rocky iv', source: 'main', compact: 'rockyiv' },
      { movielens_id: 3, search_name: 'heat', source: 'main', compact: 'heat' },
      { movielens_id: 4, search_name: 'la cite des enfants perdus', source: 'movielens', compact: 'lacitedesenfantsperdus' },
      { movielens_id: 4, search_name: 'the city of lost children', source: 'main', compact: 'cityoflostchildren' },
    ]);
  });

  it('fills the generated full-text column', async () => {
    const { rows } = await client.query("SELECT words::text FROM title_names WHERE search_name = 'the city of lost children'");
    expect(rows[0].words).toBe("'children':5 'city':2 'lost':4 'of':3 'the':1");
  });

  it('writes nothing when the same file is imported again', async () => {
    const before = await names(client);
    await importMovieLens(client, { dir, files: ['movies'] });
    expect(await names(client)).toEqual(before);
  });

  it('follows a title whose name changed: new names in, the old import names out', async () => {
    const changed = await movieLensDir([...MOVIES.slice(0, 3), '4,Lost Children (Enfants perdus) (1995),Adventure|Drama']);
    try {
      await importMovieLens(client, { dir: changed, files: ['movies'] });
      const rows = (await names(client)).filter((r) => r.movielens_id === 4).map((r) => [r.search_name, r.source]);
      expect(rows).toEqual([
        ['enfants perdus', 'movielens'],
        ['lost children', 'main'],
      ]);
    } finally {
      await rm(changed, { recursive: true, force: true });
    }
  });
});

describe('title_names for titles written without the import', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('gets a main row from the trigger, so any title is searchable', async () => {
    const title = await db.prisma.title.create({ data: { name: 'Arrival', searchName: 'arrival', year: 2016 } });
    await db.prisma.title.createMany({
      data: [
        { name: 'Heat', searchName: 'heat' },
        { name: 'Up', searchName: 'up' },
      ],
    });
    const rows = await db.prisma.titleName.findMany({ orderBy: { searchName: 'asc' }, select: { searchName: true, source: true, compact: true } });
    expect(rows).toEqual([
      { searchName: 'arrival', source: 'main', compact: 'arrival' },
      { searchName: 'heat', source: 'main', compact: 'heat' },
      { searchName: 'up', source: 'main', compact: 'up' },
    ]);
    expect((await searchTitles(db.prisma, 'arival'))[0]?.id).toBe(title.id);
  });

  it('finds a title of the wanted kind among more than a branch limit of other kinds', async () => {
    await db.prisma.title.createMany({ data: Array.from({ length: 60 }, (_, i) => ({ name: `Love ${i + 1}`, searchName: `love ${i + 1}`, ratingCount: 100 })) });
    const show = await db.prisma.title.create({ data: { name: 'The Love Boat', searchName: 'the love boat', kind: 'show' } });
    expect((await searchTitles(db.prisma, 'love', { kind: 'show' })).map((r) => r.id)).toEqual([show.id]);
    expect(await searchTitles(db.prisma, 'love', { limit: 60 })).toHaveLength(60);
  });

  it('replaces the main row when search_name changes, and drops every row with the title', async () => {
    const title = await db.prisma.title.create({ data: { name: 'Story of Your Life', searchName: 'story of your life' } });
    await db.prisma.title.update({ where: { id: title.id }, data: { searchName: 'the story of your life' } });
    expect(await db.prisma.titleName.findMany({ where: { titleId: title.id }, select: { searchName: true } })).toEqual([{ searchName: 'the story of your life' }]);
    await db.prisma.title.update({ where: { id: title.id }, data: { year: 1998 } });
    expect(await db.prisma.titleName.count({ where: { titleId: title.id } })).toBe(1);
    await db.prisma.title.delete({ where: { id: title.id } });
    expect(await db.prisma.titleName.count({ where: { titleId: title.id } })).toBe(0);
  });
});

describe('the search_title_names migration on a database that already has titles', () => {
  const name = `tbtest_${Date.now()}_${process.pid}_names`;
  let older: string;
  let dir: string;

  beforeAll(async () => {
    await onServer((c) => createDatabase(c, name));
    // The migrations before this one, as a database made before it has them.
    older = await mkdtemp(join(tmpdir(), 'tastebud-migrations-'));
    for (const entry of (await readdir(migrations)).filter((e) => e < '20261210000000')) {
      await mkdir(join(older, entry), { recursive: true });
      await cp(join(migrations, entry), join(older, entry), { recursive: true });
    }
    dir = await movieLensDir(MOVIES);
  });

  afterAll(async () => {
    await onServer((c) => dropDatabase(c, name));
    await rm(older, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('makes every title searchable by its stored name at once, and the next import adds its other names', async () => {
    const url = serverUrl(name);
    await applyMigrations(url, older);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const prisma = createPrisma(url);
    try {
      // As the import wrote titles before: the whole name, brackets and all, as search_name.
      await client.query(
        `INSERT INTO titles (kind, name, year, genres, tags, movielens_id, search_name, updated_at)
         VALUES ('movie', 'Léon: The Professional (The Professional) (Léon)', 1994, '{}', '{}', 1, 'leon the professional the professional leon', now())`,
      );
      const report = await applyMigrations(url, migrations);
      // This one first; migrations added after it apply after it.
      expect(report.applied[0]).toBe('20261210000000_search_title_names');
      expect((await client.query('SELECT search_name, source::text FROM title_names')).rows).toEqual([{ search_name: 'leon the professional the professional leon', source: 'main' }]);
      expect((await searchTitles(prisma, 'leon the professional'))[0]?.year).toBe(1994);

      await importMovieLens(client, { dir, files: ['movies'] });
      const { rows } = await client.query('SELECT n.search_name, n.source::text FROM title_names n JOIN titles t ON t.id = n.title_id WHERE t.movielens_id = 1 ORDER BY 1');
      expect(rows).toEqual([
        { search_name: 'leon', source: 'movielens' },
        { search_name: 'leon the professional', source: 'main' },
        { search_name: 'the professional', source: 'movielens' },
      ]);
    } finally {
      await prisma.$disconnect();
      await client.end();
    }
  });
});
