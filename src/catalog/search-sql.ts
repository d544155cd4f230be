/** The SQL of the title search: which names may match (each an index scan) and how well one name matches. */
import { Prisma } from '../generated/prisma/client.ts';
import type { TitleKind } from '../generated/prisma/enums.ts';
import type { QueryForm } from './query.ts';

/**
 * How much each kind of match counts for one name. An exact match (spaces, symbols and a leading article aside)
 * beats any partial one; a name that starts with the query's words beats one that merely contains them; trigram
 * similarity orders typos and partial words. Popularity adds at most `popularity` (at 10,000 ratings): it orders
 * names that match about equally well and cannot lift a clearly worse match over a better one.
 */
export const SEARCH_WEIGHTS = {
  exact: 0.5,
  wordPrefix: 0.15,
  prefix: 0.15,
  allWords: 0.15,
  numbers: 0.15,
  wordSimilarity: 0.35,
  similarity: 0.35,
  year: 0.3,
  popularity: 0.1,
} as const;

/**
 * Ids of titles with a name that may match one of the forms. Each branch is one index scan on title_names: the
 * `compact` b-tree (text_pattern_ops) for exact and prefix matches, the `compact` trigram GIN for similarity (`%`)
 * and, for queries of five characters or more, the `words` GIN for all the query's words and the `search_name`
 * trigram GIN for word similarity (`<%`); one branch OR-ing them would look costlier to the planner than a
 * sequential scan. One or two characters have no trigrams worth using; three or four are inside thousands of names
 * as words, so they match by prefix and by similarity, which only names about as short reach.
 */
export function matchingTitleIds(forms: readonly QueryForm[], kind: TitleKind | null, limit: number): Prisma.Sql {
  const perBranch = Math.max(BRANCH_LIMIT, limit);
  return Prisma.join(
    forms.flatMap((form) => branches(form, kind, perBranch)),
    ' UNION ',
  );
}

/** Words in a large share of all names, in the languages of MovieLens titles. */
const COMMON_WORDS = new Set(['the', 'a', 'an', 'and', 'of', 'in', 'on', 'to', 'for', 'with', 'les', 'las', 'los', 'der', 'die', 'das', 'del', 'une', 'und']);
/** "the", "of the": names similar to them, or having all their words, are thousands; such a query is matched by prefix only. */
const onlyCommonWords = (text: string) => text.split(' ').every((w) => COMMON_WORDS.has(w));

/**
 * Most candidates one branch hands on to scoring (or the result limit, when larger): each is scored by reading all
 * its names, a few microseconds, and "love" alone is in thousands of names.
 */
const BRANCH_LIMIT = 50;

function branches(form: QueryForm, kind: TitleKind | null, limit: number): Prisma.Sql[] {
  const probe = Prisma.sql`${form.probe}::text`;
  const compact = Prisma.sql`title_name_compact(${form.text}::text)`;
  const words = Prisma.sql`n.words @@ to_tsquery('simple', ${form.words})`;
  // Titles (as y) are joined where the order or the filter needs them; the limit applies to the wanted kind only.
  const ofKind = kind === null ? Prisma.empty : Prisma.sql` AND y.kind = ${kind}::title_kind`;
  const ofYear = form.year === null ? Prisma.empty : Prisma.sql` AND y.year = ${form.year}::int`;
  const best = (where: Prisma.Sql, order: Prisma.Sql, titles = false) => {
    const join = titles || kind !== null || form.year !== null ? Prisma.sql` JOIN titles y ON y.id = n.title_id${ofKind}${ofYear}` : Prisma.empty;
    return Prisma.sql`(SELECT n.title_id FROM title_names n${join} WHERE ${where} ORDER BY ${order} LIMIT ${limit}::int)`;
  };
  const prefix = Prisma.sql`n.compact LIKE ${compact} || '%'`;
  // "the thing 1982": titles of that year whose name starts with, or has every word of, the rest. Typos there are
  // found by the forms with the year in, which look at every title.
  if (form.year !== null) return [best(Prisma.sql`${prefix} OR ${words}`, Prisma.sql`y.rating_count DESC`)];
  // Exact first, then the most rated; a single character starts thousands of names (6,700 start with "m" among
  // 87k titles), too many to look up their ratings: the shortest of those come first.
  const out = [form.text.length === 1 ? best(prefix, Prisma.sql`length(n.compact), n.compact`) : best(prefix, Prisma.sql`n.compact = ${compact} DESC, y.rating_count DESC`, true)];
  if (form.size === 'short' || onlyCommonWords(form.probe)) return out;
  out.push(best(Prisma.sql`n.compact % title_name_compact(${probe})`, Prisma.sql`similarity(n.compact, title_name_compact(${probe})) DESC`));
  if (form.size === 'full') {
    out.push(best(words, Prisma.sql`length(n.search_name)`), best(Prisma.sql`${probe} <% n.search_name`, Prisma.sql`word_similarity(${probe}, n.search_name) DESC`));
  }
  return out;
}

/** The weights are constants of the code, not input: written into the statement as numeric literals. */
const weights = Object.fromEntries(Object.entries(SEARCH_WEIGHTS).map(([k, v]) => [k, Prisma.raw(`${v.toFixed(4)}::float8`)])) as Record<keyof typeof SEARCH_WEIGHTS, Prisma.Sql>;

/** How well name `n` of title `t` matches one form; null when the form is for another year. */
function formScore(form: QueryForm): Prisma.Sql {
  const w = weights;
  const q = Prisma.sql`${form.text}::text`;
  const numbers = form.numbers === null ? Prisma.empty : Prisma.sql` + CASE WHEN n.words @@ to_tsquery('simple', ${form.numbers}) THEN ${w.numbers} ELSE 0 END`;
  // A series' name is in every film of the series: having all its words, and how closely the rest of the query
  // matches, rank its films (then popularity); not how short a name is, nor the exact name, which is one film.
  const score = form.series
    ? Prisma.sql`(CASE WHEN n.words @@ to_tsquery('simple', ${form.words}) THEN ${w.allWords} + ${w.prefix} + ${w.wordPrefix} ELSE 0 END
      + (${w.wordSimilarity} + ${w.similarity}) * word_similarity(${q}, n.search_name))`
    : Prisma.sql`(CASE WHEN n.compact = title_name_compact(${q}) THEN ${w.exact} ELSE 0 END
    + CASE WHEN starts_with(title_name_bare(n.search_name) || ' ', title_name_bare(${q}) || ' ') THEN ${w.wordPrefix} ELSE 0 END
    + CASE WHEN starts_with(n.compact, title_name_compact(${q})) THEN ${w.prefix} ELSE 0 END
    + CASE WHEN n.words @@ to_tsquery('simple', ${form.words}) THEN ${w.allWords} ELSE 0 END${numbers}
    + ${w.wordSimilarity} * word_similarity(${q}, n.search_name) + ${w.similarity} * similarity(title_name_bare(${q}), title_name_bare(n.search_name)))`;
  return form.year === null ? score : Prisma.sql`CASE WHEN t.year = ${form.year}::int THEN ${score} + ${w.year} END`;
}

/** Popularity of title `t`: the tie-breaker. */
export const popularityScore = Prisma.sql`${weights.popularity} * least(1, ln(1 + t.rating_count) / ln(10001))`;

/** The best score of name `n` (of title `t`) over every form of the query. */
export function nameScore(forms: readonly QueryForm[]): Prisma.Sql {
  return forms.length === 1 ? formScore(forms[0]!) : Prisma.sql`greatest(${Prisma.join(forms.map(formScore), ', ')})`;
}
