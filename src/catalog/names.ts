/** Title names as MovieLens writes them ("Godfather, The (1972)") and as people read and type them. */

/**
 * Articles that MovieLens (like library catalogues) moves behind the name: English, French, Spanish,
 * Italian, German, Portuguese, Dutch and Scandinavian. Matched case-insensitively after a final comma.
 */
const TRAILING_ARTICLES = [
  'the', 'a', 'an',
  'le', 'la', 'les', "l'", 'un', 'une',
  'el', 'los', 'las', 'una', 'uno',
  'il', 'lo', 'i', 'gli',
  'der', 'die', 'das', 'ein', 'eine',
  'o', 'os', 'as',
  'de', 'het', 'een',
  'den', 'det',
];

const trailingArticle = new RegExp(`^(.*\\S),\\s+(${TRAILING_ARTICLES.map((a) => a.replace("'", "['’]")).join('|')})$`, 'iu');

/** A year such as "(1972)", or a run such as "(2006–2007)", at the very end of a MovieLens title. */
const trailingYear = /\s*\((\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$/u;

/** Moves a trailing article back to the front: "Godfather: Part II, The" -> "The Godfather: Part II", "Avventura, L'" -> "L'Avventura". */
export function moveTrailingArticle(name: string): string {
  const match = trailingArticle.exec(name.trim());
  if (!match) return name.trim();
  const [, rest, article] = match as unknown as [string, string, string];
  return /['’]$/u.test(article) ? `${article}${rest}` : `${article} ${rest}`;
}

/**
 * Puts every article back in front, in the main name and in each parenthesised alternative title:
 * "Amelie (Fabuleux destin d'Amélie Poulain, Le)" -> "Amelie (Le Fabuleux destin d'Amélie Poulain)".
 */
export function readableName(name: string): string {
  const parts = name.trim().split(/(\([^()]*\))/u);
  return parts
    .map((part) => {
      if (part.startsWith('(') && part.endsWith(')')) return `(${moveTrailingArticle(part.slice(1, -1))})`;
      if (part.trim() === '') return part;
      // Keep the single space that separates this part from a following "(...)".
      const lead = /^\s*/u.exec(part)![0];
      const tail = /\s*$/u.exec(part)![0];
      return `${lead}${moveTrailingArticle(part)}${tail}`;
    })
    .join('')
    .replace(/\s+/gu, ' ')
    .trim();
}

export interface ParsedTitle {
  /** As a person reads it, articles in front: "The Godfather". */
  name: string;
  /** Release year, or null when the title carries none (some MovieLens series and recent additions). */
  year: number | null;
}

/** Splits a MovieLens title such as "Godfather, The (1972)" into a readable name and its year. */
export function parseMovieLensTitle(title: string): ParsedTitle {
  const trimmed = title.trim();
  const match = trailingYear.exec(trimmed);
  const rawName = match ? trimmed.slice(0, match.index) : trimmed;
  // A title that is only a year, e.g. "(2019)", keeps it as its name.
  if (rawName.trim() === '') return { name: trimmed, year: null };
  return { name: readableName(rawName), year: match ? Number(match[1]) : null };
}

/** MovieLens genres ("Adventure|Animation") as a list; "(no genres listed)" is none. */
export function parseGenres(genres: string): string[] {
  const trimmed = genres.trim();
  if (trimmed === '' || trimmed === '(no genres listed)') return [];
  return [...new Set(trimmed.split('|').map((g) => g.trim()).filter((g) => g !== ''))];
}

/** Letters NFD does not split into a base letter and a mark. */
const FOLDED_LETTERS: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };
const foldedLetter = new RegExp(`[${Object.keys(FOLDED_LETTERS).join('')}]`, 'gu');

/**
 * The form both stored names (`titles.search_name`) and search queries are compared in: lower case,
 * accents stripped (NFD), apostrophes dropped so "Schindler's" and "schindlers" agree, "&" read as
 * "and", every other run of non-letters/digits a single space. "Amélie" -> "amelie".
 */
export function normaliseSearchText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(foldedLetter, (c) => FOLDED_LETTERS[c] ?? c)
    .replace(/['’ʼ`´]/gu, '')
    .replace(/&/gu, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** `search_name` for a title name: articles in front, then {@link normaliseSearchText}. */
export function searchNameOf(name: string): string {
  return normaliseSearchText(readableName(name));
}
