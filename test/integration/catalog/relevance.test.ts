import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadRelevanceSet, type RelevanceQuery } from '../../../bench/search-relevance.ts';
import { searchTitles } from '../../../src/catalog/search.ts';
import { importMovieLens } from '../../../src/import/movielens.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/** The real ml-latest-small catalogue with its ratings (popularity breaks ties), where the global setup found it. */
const movielens = inject('movielensDir');

let database: TestDatabase;
let set: RelevanceQuery[];
const titleIds = new Map<number, number>();

beforeAll(async () => {
  set = await loadRelevanceSet();
  database = await createTestDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await importMovieLens(client, { dir: movielens, files: ['movies', 'ratings'] });
    const { rows } = await client.query<{ id: number; movielens_id: number }>('SELECT id, movielens_id FROM titles');
    for (const r of rows) titleIds.set(r.movielens_id, r.id);
  } finally {
    await client.end();
  }
});

afterAll(async () => {
  await database?.drop();
});

describe('the relevance set (bench/data/search-relevance.tsv)', () => {
  it('has at least 200 queries of every kind the issue names, about a quarter held out', () => {
    expect(set.length).toBeGreaterThanOrEqual(200);
    expect(new Set(set.map((q) => q.kind))).toEqual(new Set(['typo', 'numeral', 'symbol', 'partial', 'original', 'abbreviation', 'year', 'article', 'short']));
    const heldOut = set.filter((q) => q.split === 'held-out').length / set.length;
    expect(heldOut).toBeGreaterThan(0.2);
    expect(heldOut).toBeLessThan(0.3);
    expect(new Set(set.map((q) => q.query)).size).toBe(set.length);
  });

  it('names each wanted title by its ml-latest-small movieId and title', async () => {
    const csv = await readFile(`${movielens}/movies.csv`, 'utf8');
    const titles = new Map(
      csv
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => {
          const [id, ...rest] = line.split(',');
          return [Number(id), rest.slice(0, -1).join(',').replace(/^"|"$/gu, '').replace(/""/gu, '"')] as const;
        }),
    );
    for (const q of set) expect(titles.get(q.movielensId), q.query).toBe(q.title);
  });
});

describe('searchTitles on a sample of the relevance set, against the real catalogue', () => {
  // Every fourth query: about 90, of every kind and both parts; bench/search.ts runs them all.
  const sample = () => set.filter((_, i) => i % 4 === 0);

  it('covers every kind', () => {
    expect(new Set(sample().map((q) => q.kind)).size).toBe(9);
  });

  it('puts the wanted title first for every sampled query', async () => {
    const misses: string[] = [];
    for (const q of sample()) {
      const [first] = await searchTitles(database.prisma, q.query, { limit: 10 });
      if (first?.id !== titleIds.get(q.movielensId)) misses.push(`${q.kind} ${JSON.stringify(q.query)}: wanted ${q.title}, got ${first?.name ?? 'nothing'} (${first?.year})`);
    }
    expect(misses).toEqual([]);
  });
});
