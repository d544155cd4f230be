import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { Rating } from '../model/types.ts';

/** A data file that cannot be used; the message names the file and, where it applies, the line. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

async function* records(path: string, required: readonly string[]): AsyncGenerator<{ line: number; row: Record<string, string> }> {
  const parser = createReadStream(path).pipe(parse({ columns: true, skip_empty_lines: true, trim: true, info: true, bom: true }));
  let checked = false;
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!checked) {
        const missing = required.filter((c) => !(c in item.record));
        if (missing.length > 0) throw new DataFileError(`${path}: missing column(s) ${missing.join(', ')}; expected a header with ${required.join(',')}.`);
        checked = true;
      }
      yield { line: item.info.lines, row: item.record };
    }
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    const err = error as NodeJS.ErrnoException & { lines?: number };
    if (err.code === 'ENOENT') throw new DataFileError(`${path}: file not found.`);
    throw new DataFileError(`${path}${err.lines ? ` line ${err.lines}` : ''}: ${err.message}`);
  }
}

function integer(value: string | undefined, path: string, line: number, column: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isSafeInteger(n)) throw new DataFileError(`${path} line ${line}: ${column} "${value ?? ''}" is not an integer.`);
  return n;
}

/**
 * Reads a MovieLens ratings.csv (userId,movieId,rating,timestamp in seconds). movieId becomes titleId
 * and the timestamp milliseconds. Throws {@link DataFileError} with file and line for a rating outside
 * 0.5 to 5, a non-numeric field, or a file with no ratings.
 */
export async function readRatingsCsv(path: string): Promise<Rating[]> {
  const out: Rating[] = [];
  for await (const { line, row } of records(path, ['userId', 'movieId', 'rating', 'timestamp'])) {
    const value = Number(row.rating);
    if (row.rating === '' || !Number.isFinite(value) || value < 0.5 || value > 5) {
      throw new DataFileError(`${path} line ${line}: rating "${row.rating ?? ''}" is outside 0.5 to 5.`);
    }
    out.push({
      userId: integer(row.userId, path, line, 'userId'),
      titleId: integer(row.movieId, path, line, 'movieId'),
      value,
      ratedAt: integer(row.timestamp, path, line, 'timestamp') * 1000,
    });
  }
  if (out.length === 0) throw new DataFileError(`${path}: no ratings (the file is empty or holds only a header).`);
  return out;
}

export interface MovieRecord {
  movieId: number;
  title: string;
  genres: string[];
}

/** Reads a MovieLens movies.csv (movieId,title,genres with genres separated by |). */
export async function readMoviesCsv(path: string): Promise<MovieRecord[]> {
  const out: MovieRecord[] = [];
  for await (const { line, row } of records(path, ['movieId', 'title', 'genres'])) {
    const genres = (row.genres ?? '').split('|').filter((g) => g && g !== '(no genres listed)');
    out.push({ movieId: integer(row.movieId, path, line, 'movieId'), title: row.title ?? '', genres });
  }
  return out;
}

/** Reads a MovieLens tags.csv into tags per movie (lower-cased, deduplicated, most used first). */
export async function readTagsCsv(path: string): Promise<Map<number, string[]>> {
  const counts = new Map<number, Map<string, number>>();
  for await (const { line, row } of records(path, ['movieId', 'tag'])) {
    const movieId = integer(row.movieId, path, line, 'movieId');
    const tag = (row.tag ?? '').trim().toLowerCase();
    if (!tag) continue;
    let m = counts.get(movieId);
    if (!m) counts.set(movieId, (m = new Map()));
    m.set(tag, (m.get(tag) ?? 0) + 1);
  }
  return new Map([...counts].map(([id, m]) => [id, [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t)]));
}
