import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { TitleKind } from '../generated/prisma/enums.ts';
import { queryForms, SearchQueryError } from './query.ts';
import { matchingTitleIds, nameScore, popularityScore } from './search-sql.ts';

export { MAX_QUERY_LENGTH, parseSearchQuery, SearchQueryError, type ParsedSearchQuery } from './query.ts';

/** What search needs from the database: a Prisma client (or a transaction client). */
export type SearchDb = Pick<PrismaClient, '$queryRaw'>;

export type { TitleKind };

export interface TitleSearchOptions {
  /** Only titles of this kind (default: every kind). */
  kind?: TitleKind;
  /** Most results returned, 1 to {@link MAX_SEARCH_LIMIT} (default 10; Discord autocomplete takes 25). */
  limit?: number;
}

export interface TitleSearchResult {
  id: number;
  name: string;
  year: number | null;
  genres: string[];
  kind: TitleKind;
  ratingCount: number;
  ratingMean: number | null;
  /** Higher is better; comparable only within one search. */
  score: number;
}

export const MAX_SEARCH_LIMIT = 100;
const TITLE_KINDS: readonly TitleKind[] = ['movie', 'show', 'game', 'book', 'music'];

function checkOptions(options: TitleSearchOptions): { kind: TitleKind | null; limit: number } {
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new SearchQueryError(`The result limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}; got ${String(limit)}.`);
  }
  const kind = options.kind ?? null;
  if (kind !== null && !TITLE_KINDS.includes(kind)) throw new SearchQueryError(`Unknown title kind "${String(kind)}"; use one of ${TITLE_KINDS.join(', ')}.`);
  return { kind, limit };
}

interface SearchRow {
  id: number;
  name: string;
  year: number | null;
  genres: string[];
  kind: TitleKind;
  rating_count: number;
  rating_mean: number | null;
  score: number;
}

/**
 * The statement {@link searchTitles} runs, for EXPLAIN and benchmarks. Throws {@link SearchQueryError} like it.
 */
export function titleSearchSql(query: string, options: TitleSearchOptions = {}): Prisma.Sql {
  const { kind, limit } = checkOptions(options);
  const forms = queryForms(query);
  const kindFilter = kind === null ? Prisma.empty : Prisma.sql`AND t.kind = ${kind}::title_kind`;
  // The grouped LATERAL runs once per candidate, reading its title and names by id (titles_pkey, title_names_pkey):
  // the planner cannot turn it into a hash join over every title, which its guesses about trigram matches invite.
  return Prisma.sql`
    SELECT m.* FROM (${matchingTitleIds(forms, kind, limit)}) AS candidates(id)
    CROSS JOIN LATERAL (
      SELECT t.id, t.name, t.year, t.genres, t.kind::text AS kind, t.rating_count, t.rating_mean,
        (max(${nameScore(forms)}) + ${popularityScore})::float8 AS score
      FROM titles t JOIN title_names n ON n.title_id = t.id
      WHERE t.id = candidates.id ${kindFilter}
      GROUP BY t.id
    ) m
    WHERE m.score IS NOT NULL
    ORDER BY m.score DESC, m.rating_count DESC, m.id
    LIMIT ${limit}::int`;
}

/**
 * Finds titles by any of their names in PostgreSQL, best first: the main name, a.k.a. and original-language names
 * (title_names), each compared as written and in canonical form (numbers as digits), so "rocky 4", "mash", "xmen",
 * "lotr two towers" and "shichinin no samurai" find what a member means. Typos and partial words match by pg_trgm
 * similarity, whole words by full text, exact and prefix matches by the `compact` form; a trailing year ("matrix
 * 1999") lifts titles of that year without excluding others; popularity only breaks ties. Every candidate comes from
 * an index (see search-sql.ts); the query is always sent as parameters.
 *
 * Throws {@link SearchQueryError} for an empty or whitespace-only query (it does not return an empty list), one with
 * nothing to search for (only symbols or emoji), a query over {@link MAX_QUERY_LENGTH} characters, or a bad limit or
 * kind: callers answer those with a short reply or an empty list.
 */
export async function searchTitles(db: SearchDb, query: string, options: TitleSearchOptions = {}): Promise<TitleSearchResult[]> {
  const rows = await db.$queryRaw<SearchRow[]>(titleSearchSql(query, options));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    year: r.year,
    genres: r.genres,
    kind: r.kind,
    ratingCount: r.rating_count,
    ratingMean: r.rating_mean,
    score: r.score,
  }));
}
