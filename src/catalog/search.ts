import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { TitleKind } from '../generated/prisma/enums.ts';
import { normaliseSearchText, searchNameOf } from './names.ts';

/** What search needs from the database: a Prisma client (or a transaction client). */
export type SearchDb = Pick<PrismaClient, '$queryRaw'>;

export type { TitleKind };

/** A query search cannot run: empty, too long, no letters or digits, or a bad option. The message says what to change. */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError';
}

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

/** A query as search uses it: normalised text, and the same text without a trailing year when it has one. */
export interface ParsedSearchQuery {
  text: string;
  /** `text` without its trailing year ("matrix 1999" -> "matrix"), or null when it has none. */
  textWithoutYear: string | null;
  year: number | null;
}

export const MAX_QUERY_LENGTH = 200;
export const MAX_SEARCH_LIMIT = 100;
const TITLE_KINDS: readonly TitleKind[] = ['movie', 'show', 'game', 'book', 'music'];
/** Earliest year read as a release year rather than part of a name. */
const FIRST_FILM_YEAR = 1870;

/**
 * Normalises a query the way titles' search names are normalised (articles to the front, accents and
 * punctuation gone) and splits off a trailing release year. Throws {@link SearchQueryError} for an
 * empty or whitespace-only query, one longer than {@link MAX_QUERY_LENGTH} characters, or one without
 * any letter or digit.
 */
export function parseSearchQuery(query: string, now: Date = new Date()): ParsedSearchQuery {
  if (typeof query !== 'string' || query.trim() === '') throw new SearchQueryError('The search query is empty; type part of a title, e.g. "godfather" or "matrix 1999".');
  if (query.length > MAX_QUERY_LENGTH) throw new SearchQueryError(`The search query is ${query.length} characters long; the most allowed is ${MAX_QUERY_LENGTH}.`);
  const text = searchNameOf(query);
  if (text === '') throw new SearchQueryError(`The search query "${query.trim().slice(0, 40)}" has no letters or digits to search for.`);
  const match = /^(.*\S)\s+(\d{4})$/u.exec(text);
  const year = match ? Number(match[2]) : Number.NaN;
  if (match && year >= FIRST_FILM_YEAR && year <= now.getUTCFullYear() + 5) {
    return { text, textWithoutYear: normaliseSearchText(match[1]!), year };
  }
  return { text, textWithoutYear: null, year: null };
}

function checkOptions(options: TitleSearchOptions): { kind: TitleKind | null; limit: number } {
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new SearchQueryError(`The result limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}; got ${String(limit)}.`);
  }
  const kind = options.kind ?? null;
  if (kind !== null && !TITLE_KINDS.includes(kind)) throw new SearchQueryError(`Unknown title kind "${String(kind)}"; use one of ${TITLE_KINDS.join(', ')}.`);
  return { kind, limit };
}

const LEADING_ARTICLE = /^(?:the|a|an) (?=\S{3})/u;

const isShort = (q: string) => q.replace(/\s/gu, '').length < 3;
/** Three or four characters ("the", "star") appear in thousands of names: match by word prefix, and by trigrams only names about as short. */
const isBrief = (q: string) => q.replace(/\s/gu, '').length < 5;

/** `q` inside a LIKE pattern. Normalised text has no LIKE wildcards; escaping anyway keeps that true if the normaliser changes. */
const likeLiteral = (q: string) => q.replace(/[\\%_]/gu, '\\$&');

/** Trigram similarity of a query to search_name: word_similarity finds the query inside longer names, similarity prefers names of the query's length. */
function textScore(q: string): Prisma.Sql {
  // One or two characters have no useful trigrams: rank names that start with them, then names with a word that does.
  if (isShort(q)) return Prisma.sql`(CASE WHEN starts_with(t.search_name, ${q}) OR starts_with(t.search_name, 'the ' || ${q}) THEN 1 ELSE 0.6 END)`;
  if (isBrief(q)) {
    return Prisma.sql`(CASE WHEN t.search_name = ${q} OR t.search_name = 'the ' || ${q} THEN 1.2
      WHEN starts_with(t.search_name, ${q}) OR starts_with(t.search_name, 'the ' || ${q}) THEN 1
      WHEN t.search_name LIKE ${`% ${likeLiteral(q)}%`} THEN 0.6 ELSE similarity(${q}, t.search_name) END)`;
  }
  return Prisma.sql`(0.6 * word_similarity(${q}, t.search_name) + 0.4 * similarity(${q}, t.search_name)
    + CASE WHEN t.search_name = ${q} OR t.search_name = 'the ' || ${q} THEN 0.1 ELSE 0 END
    + CASE WHEN starts_with(t.search_name, ${q}) OR starts_with(t.search_name, 'the ' || ${q}) THEN 0.1 ELSE 0 END
    + CASE WHEN to_tsvector('simple', t.search_name) @@ plainto_tsquery('simple', ${q}) THEN 0.05 ELSE 0 END)`;
}

/**
 * Ids of titles that may match, each branch a query the trigram index (titles_search_name_trgm_idx) serves
 * on its own. One WHERE with OR-ed operators looks costlier to the planner than a sequential scan once the
 * query has many trigrams, and the scan computes word_similarity on every title (hundreds of ms); separate
 * branches joined by UNION keep each an index scan. Queries too short to have trigrams match words by prefix.
 */
function candidateIds(q: string, year: number | null = null): Prisma.Sql {
  // A leading article's trigrams are in thousands of names and make the index scan slow (30 ms for "the war");
  // names keep their article, so the rest of the query alone still finds them. Scoring uses the whole query.
  const core = q.replace(LEADING_ARTICLE, '');
  if (core !== q) return candidateIds(core, year);
  const yearFilter = year === null ? Prisma.empty : Prisma.sql`year = ${year}::int AND`;
  const prefix = Prisma.sql`SELECT id FROM titles WHERE ${yearFilter} (starts_with(search_name, ${q}) OR search_name LIKE ${`% ${likeLiteral(q)}%`})`;
  if (isShort(q)) return prefix;
  if (isBrief(q)) return Prisma.sql`${prefix} UNION SELECT id FROM titles WHERE ${yearFilter} search_name % ${q}`;
  return Prisma.sql`SELECT id FROM titles WHERE ${yearFilter} search_name % ${q}
    UNION SELECT id FROM titles WHERE ${yearFilter} ${q} <% search_name`;
}

/**
 * Finds titles by name in PostgreSQL, best first. Tolerates typos and partial words (pg_trgm similarity
 * and word_similarity on search_name), case, accents and articles in either place ("Godfather, The");
 * a trailing year ("matrix 1999") lifts titles of that year without excluding others. Whole-word
 * matches (full text, 'simple' configuration), exact and prefix matches, then popularity (rating count)
 * break ties. The query is always sent as a parameter.
 *
 * Throws {@link SearchQueryError} for an empty or whitespace-only query (it does not return an empty
 * list), a query over {@link MAX_QUERY_LENGTH} characters, or a bad limit or kind.
 */
export async function searchTitles(db: SearchDb, query: string, options: TitleSearchOptions = {}): Promise<TitleSearchResult[]> {
  const { kind, limit } = checkOptions(options);
  const parsed = parseSearchQuery(query);
  const { text, textWithoutYear, year } = parsed;
  const matches = textWithoutYear === null ? candidateIds(text) : Prisma.sql`${candidateIds(text)} UNION ${candidateIds(textWithoutYear, year)}`;
  const yearScore =
    textWithoutYear === null ? Prisma.sql`0` : Prisma.sql`CASE WHEN t.year = ${year}::int THEN ${textScore(textWithoutYear)} + 0.15 ELSE 0 END`;
  const kindFilter = kind === null ? Prisma.empty : Prisma.sql`AND t.kind = ${kind}::title_kind`;
  // Popularity adds at most 0.2 (at 10,000 ratings), enough to order equally good matches, not to beat a better one.
  const rows = await db.$queryRaw<{ id: number; name: string; year: number | null; genres: string[]; kind: TitleKind; rating_count: number; rating_mean: number | null; score: number }[]>`
    SELECT t.id, t.name, t.year, t.genres, t.kind::text AS kind, t.rating_count, t.rating_mean,
      (greatest(${textScore(text)}, ${yearScore}) + 0.2 * least(1, ln(1 + t.rating_count) / ln(10001)))::float8 AS score
    FROM titles t
    WHERE t.id IN (${matches}) ${kindFilter}
    ORDER BY score DESC, t.rating_count DESC, t.id
    LIMIT ${limit}::int`;
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
