import { createHash } from 'node:crypto';

/** The parts of a title that describe it in words (a subset of the `Title` row). */
export interface TitleTextSource {
  name: string;
  year?: number | null;
  genres?: readonly string[];
  /** Most frequent first, as stored in `Title.tags`. */
  tags?: readonly string[];
  overview?: string | null;
}

export interface TitleTextOptions {
  /** How many of the most frequent tags to include (default 10). */
  maxTags?: number;
}

export const DEFAULT_MAX_TAGS = 10;

// MovieLens files titles as "Godfather, The"; text models read "The Godfather" better.
const trailingArticle = /^(.*\S),\s*(The|A|An|Les|Le|La|Il|Die|Der|Das|El|Los|Las)$/i;
// MovieLens' placeholder for a title without genres carries no meaning.
const noGenres = '(no genres listed)';

function naturalName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  const match = trailingArticle.exec(trimmed);
  return match ? `${match[2]} ${match[1]}` : trimmed;
}

function distinct(values: readonly string[], limit: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of values) {
    if (out.length >= limit) break;
    const value = raw.trim().replace(/\s+/g, ' ');
    const key = value.toLowerCase();
    if (!value || seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}

/**
 * The text embedded for a title: "Name (year). Genres: a, b. Tags: x, y. Overview". Tags are the
 * first `maxTags` distinct ones (the stored order is most frequent first); empty parts are left out,
 * so the same title always yields the same text and its {@link textHash} changes only with content.
 */
export function titleText(title: TitleTextSource, options: TitleTextOptions = {}): string {
  const maxTags = options.maxTags ?? DEFAULT_MAX_TAGS;
  if (!Number.isInteger(maxTags) || maxTags < 0) {
    throw new RangeError(`maxTags must be a whole number of 0 or more; got ${maxTags}.`);
  }
  const name = naturalName(title.name);
  const parts: string[] = [];
  const hasYearInName = title.year != null && name.endsWith(`(${title.year})`);
  parts.push(title.year != null && !hasYearInName ? `${name} (${title.year}).` : `${name}.`);
  const genres = distinct(title.genres ?? [], Number.POSITIVE_INFINITY).filter((g) => g.toLowerCase() !== noGenres);
  if (genres.length > 0) parts.push(`Genres: ${genres.join(', ')}.`);
  const tags = distinct(title.tags ?? [], maxTags);
  if (tags.length > 0) parts.push(`Tags: ${tags.join(', ')}.`);
  const overview = title.overview?.trim().replace(/\s+/g, ' ');
  if (overview) parts.push(overview);
  return parts.join(' ');
}

/** sha256 of `text` (UTF-8) as lower-case hex; stored beside each embedding to skip unchanged titles. */
export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
