import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { writeMovieLensNames } from '../catalog/title-names.ts';
import { readCsvLines } from './csv-lines.ts';
import {
  checkHeader,
  HEADERS,
  parseLinkRow,
  parseMovieRow,
  parseRatingRow,
  parseTagRow,
  TagCounter,
  type LinkRow,
  type MovieLensFile,
  type MovieRow,
  type RatingRow,
  type RowResult,
} from './rows.ts';

/** What the import writes through: a node-postgres client (or pool) connected to a migrated database. */
export type SqlClient = Pick<pg.ClientBase, 'query'>;

/** The directory or one of its files cannot be imported at all (missing, unreadable, wrong header). */
export class ImportInputError extends Error {
  override name = 'ImportInputError';
}

/** A row that was skipped, with where it is. */
export interface ImportProblem {
  file: MovieLensFile;
  path: string;
  line: number;
  reason: string;
}

export interface ImportProgress {
  file: MovieLensFile;
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
}

export interface FileSummary {
  file: MovieLensFile;
  path: string;
  /** Data rows read (the header and blank lines not counted). */
  read: number;
  imported: number;
  skipped: number;
  ms: number;
}

export interface ImportSummary {
  dir: string;
  files: FileSummary[];
  /** Rows in the database afterwards (every source, not only this import). */
  totals: { titles: number; users: number; ratings: number };
  ms: number;
}

export interface ImportOptions {
  /** Directory holding movies.csv, links.csv, tags.csv and ratings.csv. */
  dir: string;
  /** Files to import, in this order (default all four); links, tags and ratings need their titles imported before. */
  files?: readonly MovieLensFile[];
  /** Rows per INSERT (default 5,000). */
  batchSize?: number;
  /** Tags kept per title (default 20). */
  maxTags?: number;
  /** Longest line accepted (default 64 KiB). */
  maxLineBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
  onProblem?: (problem: ImportProblem) => void;
}

export const ALL_FILES: readonly MovieLensFile[] = ['movies', 'links', 'tags', 'ratings'];

/**
 * Checks that `dir` holds the wanted MovieLens files; returns their paths and sizes. Throws an
 * {@link ImportInputError} naming the missing path and what belongs there.
 */
export async function findMovieLensFiles(dir: string, files: readonly MovieLensFile[] = ALL_FILES): Promise<Map<MovieLensFile, { path: string; size: number }>> {
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) {
    throw new ImportInputError(
      `No MovieLens directory at ${dir}: expected a folder holding ${files.map((f) => `${f}.csv`).join(', ')} (an unpacked ml-latest-small.zip); run 'tastebud data download movielens' or pass --dir.`,
    );
  }
  const found = new Map<MovieLensFile, { path: string; size: number }>();
  for (const file of files) {
    const path = join(dir, `${file}.csv`);
    const fileStat = await stat(path).catch(() => null);
    if (!fileStat?.isFile()) throw new ImportInputError(`${path} is missing: expected MovieLens ${file}.csv with the header "${HEADERS[file].join(',')}".`);
    found.set(file, { path, size: fileStat.size });
  }
  return found;
}

interface FileReader<T> {
  file: MovieLensFile;
  path: string;
  size: number;
  parse: (fields: readonly string[]) => RowResult<T>;
  /** Further checks on a valid row (e.g. the movie is known); returns a reason to skip it. */
  check?: (row: T) => string | null;
  write: (rows: T[]) => Promise<void>;
}

/**
 * Streams one file through validation into batched writes. Returns its summary; bad rows are handed to
 * `onProblem` and counted, never fatal. A wrong header is fatal: the columns cannot be trusted.
 */
async function importFile<T>(reader: FileReader<T>, options: ImportOptions): Promise<FileSummary> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 5000;
  const summary: FileSummary = { file: reader.file, path: reader.path, read: 0, imported: 0, skipped: 0, ms: 0 };
  const progress: ImportProgress = { file: reader.file, bytesRead: 0, totalBytes: reader.size, rowsRead: 0 };
  const problem = (line: number, reason: string) => {
    summary.skipped++;
    options.onProblem?.({ file: reader.file, path: reader.path, line, reason });
  };
  let batch: T[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    await reader.write(rows);
    summary.imported += rows.length;
  };
  let sawHeader = false;
  const stream = createReadStream(reader.path, { highWaterMark: 1 << 20 });
  try {
    for await (const lines of readCsvLines(stream, { maxLineBytes: options.maxLineBytes, onBytes: (n) => (progress.bytesRead += n) })) {
      for (const entry of lines) {
        if (!sawHeader) {
          sawHeader = true;
          const bad = 'problem' in entry ? entry.problem : checkHeader(entry.fields, reader.file);
          if (bad) throw new ImportInputError(`${reader.path} line ${entry.line}: ${bad}; is this MovieLens ${reader.file}.csv?`);
          continue;
        }
        summary.read++;
        if ('problem' in entry) {
          problem(entry.line, entry.problem);
          continue;
        }
        const parsed = reader.parse(entry.fields);
        if (!parsed.ok) {
          problem(entry.line, parsed.reason);
          continue;
        }
        const rejected = reader.check?.(parsed.row);
        if (rejected) {
          problem(entry.line, rejected);
          continue;
        }
        batch.push(parsed.row);
        if (batch.length >= batchSize) await flush();
      }
      progress.rowsRead = summary.read;
      options.onProgress?.({ ...progress });
    }
    await flush();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOENT') throw new ImportInputError(`Cannot read ${reader.path}: ${(error as Error).message}`);
    throw error;
  } finally {
    stream.destroy();
  }
  if (!sawHeader) throw new ImportInputError(`${reader.path} is empty: expected the header "${HEADERS[reader.file].join(',')}" and rows.`);
  summary.ms = Date.now() - started;
  return summary;
}

/** Keeps the last row per key: one INSERT ... ON CONFLICT DO UPDATE may not touch a row twice. */
function lastPerKey<T>(rows: T[], key: (row: T) => string | number): T[] {
  const byKey = new Map<string | number, T>();
  for (const row of rows) byKey.set(key(row), row);
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

/** Reads just the first line of a file and checks it is the MovieLens header for that file. */
async function checkFileHeader(file: MovieLensFile, path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
    if (first.trim() === '') throw new ImportInputError(`${path} is empty: expected the header "${HEADERS[file].join(',')}" and rows.`);
    const bad = checkHeader(first.split(','), file);
    if (bad) throw new ImportInputError(`${path} line 1: ${bad}; is this MovieLens ${file}.csv? Nothing was imported.`);
  } finally {
    await handle.close();
  }
}

async function titleIdsByMovieLensId(db: SqlClient): Promise<Map<number, number>> {
  const { rows } = await db.query<{ id: number; movielens_id: number }>('SELECT id, movielens_id FROM titles WHERE movielens_id IS NOT NULL');
  return new Map(rows.map((r) => [r.movielens_id, r.id]));
}

async function datasetUserIds(db: SqlClient): Promise<Map<number, number>> {
  const { rows } = await db.query<{ id: number; external_id: string }>("SELECT id, external_id FROM users WHERE source = 'dataset'");
  const users = new Map<number, number>();
  for (const r of rows) if (/^\d+$/.test(r.external_id)) users.set(Number(r.external_id), r.id);
  return users;
}

/**
 * Imports a MovieLens directory (ml-latest-small, ml-25m, ml-32m: same layout) into the titles, users and
 * ratings tables, then recomputes every title's rating count and mean. Streams each file; batches upsert
 * keyed by movielens_id, (source, external_id) and (user_id, title_id), so running it again changes nothing.
 * Dataset users get source 'dataset' with the MovieLens userId as external id; ratings get source 'import'
 * and the rating's own time as created/updated time. Ends with VACUUM ANALYZE, so `db` must not be inside a transaction.
 */
export async function importMovieLens(db: SqlClient, options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const wanted = options.files ?? ALL_FILES;
  const found = await findMovieLensFiles(options.dir, wanted);
  // Every header is checked before anything is written, so a wrong file cannot leave half an import behind.
  for (const file of wanted) await checkFileHeader(file, found.get(file)!.path);
  // Each batch commits on its own; losing the last few on a crash is harmless because the import is rerunnable.
  await db.query('SET synchronous_commit TO off');
  const files: FileSummary[] = [];
  let titleIds = new Map<number, number>();
  const unknownMovie = (row: { movielensId: number }) =>
    titleIds.has(row.movielensId) ? null : `movieId ${row.movielensId} is not in movies.csv (or that row was skipped)`;

  const seenMovies = new Set<number>();
  const duplicateMovie = (row: { movielensId: number }) =>
    seenMovies.has(row.movielensId) ? `movieId ${row.movielensId} appears again; the first row is kept` : (seenMovies.add(row.movielensId), null);
  try {
    for (const file of wanted) {
      const { path, size } = found.get(file)!;
      if (file !== 'movies' && titleIds.size === 0) titleIds = await titleIdsByMovieLensId(db);
      switch (file) {
        case 'movies':
          files.push(await importFile({ file, path, size, parse: parseMovieRow, check: duplicateMovie, write: (rows) => writeTitles(db, rows) }, options));
          titleIds = await titleIdsByMovieLensId(db);
          break;
        case 'links':
          files.push(await importFile({ file, path, size, parse: parseLinkRow, check: unknownMovie, write: (rows) => writeLinks(db, rows) }, options));
          break;
        case 'tags': {
          const counter = new TagCounter();
          const summary = await importFile(
            {
              file,
              path,
              size,
              parse: parseTagRow,
              check: unknownMovie,
              write: async (rows) => {
                for (const row of rows) counter.add(row.movielensId, row.tag);
              },
            },
            options,
          );
          const writing = Date.now();
          await writeTags(db, counter, titleIds, options.maxTags ?? 20, options.batchSize ?? 5000);
          files.push({ ...summary, ms: summary.ms + (Date.now() - writing) });
          break;
        }
        case 'ratings': {
          const userIds = await datasetUserIds(db);
          files.push(
            await importFile(
              { file, path, size, parse: parseRatingRow, check: unknownMovie, write: (rows) => writeRatings(db, rows, titleIds, userIds) },
              options,
            ),
          );
          break;
        }
      }
    }
  } finally {
    // Ratings that did land (even before a failure) must show in the titles' counts and means.
    await recomputeRatingStats(db);
  }
  // Bulk writes leave the trigram index's pending list long and the planner's statistics stale; both slow search.
  await db.query('VACUUM ANALYZE titles');
  await db.query('VACUUM ANALYZE title_names');
  await db.query('ANALYZE users');
  await db.query('ANALYZE ratings');
  const { rows } = await db.query<{ titles: number; users: number; ratings: number }>(
    'SELECT (SELECT count(*) FROM titles)::int AS titles, (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM ratings)::int AS ratings',
  );
  return { dir: options.dir, files, totals: rows[0]!, ms: Date.now() - started };
}

async function writeTitles(db: SqlClient, batch: MovieRow[]): Promise<void> {
  const rows = lastPerKey(batch, (r) => r.movielensId);
  // Rows that did not change are left alone, so a second import does not touch updated_at.
  await db.query(
    `INSERT INTO titles (kind, name, year, genres, tags, movielens_id, search_name, updated_at)
     SELECT 'movie', r.name, r.year, r.genres, '{}', r.id, r.search_name, now()
     FROM jsonb_to_recordset($1::jsonb) AS r(id int, name text, year int, genres text[], search_name text)
     ON CONFLICT (movielens_id) DO UPDATE
       SET name = EXCLUDED.name, year = EXCLUDED.year, genres = EXCLUDED.genres, search_name = EXCLUDED.search_name, updated_at = now()
       WHERE (titles.name, titles.year, titles.genres, titles.search_name) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.year, EXCLUDED.genres, EXCLUDED.search_name)`,
    [JSON.stringify(rows.map((r) => ({ id: r.movielensId, name: r.name, year: r.year, genres: r.genres, search_name: r.searchName })))],
  );
  // Their a.k.a. and original-language names, searchable like the main one.
  await writeMovieLensNames(db, rows);
}

async function writeLinks(db: SqlClient, batch: LinkRow[]): Promise<void> {
  const rows = lastPerKey(batch, (r) => r.movielensId);
  await db.query(
    `UPDATE titles t SET imdb_id = r.imdb, tmdb_id = r.tmdb, updated_at = now()
     FROM unnest($1::int[], $2::text[], $3::int[]) AS r(id, imdb, tmdb)
     WHERE t.movielens_id = r.id AND (t.imdb_id, t.tmdb_id) IS DISTINCT FROM (r.imdb, r.tmdb)`,
    [rows.map((r) => r.movielensId), rows.map((r) => r.imdbId), rows.map((r) => r.tmdbId)],
  );
}

/** Sets each tagged title's top tags and clears tags of MovieLens titles no longer tagged. */
async function writeTags(db: SqlClient, counter: TagCounter, titleIds: Map<number, number>, maxTags: number, batchSize: number): Promise<void> {
  const tagged: number[] = [];
  let batch: { id: number; tags: string[] }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await db.query(
      `UPDATE titles t SET tags = r.tags, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS r(id int, tags text[])
       WHERE t.id = r.id AND t.tags IS DISTINCT FROM r.tags`,
      [JSON.stringify(batch)],
    );
    batch = [];
  };
  for (const [movielensId, tags] of counter.top(maxTags)) {
    const id = titleIds.get(movielensId);
    if (id === undefined) continue;
    tagged.push(id);
    batch.push({ id, tags });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await db.query(
    `UPDATE titles SET tags = '{}', updated_at = now()
     WHERE movielens_id IS NOT NULL AND cardinality(tags) > 0 AND NOT (id = ANY($1::int[]))`,
    [tagged],
  );
}

async function writeRatings(db: SqlClient, batch: RatingRow[], titleIds: Map<number, number>, userIds: Map<number, number>): Promise<void> {
  const newUsers = [...new Set(batch.filter((r) => !userIds.has(r.userId)).map((r) => String(r.userId)))];
  if (newUsers.length > 0) {
    await db.query(
      `INSERT INTO users (source, external_id) SELECT 'dataset', x FROM unnest($1::text[]) AS x
       ON CONFLICT (source, external_id) DO NOTHING`,
      [newUsers],
    );
    const { rows } = await db.query<{ id: number; external_id: string }>(
      "SELECT id, external_id FROM users WHERE source = 'dataset' AND external_id = ANY($1::text[])",
      [newUsers],
    );
    for (const r of rows) userIds.set(Number(r.external_id), r.id);
  }
  const rows = lastPerKey(batch, (r) => `${r.userId}:${r.movielensId}`);
  // Prisma keeps DateTime as UTC in timestamp(3) columns, hence AT TIME ZONE 'UTC'.
  await db.query(
    `INSERT INTO ratings (user_id, title_id, value, source, created_at, updated_at)
     SELECT r.u, r.t, r.v, 'import', to_timestamp(r.ts) AT TIME ZONE 'UTC', to_timestamp(r.ts) AT TIME ZONE 'UTC'
     FROM unnest($1::int[], $2::int[], $3::real[], $4::bigint[]) AS r(u, t, v, ts)
     ON CONFLICT (user_id, title_id) DO UPDATE
       SET value = EXCLUDED.value, source = EXCLUDED.source, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
       WHERE (ratings.value, ratings.source, ratings.updated_at) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source, EXCLUDED.updated_at)`,
    [rows.map((r) => userIds.get(r.userId)!), rows.map((r) => titleIds.get(r.movielensId)!), rows.map((r) => r.value), rows.map((r) => r.timestamp)],
  );
}

/** rating_count and rating_mean of every title, from all its ratings (imported and members'). */
export async function recomputeRatingStats(db: SqlClient): Promise<void> {
  await db.query(
    `UPDATE titles t SET rating_count = s.n, rating_mean = s.mean, updated_at = now()
     FROM (
       SELECT ti.id, count(r.title_id)::int AS n, avg(r.value)::float8 AS mean
       FROM titles ti LEFT JOIN ratings r ON r.title_id = ti.id
       GROUP BY ti.id
     ) s
     WHERE t.id = s.id AND (t.rating_count, t.rating_mean) IS DISTINCT FROM (s.n, s.mean)`,
  );
}
