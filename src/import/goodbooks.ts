/**
 * `tastebud import goodbooks`: Goodbooks-10k (github.com/zygmuntz/goodbooks-10k, CC BY-SA 4.0) into the catalogue
 * as `kind: book` titles, with its readers as background dataset users, the way MovieLens brings movies.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlClient } from './copy.ts';
import { checkGoodbooksHeader, GOODBOOKS_HEADERS, parseBookRatingRow, parseBookRow, parseBookTagRow, parseTagNameRow, type GoodbooksFile } from './goodbooks-rows.ts';
import { bookRatingsSink, booksSink, bookTagsSink, shelvesByBook, tagNamesSink, titleIdsByBookId } from './goodbooks-writes.ts';
import { describeServerError, importFile, ImportInputError, recomputeRatingStats, type FileSummary, type ImportOptions, type ImportSummary } from './movielens.ts';

/** Read in this order: shelves first (they decide each book's genres and tags), then books, then ratings. */
export const GOODBOOKS_FILES = ['tags', 'book_tags', 'books', 'ratings'] as const satisfies readonly GoodbooksFile[];
/** The published files; to_read.csv (books users marked "to read") is downloaded but not imported: it holds no ratings. */
export const GOODBOOKS_ALL_FILES: readonly GoodbooksFile[] = ['books', 'ratings', 'to_read', 'tags', 'book_tags'];

export type GoodbooksImportOptions = Omit<ImportOptions, 'files'>;

/** Checks that `dir` holds the Goodbooks files the import reads; an {@link ImportInputError} naming what is missing. */
export async function findGoodbooksFiles(dir: string): Promise<Map<GoodbooksFile, { path: string; size: number }>> {
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) {
    throw new ImportInputError(
      `No Goodbooks directory at ${dir}: expected a folder holding ${GOODBOOKS_FILES.map((f) => `${f}.csv`).join(', ')}; run 'tastebud data download goodbooks' or pass --dir.`,
    );
  }
  const found = new Map<GoodbooksFile, { path: string; size: number }>();
  for (const file of GOODBOOKS_FILES) {
    const path = join(dir, `${file}.csv`);
    const fileStat = await stat(path).catch(() => null);
    if (!fileStat?.isFile()) throw new ImportInputError(`${path} is missing: expected Goodbooks ${file}.csv with the header "${GOODBOOKS_HEADERS[file].join(',')}".`);
    found.set(file, { path, size: fileStat.size });
  }
  return found;
}

/**
 * Imports a Goodbooks-10k directory in one transaction (all of it or nothing), then recounts every title's
 * ratings and VACUUM ANALYZEs, so `db` must be one connection outside a transaction. Running it again changes
 * nothing; bad rows are skipped and reported by file and line through `onProblem`.
 */
export async function importGoodbooks(db: SqlClient, options: GoodbooksImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const found = await findGoodbooksFiles(options.dir);
  const files: FileSummary[] = [];
  let current: GoodbooksFile | null = null;
  const names = new Map<number, string>();
  const shelvings = new Map<number, { tagId: number; count: number }[]>();
  const base = (file: GoodbooksFile) => ({ file, dataset: 'Goodbooks', header: (fields: readonly string[]) => checkGoodbooksHeader(fields, file), ...found.get(file)! });
  await db.query('BEGIN');
  try {
    await db.query("SET LOCAL work_mem = '128MB'");
    current = 'tags';
    files.push(await importFile({ ...base('tags'), parse: parseTagNameRow, sink: tagNamesSink(names) }, options));
    current = 'book_tags';
    const unknownTag = (row: { tagId: number }) => (names.has(row.tagId) ? null : `tag_id ${row.tagId} is not in tags.csv (or that row was skipped)`);
    files.push(await importFile({ ...base('book_tags'), parse: parseBookTagRow, check: unknownTag, sink: bookTagsSink(shelvings) }, options));
    current = 'books';
    const seen = new Set<number>();
    const duplicate = (row: { bookId: number }) => (seen.has(row.bookId) ? `book_id ${row.bookId} appears again; the first row is kept` : (seen.add(row.bookId), null));
    const shelves = shelvesByBook(shelvings, names, options.maxTags ?? 20);
    files.push(await importFile({ ...base('books'), parse: parseBookRow, check: duplicate, sink: await booksSink(db, shelves, options.batchSize) }, options));
    current = 'ratings';
    const known = await titleIdsByBookId(db);
    const unknownBook = (row: { bookId: number }) => (known.has(row.bookId) ? null : `book_id ${row.bookId} is not in books.csv (or that row was skipped)`);
    files.push(await importFile({ ...base('ratings'), parse: parseBookRatingRow, check: unknownBook, sink: await bookRatingsSink(db, options.batchSize) }, options));
    current = null;
    options.onStep?.("Updating every title's rating count and mean");
    await recomputeRatingStats(db);
    options.onStep?.('Committing');
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw describeServerError(error, current);
  }
  await db.query('VACUUM ANALYZE titles');
  await db.query('VACUUM ANALYZE title_names');
  await db.query('ANALYZE users');
  await db.query('ANALYZE ratings');
  const { rows } = await db.query<{ titles: number; users: number; ratings: number }>(
    'SELECT (SELECT count(*) FROM titles)::int AS titles, (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM ratings)::int AS ratings',
  );
  return { dir: options.dir, files, totals: rows[0]!, ms: Date.now() - started };
}
