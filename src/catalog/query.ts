/** A search query as the title search reads it: checked, normalised like stored names, split into the forms it is compared in. */
import { canonicalWords, expandSeriesAbbreviation } from './canonical.ts';
import { canonicalSearchText, normaliseSearchText, readableName } from './names.ts';

/** A query search cannot run: empty, too long, no letters or digits, or a bad option. The message says what to change. */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError';
}

/** A query as search uses it: normalised text, and the same text without a trailing year when it has one. */
export interface ParsedSearchQuery {
  text: string;
  /** `text` without its trailing year ("matrix 1999" -> "matrix"), or null when it has none. */
  textWithoutYear: string | null;
  year: number | null;
}

/** One way of reading the query, compared with every stored name form. */
export interface QueryForm {
  /** Normalised text, compared with title_names.search_name. */
  text: string;
  /** This reading only counts for titles of this year (the query's trailing year, split off), or for every title (null). */
  year: number | null;
  /** A series abbreviation spelled out ("lotr" -> "lord of the rings"): it names a series, not one of its films. */
  series: boolean;
  /** `short` (one or two letters: no trigrams to search by), `brief` (three or four: too common for word similarity) or `full`. */
  size: 'short' | 'brief' | 'full';
  /**
   * What candidates are looked up by in the trigram index: `text` without a leading article (its trigrams are in
   * most names, and names keep theirs) and cut to {@link MAX_PROBE_LENGTH}. The planner prices a trigram index scan
   * by the query's trigrams: past about 35 it picks a sequential scan that computes similarity on every name.
   */
  probe: string;
  /** to_tsquery('simple') text: all of the query's words, the last one also as a prefix ("dark knight ris"). */
  words: string;
  /** to_tsquery('simple') text of the query's numbers ("2" for "termnator 2"), or null: a sequel number must agree even when a word is misspelt. */
  numbers: string | null;
}

export const MAX_QUERY_LENGTH = 200;
/** Earliest year read as a release year rather than part of a name. */
const FIRST_FILM_YEAR = 1870;
/** Candidates are looked up by this much of a long query at most: a pasted paragraph must not cost hundreds of trigram lookups. */
const MAX_FORM_LENGTH = 80;
const MAX_PROBE_LENGTH = 30;

/**
 * Checks and normalises a query the way titles' names are normalised (articles, accents, punctuation) and splits
 * off a trailing release year. Throws {@link SearchQueryError} for an empty or whitespace-only query, one longer than
 * {@link MAX_QUERY_LENGTH} characters, or one without any letter or digit (only symbols, punctuation or emoji).
 */
export function parseSearchQuery(query: string, now: Date = new Date()): ParsedSearchQuery {
  if (typeof query !== 'string' || query.trim() === '') throw new SearchQueryError('The search query is empty; type part of a title, e.g. "godfather" or "matrix 1999".');
  if (query.length > MAX_QUERY_LENGTH) throw new SearchQueryError(`The search query is ${query.length} characters long; the most allowed is ${MAX_QUERY_LENGTH}.`);
  // Articles go to the front as in stored names: "Godfather, The" reads as "the godfather".
  const text = normaliseSearchText(readableName(query));
  if (text === '') throw new SearchQueryError(`The search query "${query.trim().slice(0, 40)}" has no letters or digits to search for.`);
  const match = /^(.*\S)\s+(\d{4})$/u.exec(text);
  const year = match ? Number(match[2]) : Number.NaN;
  if (match && year >= FIRST_FILM_YEAR && year <= now.getUTCFullYear() + 5) return { text, textWithoutYear: match[1]!, year };
  return { text, textWithoutYear: null, year: null };
}

/** Like the database's title_name_bare(): without a leading English article. */
const withoutArticle = (text: string) => text.replace(/^(?:the|an?) (?=.)/u, '');
/** At most `max` characters, cut at a word boundary (but never to nothing). */
const cutAt = (text: string, max: number) => (text.length <= max ? text : text.slice(0, max + 1).replace(/\s+\S*$/u, '') || text.slice(0, max));

function form(text: string, year: number | null, series: boolean): QueryForm {
  const cut = cutAt(text, MAX_FORM_LENGTH);
  const words = cut.split(' ');
  const last = words.length - 1;
  const n = withoutArticle(cut).replace(/ /gu, '').length;
  return {
    text: cut,
    probe: cutAt(withoutArticle(cut), MAX_PROBE_LENGTH),
    year,
    series,
    size: n <= 2 ? 'short' : n <= 4 ? 'brief' : 'full',
    // Words are letters and digits only, so quoting them keeps to_tsquery from reading anything as an operator.
    words: words.map((w, i) => `'${w}'${i === last && w.length >= 3 ? ':*' : ''}`).join(' & '),
    numbers:
      words.some((w) => /^\d+$/u.test(w)) && words.length > 1
        ? words
            .filter((w) => /^\d+$/u.test(w))
            .map((w) => `'${w}'`)
            .join(' & ')
        : null,
  };
}

/** The readings of one piece of text: as written, in canonical form, and with a series abbreviation spelled out. */
function readings(raw: string, normalised: string, year: number | null): QueryForm[] {
  const canonical = canonicalSearchText(readableName(raw));
  // Before canonical form splits "t2" into "t 2".
  const expanded = expandSeriesAbbreviation(normalised.split(' '));
  const texts = [...new Set([normalised, canonical].filter((t) => t !== ''))];
  const forms = texts.map((t) => form(t, year, false));
  return expanded === null ? forms : [...forms, form(canonicalWords(expanded).join(' '), year, true)];
}

/**
 * Every way search compares the query with stored names: {@link readings} of the whole query and, when it ends in a
 * year, of the rest for titles of that year ("the thing 1982" -> "the thing" among 1982's titles). Throws like
 * {@link parseSearchQuery}.
 */
export function queryForms(query: string, now: Date = new Date()): QueryForm[] {
  const parsed = parseSearchQuery(query, now);
  const forms = readings(query, parsed.text, null);
  if (parsed.year !== null && parsed.textWithoutYear !== null) {
    const withoutYear = query.trim().replace(/\s*\(?\s*\d{4}\s*\)?\s*$/u, '');
    forms.push(...readings(withoutYear, parsed.textWithoutYear, parsed.year));
  }
  return forms;
}
