/** Title names as MovieLens writes them ("Godfather, The (1972)") and as people read and type them. */
import { canonicalWords } from './canonical.ts';

/**
 * Articles that MovieLens (like library catalogues) moves behind the name: English, French, Spanish,
 * Italian, German, Portuguese, Dutch and Scandinavian. Matched case-insensitively after a final comma.
 */
const TRAILING_ARTICLES = [
  'the',
  'a',
  'an',
  'le',
  'la',
  'les',
  "l'",
  'un',
  'une',
  'el',
  'los',
  'las',
  'una',
  'uno',
  'il',
  'lo',
  'i',
  'gli',
  'der',
  'die',
  'das',
  'ein',
  'eine',
  'o',
  'os',
  'as',
  'de',
  'het',
  'een',
  'den',
  'det',
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
  return [
    ...new Set(
      trimmed
        .split('|')
        .map((g) => g.trim())
        .filter((g) => g !== ''),
    ),
  ];
}

/** Letters NFKD does not split into a base letter and a mark. */
const FOLDED_LETTERS: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };
const foldedLetter = new RegExp(`[${Object.keys(FOLDED_LETTERS).join('')}]`, 'gu');
/** Vulgar fractions, read the way people type them ("8½" -> "8 1/2"); NFKD alone would glue "½" to the 8. */
const FRACTIONS: Record<string, string> = { '½': ' 1/2', '⅓': ' 1/3', '⅔': ' 2/3', '¼': ' 1/4', '¾': ' 3/4' };
const fraction = new RegExp(`[${Object.keys(FRACTIONS).join('')}]`, 'gu');

/**
 * The form both stored names (`titles.search_name`, `title_names.search_name`) and search queries are compared in:
 * compatibility-decomposed (NFKD: "Alien³" -> "alien3", full-width letters to plain ones), accents stripped, lower
 * case; apostrophes and periods dropped so "Schindler's" = "schindlers" and "E.T." = "et"; "&" read as "and", "+" as "plus";
 * every other run of non-letters/digits (hyphens, slashes, "*", "·", emoji) a single space. "Amélie" -> "amelie",
 * "M*A*S*H" -> "m a s h", "WALL·E" -> "wall e"; `title_names.compact` then drops the spaces ("mash", "walle").
 */
export function normaliseSearchText(text: string): string {
  return (
    text
      .replace(fraction, (c) => FRACTIONS[c] ?? c)
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(foldedLetter, (c) => FOLDED_LETTERS[c] ?? c)
      .replace(/['’‘ʼ`´]/gu, '')
      // A period between digits separates them ("2.0"); anywhere else it ends an abbreviation or an initial.
      .replace(/(?<=\d)\.(?=\d)/gu, ' ')
      .replace(/\./gu, '')
      .replace(/&/gu, ' and ')
      // "Romeo + Juliet" is not "Romeo and Juliet" (1968): the plus sign tells them apart.
      .replace(/\+/gu, ' plus ')
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
  );
}

/** Subtitle separators: a lone I/V/X just before one closes its part of the name ("Star Trek V: The Final Frontier"). */
const SUBTITLE_SEPARATOR = /\s*[:;()[\]–—]\s*|\s+-\s+/u;

/**
 * {@link normaliseSearchText}, then every number as digits and short word forms folded (see canonical.ts), part by
 * part: "Star Wars: Episode IV - A New Hope" -> "star wars episode 4 a new hope", "Ocean's Eleven" -> "oceans 11".
 */
export function canonicalSearchText(text: string): string {
  return text
    .split(SUBTITLE_SEPARATOR)
    .map((part) =>
      canonicalWords(
        normaliseSearchText(part)
          .split(' ')
          .filter((w) => w !== ''),
      ).join(' '),
    )
    .filter((part) => part !== '')
    .join(' ');
}

/** `titles.search_name` for a title name: its main name (without a.k.a. or bracketed names), articles in front, normalised. */
export function searchNameOf(name: string): string {
  return normaliseSearchText(alternateNames(readableName(name)).main);
}

/** "a.k.a.", "aka" or "a.k.a" before an alternative name in brackets. */
const AKA = /^(?:a\.?k\.?a\.?)\s+/iu;

/**
 * Splits a readable name into its main name and the other names MovieLens keeps in trailing brackets: a.k.a. names
 * and original-language titles. "Léon: The Professional (a.k.a. The Professional) (Léon)" -> main "Léon: The
 * Professional", alternates ["The Professional", "Léon"]. A name that is all brackets keeps them as its main name.
 */
export function alternateNames(name: string): { main: string; alternates: string[] } {
  const alternates: string[] = [];
  let main = name.trim();
  for (let match = /\s*\(([^()]*)\)$/u.exec(main); match && match.index > 0; match = /\s*\(([^()]*)\)$/u.exec(main)) {
    const alternate = match[1]!.replace(AKA, '').trim();
    if (alternate !== '') alternates.unshift(moveTrailingArticle(alternate));
    main = main.slice(0, match.index).trim();
  }
  return { main, alternates };
}

/**
 * Every form a title can be found by, main name first: each name (main and alternates) normalised as written and in
 * canonical form, without duplicates or empties. "Rocky IV" -> ["rocky iv", "rocky 4"].
 */
export function titleSearchNames(name: string): string[] {
  const { main, alternates } = alternateNames(readableName(name));
  const forms = [main, ...alternates].flatMap((n) => [normaliseSearchText(n), canonicalSearchText(n)]);
  return [...new Set(forms.filter((f) => f !== ''))];
}
