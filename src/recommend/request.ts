import { InputError } from '../lib/input-error.ts';

/**
 * The one check of a recommendation request's count and genre: the recommender, the bot and the CLI all
 * call these, so the limits and the wording live here only.
 */

/** A count outside `min..max` (or not a whole number) is an {@link InputError}. */
export function checkCount(count: number, range: { min: number; max: number }): number {
  if (!Number.isInteger(count) || count < range.min || count > range.max) {
    throw new InputError(`The count must be a whole number from ${range.min} to ${range.max}; got ${count}.`, 'count');
  }
  return count;
}

/** A genre nobody has: carries what was asked and what exists, so each edge can word (and escape) it. */
export class UnknownGenreError extends InputError {
  override name = 'UnknownGenreError';
  constructor(
    readonly asked: string,
    /** The genres that exist, sorted, without MovieLens's "(no genres listed)". */
    readonly known: readonly string[],
  ) {
    super(`Unknown genre "${asked}"; known genres: ${known.join(', ')}.`, 'genre');
  }
}

/** The catalogue's spelling of `asked` (compared case-insensitively, trimmed), else {@link UnknownGenreError}. */
export function matchGenre(asked: string, genres: Iterable<string>): string {
  const wanted = asked.trim().toLowerCase();
  const all = [...genres];
  const found = all.find((g) => g.toLowerCase() === wanted);
  if (found) return found;
  throw new UnknownGenreError(asked, [...new Set(all.filter((g) => !g.startsWith('(')))].sort());
}
