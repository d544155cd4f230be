/**
 * Where validated MovieLens rows go: COPY into a staging table, then one set-based statement per file (per
 * chunk for ratings) merges them into titles, users and ratings. Unchanged rows are never rewritten, so a
 * second import leaves even updated_at alone.
 */
import { writeMovieLensNames } from '../catalog/title-names.ts';
import { copyArray, copyValue, Staging, type SqlClient } from './copy.ts';
import type { LinkRow, MovieRow, RatingRow, TagRow } from './rows.ts';

/** Receives a file's valid rows; {@link importFile} calls flush() whenever `full` says so, then finish(). */
export interface RowSink<T> {
  add(row: T, line: number): void;
  readonly full: boolean;
  flush(): Promise<void>;
  finish(): Promise<void>;
}

export interface Chunking<T> {
  rows: number;
  /** The row as a line of COPY text, made as it arrives so a chunk is held as text, not objects. */
  format: (row: T, line: number) => string;
  /** Before a chunk is copied (e.g. create the users it names). */
  prepare?: () => Promise<void>;
  /** After each chunk is copied: merge it and empty the staging table. Without it, chunks pile up for atEnd. */
  merge?: () => Promise<void>;
  atEnd: () => Promise<void>;
}

/**
 * Buffers rows as COPY text and hands full chunks to the database without waiting, so the next chunk is read
 * and checked while PostgreSQL copies and merges the last one; at most two chunks are held.
 */
class StagedSink<T> implements RowSink<T> {
  private pieces: Buffer[] = [];
  private piece = '';
  private rows = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly staging: Staging,
    private readonly chunking: Chunking<T>,
  ) {}

  add(row: T, line: number): void {
    this.piece += this.chunking.format(row, line);
    this.rows++;
    // Flattened to bytes every 64 KiB: a chunk is then a few hundred buffers, not a rope of a million strings.
    if (this.piece.length >= 1 << 16) {
      this.pieces.push(Buffer.from(this.piece));
      this.piece = '';
    }
  }

  get full(): boolean {
    return this.rows >= this.chunking.rows;
  }

  async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure.error;
    if (this.piece !== '') this.pieces.push(Buffer.from(this.piece));
    const pieces = this.pieces;
    this.pieces = [];
    this.piece = '';
    this.rows = 0;
    this.inFlight = this.write(pieces).catch((error: unknown) => {
      this.failure = { error };
    });
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.inFlight;
    if (this.failure) throw this.failure.error;
    await this.chunking.atEnd();
  }

  private async write(pieces: Buffer[]): Promise<void> {
    if (pieces.length === 0) return;
    await this.chunking.prepare?.();
    await this.staging.copy(pieces);
    if (this.chunking.merge) {
      await this.chunking.merge();
      await this.staging.truncate();
    }
  }
}

/** A sink that stages rows in a temporary table `table` (with `columns`) and merges them as `chunking` says. */
export async function staged<T>(db: SqlClient, table: string, columns: string, chunking: Chunking<T>): Promise<RowSink<T>> {
  const staging = new Staging(db, table, columns);
  await staging.create();
  return new StagedSink(staging, chunking);
}

/**
 * Titles keyed by movielens_id; a movie whose name, year and genres did not change is left alone. Then their
 * a.k.a. and original-language names (title_names), searchable like the main one.
 */
export function titlesSink(db: SqlClient, chunkRows = 50_000): Promise<RowSink<MovieRow>> {
  const names: { movielensId: number; name: string }[] = [];
  return staged<MovieRow>(db, 'import_movies', 'movielens_id int, name text, year int, genres text[], search_name text', {
    rows: chunkRows,
    format: (r) => {
      names.push({ movielensId: r.movielensId, name: r.name });
      return `${r.movielensId}\t${copyValue(r.name)}\t${copyValue(r.year)}\t${copyArray(r.genres)}\t${copyValue(r.searchName)}\n`;
    },
    atEnd: async () => {
      await db.query(
        `INSERT INTO titles (kind, name, year, genres, tags, movielens_id, search_name, updated_at)
         SELECT 'movie', s.name, s.year, s.genres, '{}', s.movielens_id, s.search_name, now() FROM import_movies s
         ON CONFLICT (movielens_id) DO UPDATE
           SET name = EXCLUDED.name, year = EXCLUDED.year, genres = EXCLUDED.genres, search_name = EXCLUDED.search_name, updated_at = now()
           WHERE (titles.name, titles.year, titles.genres, titles.search_name) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.year, EXCLUDED.genres, EXCLUDED.search_name)`,
      );
      for (let start = 0; start < names.length; start += 5000) await writeMovieLensNames(db, names.slice(start, start + 5000));
    },
  });
}

/** IMDb and TMDb ids of known titles; of two rows for one movie the later wins. */
export function linksSink(db: SqlClient, chunkRows = 50_000): Promise<RowSink<LinkRow>> {
  return staged<LinkRow>(db, 'import_links', 'line int, movielens_id int, imdb text, tmdb int', {
    rows: chunkRows,
    format: (r, line) => `${line}\t${r.movielensId}\t${copyValue(r.imdbId)}\t${copyValue(r.tmdbId)}\n`,
    atEnd: async () => {
      await db.query(
        `UPDATE titles t SET imdb_id = s.imdb, tmdb_id = s.tmdb, updated_at = now()
         FROM (SELECT DISTINCT ON (movielens_id) movielens_id, imdb, tmdb FROM import_links ORDER BY movielens_id, line DESC) s
         WHERE t.movielens_id = s.movielens_id AND (t.imdb_id, t.tmdb_id) IS DISTINCT FROM (s.imdb, s.tmdb)`,
      );
    },
  });
}

/**
 * Each tagged title's `maxTags` most frequent tags, most frequent first, ties first seen first; tags differing
 * only in case count as one and keep the spelling seen first. MovieLens titles no longer tagged lose theirs.
 */
export function tagsSink(db: SqlClient, maxTags: number, chunkRows = 100_000): Promise<RowSink<TagRow>> {
  return staged<TagRow>(db, 'import_tags', 'line int, movielens_id int, tag text', {
    rows: chunkRows,
    format: (r, line) => `${line}\t${r.movielensId}\t${copyValue(r.tag)}\n`,
    atEnd: async () => {
      await db.query(
        `WITH counted AS (
           SELECT DISTINCT ON (movielens_id, lower(tag)) movielens_id, tag,
                  count(*) OVER (PARTITION BY movielens_id, lower(tag)) AS n, line
           FROM import_tags ORDER BY movielens_id, lower(tag), line
         ), ranked AS (
           SELECT movielens_id, tag, row_number() OVER (PARTITION BY movielens_id ORDER BY n DESC, line) AS rank FROM counted
         ), top AS (
           SELECT movielens_id, array_agg(tag ORDER BY rank) AS tags FROM ranked WHERE rank <= $1 GROUP BY movielens_id
         )
         UPDATE titles t SET tags = top.tags, updated_at = now() FROM top
         WHERE t.movielens_id = top.movielens_id AND t.tags IS DISTINCT FROM top.tags`,
        [maxTags],
      );
      await db.query(
        `UPDATE titles t SET tags = '{}', updated_at = now()
         WHERE t.movielens_id IS NOT NULL AND cardinality(t.tags) > 0 AND NOT EXISTS (SELECT 1 FROM import_tags s WHERE s.movielens_id = t.movielens_id)`,
      );
    },
  });
}

/**
 * Dataset users (source 'dataset', the MovieLens userId as external id) and their ratings (source 'import',
 * dated by their timestamps), merged a chunk at a time; of two rows for one user and movie the later wins.
 * Into an empty ratings table (a first import) the foreign keys and secondary indexes are dropped for the
 * import and rebuilt at its end, inside the same transaction: checking a key per row costs more than
 * inserting it. That holds an exclusive lock on ratings until the import commits.
 */
export async function ratingsSink(db: SqlClient, chunkRows = 250_000): Promise<RowSink<RatingRow>> {
  const { rows } = await db.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM ratings) AS empty');
  const rebuild = rows[0]!.empty ? await dropRatingChecks(db) : null;
  const fresh = new Set<number>();
  let previousUser = -1;
  return staged<RatingRow>(db, 'import_ratings', 'line int, user_ext int, movielens_id int, value real, ts bigint', {
    rows: chunkRows,
    format: (r, line) => {
      if (r.userId !== previousUser) fresh.add((previousUser = r.userId));
      return `${line}\t${r.userId}\t${r.movielensId}\t${r.value}\t${r.timestamp}\n`;
    },
    prepare: async () => {
      const external = [...fresh].map(String);
      fresh.clear();
      previousUser = -1;
      await db.query(
        `INSERT INTO users (source, external_id) SELECT 'dataset', x FROM unnest($1::text[]) AS x ORDER BY x::bigint
         ON CONFLICT (source, external_id) DO NOTHING`,
        [external],
      );
    },
    // Prisma keeps DateTime as UTC in timestamp(3) columns, hence AT TIME ZONE 'UTC'.
    merge: async () => {
      await db.query(
        `INSERT INTO ratings (user_id, title_id, value, source, created_at, updated_at)
         SELECT u.id, t.id, s.value, 'import', s.at, s.at
         FROM (SELECT DISTINCT ON (user_ext, movielens_id) user_ext, movielens_id, value, to_timestamp(ts) AT TIME ZONE 'UTC' AS at
               FROM import_ratings ORDER BY user_ext, movielens_id, line DESC) s
         JOIN users u ON u.source = 'dataset' AND u.external_id = s.user_ext::text
         JOIN titles t ON t.movielens_id = s.movielens_id
         ORDER BY u.id, t.id
         ON CONFLICT (user_id, title_id) DO UPDATE
           SET value = EXCLUDED.value, source = EXCLUDED.source, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
           WHERE (ratings.value, ratings.source, ratings.updated_at) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source, EXCLUDED.updated_at)`,
      );
    },
    atEnd: async () => {
      if (rebuild) await rebuild();
    },
  });
}

/** Drops the ratings table's foreign keys and indexes other than its primary key; returns what puts them back. */
export async function dropRatingChecks(db: SqlClient): Promise<() => Promise<void>> {
  const { rows: keys } = await db.query<{ name: string; definition: string }>(
    "SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'ratings'::regclass AND contype = 'f'",
  );
  const { rows: indexes } = await db.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'ratings'::regclass AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
  );
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  for (const k of keys) await db.query(`ALTER TABLE ratings DROP CONSTRAINT ${quote(k.name)}`);
  for (const i of indexes) await db.query(`DROP INDEX ${quote(i.name)}`);
  return async () => {
    await db.query("SET LOCAL maintenance_work_mem = '512MB'");
    for (const i of indexes) await db.query(i.definition);
    for (const k of keys) await db.query(`ALTER TABLE ratings ADD CONSTRAINT ${quote(k.name)} ${k.definition}`);
  };
}
