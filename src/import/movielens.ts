import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlClient } from './copy.ts';
import { readCsvLines } from './csv-lines.ts';
import { checkHeader, HEADERS, parseLinkRow, parseMovieRow, parseRatingRow, parseTagRow, type MovieLensFile, type RowResult } from './rows.ts';
import type { GoodbooksFile } from './goodbooks-rows.ts';
import { linksSink, ratingsSink, tagsSink, titlesSink, type RowSink } from './staged-writes.ts';

export type { SqlClient } from './copy.ts';

/**
 * The directory or one of its files cannot be imported at all (missing, unreadable, wrong header, truncated
 * or mostly garbage), or the database ran out of room; nothing of the import was kept.
 */
export class ImportInputError extends Error {
  override name = 'ImportInputError';
}

/** A row that was skipped, with where it is. */
export interface ImportProblem {
  file: MovieLensFile | GoodbooksFile;
  path: string;
  line: number;
  reason: string;
}

export interface ImportProgress {
  file: MovieLensFile | GoodbooksFile;
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
}

export interface FileSummary {
  file: MovieLensFile | GoodbooksFile;
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
  /** Rows copied and merged at once (default 250,000 ratings; 50,000 movies or links; 100,000 tags). */
  batchSize?: number;
  /** Tags kept per title (default 20). */
  maxTags?: number;
  /** Longest line accepted (default 64 KiB). */
  maxLineBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
  onProblem?: (problem: ImportProblem) => void;
  /** Called when a long step without progress by bytes begins (recounting ratings, committing). */
  onStep?: (step: string) => void;
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

/** One file of a dataset on its way through {@link importFile}. */
export interface FileReader<T> {
  file: MovieLensFile | GoodbooksFile;
  /** "MovieLens" or "Goodbooks", for messages. */
  dataset?: string;
  /** Checks the header line; a reason when it is wrong (default: the MovieLens header of `file`). */
  header?: (fields: readonly string[]) => string | null;
  path: string;
  size: number;
  parse: (fields: readonly string[]) => RowResult<T>;
  /** Further checks on a valid row (e.g. the movie is known); returns a reason to skip it. */
  check?: (row: T) => string | null;
  sink: RowSink<T>;
}

/** Past this many bad rows, and a tenth of those read, a file is taken for corrupt rather than merely untidy. */
const CORRUPT_AFTER = 1000;

/**
 * Streams one file through validation into its sink. Bad rows are handed to `onProblem` and counted; a wrong
 * header, a cut-off last line or a file of mostly bad rows is fatal (an {@link ImportInputError}).
 */
export async function importFile<T>(reader: FileReader<T>, options: Pick<ImportOptions, 'maxLineBytes' | 'onProgress' | 'onProblem'>): Promise<FileSummary> {
  const dataset = reader.dataset ?? 'MovieLens';
  const checkFirst = reader.header ?? ((fields: readonly string[]) => checkHeader(fields, reader.file as MovieLensFile));
  const started = Date.now();
  const summary: FileSummary = { file: reader.file, path: reader.path, read: 0, imported: 0, skipped: 0, ms: 0 };
  const progress: ImportProgress = { file: reader.file, bytesRead: 0, totalBytes: reader.size, rowsRead: 0 };
  const where = (line: number) => `${reader.path} line ${line}`;
  const problem = (line: number, reason: string, cutOff: boolean) => {
    if (cutOff)
      throw new ImportInputError(
        `${where(line)} ends in the middle of a row (${reason}): ${reader.file}.csv looks truncated (an interrupted download or copy?). Nothing was imported; unpack or copy the file again.`,
      );
    summary.skipped++;
    options.onProblem?.({ file: reader.file, path: reader.path, line, reason });
    if (summary.skipped > CORRUPT_AFTER && summary.skipped * 10 > summary.read) {
      throw new ImportInputError(
        `${reader.path}: ${summary.skipped} of the first ${summary.read} rows are malformed (line ${line}: ${reason}); the file looks corrupt. Nothing was imported; unpack or copy it again.`,
      );
    }
  };
  let sawHeader = false;
  const stream = createReadStream(reader.path, { highWaterMark: 1 << 20 });
  try {
    for await (const lines of readCsvLines(stream, { maxLineBytes: options.maxLineBytes, onBytes: (n) => (progress.bytesRead += n) })) {
      for (const entry of lines) {
        if (!sawHeader) {
          sawHeader = true;
          const bad = 'problem' in entry ? entry.problem : checkFirst(entry.fields);
          if (bad) throw new ImportInputError(`${where(entry.line)}: ${bad}; is this ${dataset} ${reader.file}.csv?`);
          continue;
        }
        summary.read++;
        const cutOff = entry.unterminated === true;
        if ('problem' in entry) {
          problem(entry.line, entry.problem, cutOff);
          continue;
        }
        const parsed = reader.parse(entry.fields);
        if (!parsed.ok) {
          problem(entry.line, parsed.reason, cutOff);
          continue;
        }
        const rejected = reader.check?.(parsed.row);
        if (rejected) {
          problem(entry.line, rejected, false);
          continue;
        }
        reader.sink.add(parsed.row, entry.line);
        summary.imported++;
        if (reader.sink.full) await reader.sink.flush();
      }
      progress.rowsRead = summary.read;
      options.onProgress?.({ ...progress });
    }
    await reader.sink.finish();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOENT' || code === 'EIO') throw new ImportInputError(`Cannot read ${reader.path}: ${(error as Error).message}`);
    throw error;
  } finally {
    stream.destroy();
  }
  if (!sawHeader) throw new ImportInputError(`${reader.path} is empty: expected a ${dataset} ${reader.file}.csv header and rows.`);
  summary.ms = Date.now() - started;
  return summary;
}

/** Reads just the first line of a file and checks it is the MovieLens header for that file. */
async function checkFileHeader(file: MovieLensFile, path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const first =
      buffer
        .subarray(0, bytesRead)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)[0] ?? '';
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

/** PostgreSQL's "disk full" and "out of memory" conditions, told as what to do about them. */
export function describeServerError(error: unknown, file: MovieLensFile | GoodbooksFile | null): Error {
  const code = (error as { code?: string }).code;
  const during = file ? ` while importing ${file}.csv` : '';
  if (code === '53100') {
    return new ImportInputError(
      `The database server ran out of disk space${during} (${(error as Error).message}). Nothing was imported: the import is one transaction and was rolled back. ` +
        'Free space where PostgreSQL keeps its data (ml-32m needs about 8 GB while importing) and run the import again.',
    );
  }
  if (code === '53200')
    return new ImportInputError(`The database server ran out of memory${during} (${(error as Error).message}); nothing was imported. Lower work_mem or --batch-size and run it again.`);
  return error as Error;
}

/**
 * Imports a MovieLens directory (ml-latest-small, ml-25m, ml-32m: same layout) into the titles, users and
 * ratings tables, then recomputes every title's rating count and mean. Each file streams through validation
 * and COPY into a temporary staging table, then merges set-based (keyed by movielens_id, (source,
 * external_id) and (user_id, title_id)), so running it again changes nothing. It all happens in one
 * transaction: others see the whole import or none of it, and a failure (a truncated file, a full disk)
 * leaves the database as it was. Dataset users get source 'dataset' with the MovieLens userId as external
 * id; ratings get source 'import' and the rating's own time as created/updated time. Ends with VACUUM
 * ANALYZE, so `db` (one connection) must not be inside a transaction.
 */
export async function importMovieLens(db: SqlClient, options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const wanted = options.files ?? ALL_FILES;
  const found = await findMovieLensFiles(options.dir, wanted);
  // Every header is checked before anything is written, so a wrong file fails fast.
  for (const file of wanted) await checkFileHeader(file, found.get(file)!.path);
  const files: FileSummary[] = [];
  let current: MovieLensFile | null = null;
  await db.query('BEGIN');
  try {
    // Sorts of a chunk (DISTINCT ON) and the rating recount stay in memory.
    await db.query("SET LOCAL work_mem = '128MB'");
    for (const file of wanted) {
      current = file;
      files.push(await importOne(db, file, found.get(file)!, options));
    }
    current = null;
    options.onStep?.("Updating every title's rating count and mean");
    await recomputeRatingStats(db);
    options.onStep?.('Committing');
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw describeServerError(error, current);
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

/** One file into its staging table and on into the database (inside the import's transaction). */
async function importOne(db: SqlClient, file: MovieLensFile, where: { path: string; size: number }, options: ImportOptions): Promise<FileSummary> {
  const chunk = options.batchSize;
  const known = file === 'movies' ? new Map<number, number>() : await titleIdsByMovieLensId(db);
  const unknownMovie = (row: { movielensId: number }) => (known.has(row.movielensId) ? null : `movieId ${row.movielensId} is not in movies.csv (or that row was skipped)`);
  const base = { file, path: where.path, size: where.size };
  switch (file) {
    case 'movies': {
      const seen = new Set<number>();
      const duplicate = (row: { movielensId: number }) => (seen.has(row.movielensId) ? `movieId ${row.movielensId} appears again; the first row is kept` : (seen.add(row.movielensId), null));
      return importFile({ ...base, parse: parseMovieRow, check: duplicate, sink: await titlesSink(db, chunk) }, options);
    }
    case 'links':
      return importFile({ ...base, parse: parseLinkRow, check: unknownMovie, sink: await linksSink(db, chunk) }, options);
    case 'tags':
      return importFile({ ...base, parse: parseTagRow, check: unknownMovie, sink: await tagsSink(db, options.maxTags ?? 20, chunk) }, options);
    case 'ratings':
      return importFile({ ...base, parse: parseRatingRow, check: unknownMovie, sink: await ratingsSink(db, chunk) }, options);
  }
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
