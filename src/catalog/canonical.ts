/**
 * The canonical form of a normalised name: the same film written "Rocky IV", "rocky 4" or "rocky four", "Kill Bill:
 * Vol. 2" or "kill bill volume 2", "The Sixth Sense" or "the 6th sense" comes out the same. Stored names and queries
 * both go through it, so neither side has to guess how the other wrote a number. Pure functions on words.
 */

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];
const TENS: Record<string, number> = { thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const ORDINAL_WORDS = [
  '',
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
  'twentieth',
];

const cardinals = new Map<string, string>([...NUMBER_WORDS.map((w, i) => [w, String(i)] as const), ...Object.entries(TENS).map(([w, n]) => [w, String(n)] as const)]);
const ordinalSuffix = (n: number) => (n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th');
const ordinals = new Map<string, string>(ORDINAL_WORDS.slice(1).map((w, i) => [w, `${i + 1}${ordinalSuffix(i + 1)}`]));

/** Words that mean the same thing written short or long, folded to one spelling on both sides. */
const WORD_FORMS: Record<string, string> = {
  ep: 'episode',
  eps: 'episode',
  pt: 'part',
  vol: 'volume',
  vols: 'volume',
  ch: 'chapter',
  chap: 'chapter',
  dr: 'doctor',
  versus: 'vs',
  bk: 'book',
};

/** Words after which a lone I, V or X is a sequel number ("Part I", "Episode V"), not a letter. */
const SEQUEL_WORDS = new Set(['part', 'episode', 'chapter', 'volume', 'book']);

/** Roman numerals from 2 to 39 written with I, V and X: "ii", "iv", "xiii". Longer letter runs are words. */
const romanNumeral = /^(x{0,3})(ix|iv|v?i{0,3})$/u;

function romanValue(word: string): number | null {
  const match = romanNumeral.exec(word);
  if (!match || word === '') return null;
  const tens = match[1]!.length * 10;
  const unit = match[2]!;
  const units = unit === 'ix' ? 9 : unit === 'iv' ? 4 : (unit.startsWith('v') ? 5 : 0) + unit.replace('v', '').length;
  return tens + units;
}

/**
 * A number written as a word or a Roman numeral, as digits: "four" -> "4", "fifth" -> "5th", "iv" -> "4". A lone
 * "i", "v" or "x" only counts where it closes a name of two or more words ("Rocky V", "Malcolm X") or follows a
 * sequel word ("Episode I"): elsewhere it is a letter ("I, Robot", "V for Vendetta", "X-Men").
 */
export function numberOf(word: string, previous: string | undefined, isLast: boolean): string | null {
  const spelled = cardinals.get(word) ?? ordinals.get(word);
  if (spelled !== undefined) return spelled;
  const roman = romanValue(word);
  if (roman === null) return null;
  if (roman >= 2 && word.length >= 2) return String(roman);
  if (word.length === 1 && previous !== undefined && (isLast || SEQUEL_WORDS.has(previous))) return String(roman);
  return null;
}

/** Splits letters from digits inside a word ("ep4" -> "ep 4", "u571" -> "u 571"), but keeps ordinals ("13th") whole. */
export function splitLettersFromDigits(word: string): string[] {
  if (!/\p{L}/u.test(word) || !/\p{N}/u.test(word) || /^\d+(?:st|nd|rd|th)$/u.test(word)) return [word];
  return word.split(/(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u);
}

/**
 * Canonical form of one stretch of a normalised name (a part between colons or dashes, or a whole query): word
 * forms folded ("vol" -> "volume"), numbers as digits. `words` are already normalised (see normaliseSearchText).
 */
export function canonicalWords(words: readonly string[]): string[] {
  const split = words.flatMap(splitLettersFromDigits).map((w) => WORD_FORMS[w] ?? w);
  return split.map((word, i) => numberOf(word, split[i - 1], i === split.length - 1) ?? word);
}

/**
 * Short names members use for film series, expanded only at the start of a query ("lotr two towers"). Stored names
 * never go through this: "mi" is also a word ("Todo sobre mi madre").
 */
export const SERIES_ABBREVIATIONS: Readonly<Record<string, string>> = {
  lotr: 'lord of the rings',
  fotr: 'lord of the rings fellowship of the ring',
  rotk: 'lord of the rings return of the king',
  hp: 'harry potter',
  sw: 'star wars',
  esb: 'star wars empire strikes back',
  rotj: 'star wars return of the jedi',
  bttf: 'back to the future',
  potc: 'pirates of the caribbean',
  tmnt: 'teenage mutant ninja turtles',
  gotg: 'guardians of the galaxy',
  indy: 'indiana jones',
  mi: 'mission impossible',
  ff: 'final fantasy',
  jp: 'jurassic park',
  hg: 'hunger games',
  hsm: 'high school musical',
  pota: 'planet of the apes',
  t1: 'terminator',
  t2: 'terminator 2',
  t3: 'terminator 3',
};

/** Expands a series abbreviation at the start of a query's words ("hp", "goblet" -> "harry", "potter", "goblet"); null when there is none. */
export function expandSeriesAbbreviation(words: readonly string[]): string[] | null {
  const [first, ...rest] = words;
  if (first === undefined) return null;
  const whole = SERIES_ABBREVIATIONS[first];
  if (whole !== undefined) return [...whole.split(' '), ...rest];
  // "mi2", "ff7": the abbreviation with a number stuck to it.
  const [letters, ...digits] = splitLettersFromDigits(first);
  const expanded = letters === undefined || digits.length === 0 ? undefined : SERIES_ABBREVIATIONS[letters];
  return expanded === undefined ? null : [...expanded.split(' '), ...digits, ...rest];
}
