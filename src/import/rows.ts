/** Validation of single MovieLens CSV rows: pure functions from fields to a typed row or a reason. */
import { parseGenres, parseMovieLensTitle, searchNameOf } from '../catalog/names.ts';

/** A row that passed validation, or why it did not (the caller adds file and line). */
export type RowResult<T> = { ok: true; row: T } | { ok: false; reason: string };

export interface MovieRow {
  movielensId: number;
  name: string;
  year: number | null;
  genres: string[];
  searchName: string;
}

export interface LinkRow {
  movielensId: number;
  /** "tt0114709", or null when MovieLens has none. */
  imdbId: string | null;
  tmdbId: number | null;
}

export interface TagRow {
  userId: number;
  movielensId: number;
  tag: string;
}

export interface RatingRow {
  userId: number;
  movielensId: number;
  value: number;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** The header each file must start with, in MovieLens' own column order. */
export const HEADERS = {
  movies: ['movieId', 'title', 'genres'],
  links: ['movieId', 'imdbId', 'tmdbId'],
  tags: ['userId', 'movieId', 'tag', 'timestamp'],
  ratings: ['userId', 'movieId', 'rating', 'timestamp'],
} as const;

export type MovieLensFile = keyof typeof HEADERS;

/** PostgreSQL `integer` upper bound: ids beyond it cannot be stored. */
const MAX_INT = 2_147_483_647;
/** Longest title or tag kept; MovieLens' longest title is about 200 characters. */
const MAX_TEXT = 500;

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function columnCount(fields: readonly string[], file: MovieLensFile): string | null {
  const expected = HEADERS[file];
  return fields.length === expected.length ? null : `expected ${expected.length} columns (${expected.join(',')}), found ${fields.length}`;
}

/** A positive whole number that fits an integer column, or null. */
function parseId(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,10}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= 1 && n <= MAX_INT ? n : null;
}

/** Checks the first line of a file against the MovieLens header. Returns a reason, or null when it matches. */
export function checkHeader(fields: readonly string[], file: MovieLensFile): string | null {
  const expected = HEADERS[file];
  const found = fields.map((f) => f.trim());
  if (found.length === expected.length && found.every((f, i) => f === expected[i])) return null;
  return `expected the header "${expected.join(',')}", found "${found.join(',').slice(0, 120)}"`;
}

/** movies.csv: movieId,title,genres. */
export function parseMovieRow(fields: readonly string[]): RowResult<MovieRow> {
  const bad = columnCount(fields, 'movies');
  if (bad) return fail(bad);
  const [id, title, genres] = fields as [string, string, string];
  const movielensId = parseId(id);
  if (movielensId === null) return fail(`movieId "${id.slice(0, 40)}" is not a positive whole number`);
  if (title.trim() === '') return fail('title is empty');
  if (title.length > MAX_TEXT) return fail(`title is longer than ${MAX_TEXT} characters`);
  const { name, year } = parseMovieLensTitle(title);
  const searchName = searchNameOf(name);
  if (searchName === '') return fail(`title "${title.slice(0, 60)}" has no letters or digits`);
  return { ok: true, row: { movielensId, name, year, genres: parseGenres(genres), searchName } };
}

/** links.csv: movieId,imdbId,tmdbId (imdbId and tmdbId may be empty). */
export function parseLinkRow(fields: readonly string[]): RowResult<LinkRow> {
  const bad = columnCount(fields, 'links');
  if (bad) return fail(bad);
  const [id, imdb, tmdb] = (fields as [string, string, string]).map((f) => f.trim()) as [string, string, string];
  const movielensId = parseId(id);
  if (movielensId === null) return fail(`movieId "${id.slice(0, 40)}" is not a positive whole number`);
  if (imdb !== '' && !/^(tt)?\d{1,10}$/.test(imdb)) return fail(`imdbId "${imdb.slice(0, 40)}" is not an IMDb number`);
  const tmdbId = tmdb === '' ? null : parseId(tmdb);
  if (tmdb !== '' && tmdbId === null) return fail(`tmdbId "${tmdb.slice(0, 40)}" is not a positive whole number`);
  // IMDb ids are written "tt" plus at least 7 digits; MovieLens keeps only the digits.
  const imdbId = imdb === '' ? null : `tt${imdb.replace(/^tt/, '').padStart(7, '0')}`;
  return { ok: true, row: { movielensId, imdbId, tmdbId } };
}

/** tags.csv: userId,movieId,tag,timestamp. */
export function parseTagRow(fields: readonly string[]): RowResult<TagRow> {
  const bad = columnCount(fields, 'tags');
  if (bad) return fail(bad);
  const [user, movie, rawTag] = fields as [string, string, string, string];
  const userId = parseId(user);
  if (userId === null) return fail(`userId "${user.slice(0, 40)}" is not a positive whole number`);
  const movielensId = parseId(movie);
  if (movielensId === null) return fail(`movieId "${movie.slice(0, 40)}" is not a positive whole number`);
  const tag = rawTag.replace(/\s+/gu, ' ').trim();
  if (tag === '') return fail('tag is empty');
  if (tag.length > MAX_TEXT) return fail(`tag is longer than ${MAX_TEXT} characters`);
  return { ok: true, row: { userId, movielensId, tag } };
}

/** ratings.csv: userId,movieId,rating,timestamp; rating 0.5 to 5 in half steps. */
export function parseRatingRow(fields: readonly string[]): RowResult<RatingRow> {
  const bad = columnCount(fields, 'ratings');
  if (bad) return fail(bad);
  const [user, movie, rating, time] = (fields as [string, string, string, string]).map((f) => f.trim()) as [string, string, string, string];
  const userId = parseId(user);
  if (userId === null) return fail(`userId "${user.slice(0, 40)}" is not a positive whole number`);
  const movielensId = parseId(movie);
  if (movielensId === null) return fail(`movieId "${movie.slice(0, 40)}" is not a positive whole number`);
  const value = /^\d+(\.\d+)?$/.test(rating) ? Number(rating) : Number.NaN;
  if (!Number.isFinite(value)) return fail(`rating "${rating.slice(0, 40)}" is not a number from 0.5 to 5`);
  if (value < 0.5 || value > 5 || value * 2 !== Math.round(value * 2)) return fail(`rating ${rating} is not between 0.5 and 5 in half steps`);
  const timestamp = /^\d{1,12}$/.test(time) ? Number(time) : Number.NaN;
  if (!Number.isFinite(timestamp)) return fail(`timestamp "${time.slice(0, 40)}" is not whole seconds since 1970`);
  return { ok: true, row: { userId, movielensId, value, timestamp } };
}
