/**
 * Where validated Goodbooks rows go. Shelves (tags.csv, book_tags.csv) are gathered in memory, since they only
 * decide each book's genres and tags; books and ratings go through the same COPY-and-merge path as MovieLens
 * ({@link staged}). Books are keyed by their Goodbooks book_id in title_external_ids (a book already known by its
 * Goodreads id or ISBN is the same title); dataset users get external id "goodbooks:<user_id>", so they never
 * meet MovieLens users of the same number.
 */
import { copyArray, copyValue, type SqlClient } from './copy.ts';
import { shelvesToGenresAndTags, type BookRatingRow, type BookRow, type BookTagRow, type TagNameRow } from './goodbooks-rows.ts';
import { dropRatingChecks, staged, type RowSink } from './staged-writes.ts';

/** Goodbooks ratings carry no time; they are dated at the dataset's publication (September 2017). */
export const GOODBOOKS_RATED_AT = '2017-09-01 00:00:00';
/** Prefix of Goodbooks users' external ids. */
export const GOODBOOKS_USER_PREFIX = 'goodbooks:';
/** Shelves looked at per book (most shelved first) when choosing its genres and tags. */
const SHELVES_PER_BOOK = 60;

/** A sink that only keeps rows in memory (small files whose rows shape other rows). */
class MemorySink<T> implements RowSink<T> {
  readonly full = false;
  constructor(private readonly take: (row: T) => void) {}
  add(row: T): void {
    this.take(row);
  }
  async flush(): Promise<void> {}
  async finish(): Promise<void> {}
}

export function tagNamesSink(names: Map<number, string>): RowSink<TagNameRow> {
  return new MemorySink((row) => names.set(row.tagId, row.name));
}

/** Collects shelvings per Goodreads book id; {@link shelvesByBook} turns them into genres and tags. */
export function bookTagsSink(shelvings: Map<number, { tagId: number; count: number }[]>): RowSink<BookTagRow> {
  return new MemorySink((row) => {
    if (row.count <= 0) return;
    let list = shelvings.get(row.goodreadsId);
    if (!list) shelvings.set(row.goodreadsId, (list = []));
    list.push({ tagId: row.tagId, count: row.count });
  });
}

export function shelvesByBook(shelvings: Map<number, { tagId: number; count: number }[]>, names: Map<number, string>, maxTags: number): Map<number, { genres: string[]; tags: string[] }> {
  const out = new Map<number, { genres: string[]; tags: string[] }>();
  for (const [goodreadsId, list] of shelvings) {
    list.sort((a, b) => b.count - a.count || a.tagId - b.tagId);
    const shelves = list.slice(0, SHELVES_PER_BOOK).map((s) => names.get(s.tagId)!);
    out.set(goodreadsId, shelvesToGenresAndTags(shelves, maxTags));
  }
  return out;
}

/**
 * Books as `kind: book` titles (name, year, authors as creators, cover, genres and tags from shelves) plus their
 * external ids (goodbooks book_id, goodreads id, ISBN-10). A book whose fields did not change is left alone.
 */
export function booksSink(db: SqlClient, shelves: Map<number, { genres: string[]; tags: string[] }>, chunkRows = 50_000): Promise<RowSink<BookRow>> {
  return staged<BookRow>(db, 'import_books', 'book_id int, goodreads_id int, isbn text, name text, year int, creators text[], genres text[], tags text[], image_url text, search_name text', {
    rows: chunkRows,
    format: (r) => {
      const s = shelves.get(r.goodreadsId) ?? { genres: [], tags: [] };
      return (
        [
          r.bookId,
          r.goodreadsId,
          copyValue(r.isbn),
          copyValue(r.name),
          copyValue(r.year),
          copyArray(r.authors),
          copyArray(s.genres),
          copyArray(s.tags),
          copyValue(r.imageUrl),
          copyValue(r.searchName),
        ].join('\t') + '\n'
      );
    },
    atEnd: () => mergeBooks(db),
  });
}

async function mergeBooks(db: SqlClient): Promise<void> {
  // Which title each book already is: by its Goodbooks id first, else its Goodreads id, else its ISBN.
  await db.query(
    `CREATE TEMP TABLE import_book_titles ON COMMIT DROP AS
     SELECT DISTINCT ON (s.book_id) s.book_id, x.title_id
     FROM import_books s JOIN title_external_ids x
       ON (x.source = 'goodbooks' AND x.external_id = s.book_id::text)
       OR (x.source = 'goodreads' AND x.external_id = s.goodreads_id::text)
       OR (x.source = 'isbn' AND x.external_id = s.isbn)
     ORDER BY s.book_id, CASE x.source WHEN 'goodbooks' THEN 0 WHEN 'goodreads' THEN 1 ELSE 2 END`,
  );
  await db.query(
    `UPDATE titles t SET name = s.name, year = s.year, creators = s.creators, genres = s.genres, tags = s.tags,
       image_url = COALESCE(s.image_url, t.image_url), search_name = s.search_name, updated_at = now()
     FROM import_books s JOIN import_book_titles m ON m.book_id = s.book_id
     WHERE t.id = m.title_id
       AND (t.name, t.year, t.creators, t.genres, t.tags, t.image_url, t.search_name)
           IS DISTINCT FROM (s.name, s.year, s.creators, s.genres, s.tags, COALESCE(s.image_url, t.image_url), s.search_name)`,
  );
  await db.query(
    `INSERT INTO import_book_titles (book_id, title_id)
     SELECT s.book_id, nextval(pg_get_serial_sequence('titles', 'id'))::int FROM import_books s
     WHERE NOT EXISTS (SELECT 1 FROM import_book_titles m WHERE m.book_id = s.book_id) ORDER BY s.book_id`,
  );
  await db.query(
    `INSERT INTO titles (id, kind, name, year, genres, tags, creators, image_url, search_name, updated_at)
     SELECT m.title_id, 'book', s.name, s.year, s.genres, s.tags, s.creators, s.image_url, s.search_name, now()
     FROM import_books s JOIN import_book_titles m ON m.book_id = s.book_id
     WHERE NOT EXISTS (SELECT 1 FROM titles t WHERE t.id = m.title_id)`,
  );
  await db.query(
    `INSERT INTO title_external_ids (source, external_id, title_id)
     SELECT e.source::external_source, e.external_id, m.title_id
     FROM import_books s JOIN import_book_titles m ON m.book_id = s.book_id
     CROSS JOIN LATERAL (VALUES ('goodbooks', s.book_id::text), ('goodreads', s.goodreads_id::text), ('isbn', s.isbn)) AS e(source, external_id)
     WHERE e.external_id IS NOT NULL
     ON CONFLICT (source, external_id) DO NOTHING`,
  );
}

/** Title ids of imported Goodbooks books by their book_id. */
export async function titleIdsByBookId(db: SqlClient): Promise<Map<number, number>> {
  const { rows } = await db.query<{ book_id: string; title_id: number }>("SELECT external_id AS book_id, title_id FROM title_external_ids WHERE source = 'goodbooks'");
  return new Map(rows.map((r) => [Number(r.book_id), r.title_id]));
}

/**
 * Goodbooks users (source 'dataset', external id "goodbooks:<user_id>") and their ratings (source 'import',
 * dated {@link GOODBOOKS_RATED_AT}), merged a chunk at a time; of two rows for one user and book the later wins.
 * Into an empty ratings table the checks are dropped and rebuilt as for MovieLens.
 */
export async function bookRatingsSink(db: SqlClient, chunkRows = 250_000): Promise<RowSink<BookRatingRow>> {
  const { rows } = await db.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM ratings) AS empty');
  const rebuild = rows[0]!.empty ? await dropRatingChecks(db) : null;
  const fresh = new Set<number>();
  return staged<BookRatingRow>(db, 'import_book_ratings', 'line int, user_ext int, book_id int, value real', {
    rows: chunkRows,
    format: (r, line) => {
      fresh.add(r.userId);
      return `${line}\t${r.userId}\t${r.bookId}\t${r.value}\n`;
    },
    prepare: async () => {
      const external = [...fresh].sort((a, b) => a - b).map((id) => `${GOODBOOKS_USER_PREFIX}${id}`);
      fresh.clear();
      await db.query(
        `INSERT INTO users (source, external_id) SELECT 'dataset', x FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n
         ON CONFLICT (source, external_id) DO NOTHING`,
        [external],
      );
    },
    merge: async () => {
      await db.query(
        `INSERT INTO ratings (user_id, title_id, value, source, created_at, updated_at)
         SELECT u.id, x.title_id, s.value, 'import', $1::timestamp, $1::timestamp
         FROM (SELECT DISTINCT ON (user_ext, book_id) user_ext, book_id, value FROM import_book_ratings ORDER BY user_ext, book_id, line DESC) s
         JOIN users u ON u.source = 'dataset' AND u.external_id = $2 || s.user_ext::text
         JOIN title_external_ids x ON x.source = 'goodbooks' AND x.external_id = s.book_id::text
         ORDER BY u.id, x.title_id
         ON CONFLICT (user_id, title_id) DO UPDATE
           SET value = EXCLUDED.value, source = EXCLUDED.source, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
           WHERE (ratings.value, ratings.source, ratings.updated_at) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source, EXCLUDED.updated_at)`,
        [GOODBOOKS_RATED_AT, GOODBOOKS_USER_PREFIX],
      );
    },
    atEnd: async () => {
      if (rebuild) await rebuild();
    },
  });
}
