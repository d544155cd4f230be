/**
 * Shape statistics of a MovieLens directory (real or generated), read with the importer's own CSV reader and
 * row checks: what the generator is fitted to and tested against.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { readCsvLines } from '../csv-lines.ts';
import { parseMovieRow, parseRatingRow, parseTagRow, type MovieLensFile } from '../rows.ts';
import { HALF_STARS_FROM } from './ratings.ts';

export interface ShapeStatistics {
  ratings: number;
  users: number;
  movies: number;
  tags: number;
  /** Rows any check of the importer would refuse. */
  badRows: number;
  ratedMovieShare: number;
  minRatingsPerUser: number;
  medianRatingsPerUser: number;
  userGini: number;
  /** Gini of the rating counts of movies with at least one rating. */
  movieGini: number;
  /** Share of users who rated the most rated movie. */
  topMovieUserShare: number;
  /** Share of ratings held by the most rated tenth of the movies. */
  topTenthShare: number;
  oneRatingShare: number;
  meanRating: number;
  /** Share of ratings per star value, keyed "0.5" ... "5.0". */
  values: Record<string, number>;
  halfStarsBefore2003: number;
  firstRatingAt: number;
  lastRatingAt: number;
  /** Users whose ratings all fall within one day. */
  oneDayUserShare: number;
  /** Ratings out of user-and-movie order (ratings.csv is sorted by userId, then movieId). */
  unsortedRatings: number;
  titleCommaShare: number;
  alternateNameShare: number;
  latestYear: number;
  genresPerMovie: number;
  taggerShare: number;
}

async function eachRow(dir: string, file: MovieLensFile, visit: (fields: readonly string[]) => boolean): Promise<number> {
  let bad = 0;
  let header = true;
  for await (const lines of readCsvLines(createReadStream(join(dir, `${file}.csv`), { highWaterMark: 1 << 20 }))) {
    for (const entry of lines) {
      if (header) {
        header = false;
        continue;
      }
      if ('problem' in entry || !visit(entry.fields)) bad++;
    }
  }
  return bad;
}

export function gini(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let weighted = 0;
  let sum = 0;
  sorted.forEach((x, i) => {
    weighted += (2 * (i + 1) - n - 1) * x;
    sum += x;
  });
  return n === 0 || sum === 0 ? 0 : weighted / (n * sum);
}

async function movieTally(dir: string) {
  const movies = { count: 0, comma: 0, alternate: 0, latestYear: 0, genres: 0, bad: 0 };
  movies.bad = await eachRow(dir, 'movies', (fields) => {
    const parsed = parseMovieRow(fields);
    if (!parsed.ok) return false;
    movies.count++;
    if (fields[1]!.includes(',')) movies.comma++;
    if (/\(.*\)\s*\(\d{4}\)\s*$/.test(fields[1]!)) movies.alternate++;
    movies.latestYear = Math.max(movies.latestYear, parsed.row.year ?? 0);
    movies.genres += parsed.row.genres.length;
    return true;
  });
  return movies;
}

async function ratingTally(dir: string) {
  const t = { perUser: new Map<number, { n: number; first: number; last: number }>(), perMovie: new Map<number, number>(), values: {} as Record<string, number> };
  const sums = { ratings: 0, sum: 0, halfEarly: 0, unsorted: 0, first: Infinity, last: 0, bad: 0 };
  let previous = [0, 0];
  sums.bad = await eachRow(dir, 'ratings', (fields) => {
    const parsed = parseRatingRow(fields);
    if (!parsed.ok) return false;
    const r = parsed.row;
    sums.ratings++;
    sums.sum += r.value;
    t.values[r.value.toFixed(1)] = (t.values[r.value.toFixed(1)] ?? 0) + 1;
    if (r.value % 1 !== 0 && r.timestamp < HALF_STARS_FROM) sums.halfEarly++;
    if (r.userId < previous[0]! || (r.userId === previous[0] && r.movielensId <= previous[1]!)) sums.unsorted++;
    previous = [r.userId, r.movielensId];
    sums.first = Math.min(sums.first, r.timestamp);
    sums.last = Math.max(sums.last, r.timestamp);
    const user = t.perUser.get(r.userId) ?? { n: 0, first: r.timestamp, last: r.timestamp };
    user.n++;
    user.first = Math.min(user.first, r.timestamp);
    user.last = Math.max(user.last, r.timestamp);
    t.perUser.set(r.userId, user);
    t.perMovie.set(r.movielensId, (t.perMovie.get(r.movielensId) ?? 0) + 1);
    return true;
  });
  return { ...t, ...sums };
}

async function tagTally(dir: string) {
  const taggers = new Set<number>();
  let tags = 0;
  const bad = await eachRow(dir, 'tags', (fields) => {
    const parsed = parseTagRow(fields);
    if (!parsed.ok) return false;
    tags++;
    taggers.add(parsed.row.userId);
    return true;
  });
  return { tags, taggers: taggers.size, bad };
}

export async function shapeStatistics(dir: string): Promise<ShapeStatistics> {
  const [movies, r, t] = [await movieTally(dir), await ratingTally(dir), await tagTally(dir)];
  const userCounts = [...r.perUser.values()].map((u) => u.n).sort((a, b) => a - b);
  const movieCounts = [...r.perMovie.values()].sort((a, b) => b - a);
  const tenth = movieCounts.slice(0, Math.max(1, Math.round(movieCounts.length / 10))).reduce((a, b) => a + b, 0);
  const values = Object.fromEntries(Object.entries(r.values).map(([k, n]) => [k, n / r.ratings]));
  return {
    ratings: r.ratings,
    users: r.perUser.size,
    movies: movies.count,
    tags: t.tags,
    badRows: movies.bad + r.bad + t.bad,
    ratedMovieShare: r.perMovie.size / movies.count,
    minRatingsPerUser: userCounts[0] ?? 0,
    medianRatingsPerUser: userCounts[userCounts.length >> 1] ?? 0,
    userGini: gini(userCounts),
    movieGini: gini(movieCounts),
    topMovieUserShare: (movieCounts[0] ?? 0) / r.perUser.size,
    topTenthShare: tenth / r.ratings,
    oneRatingShare: movieCounts.filter((c) => c === 1).length / movieCounts.length,
    meanRating: r.sum / r.ratings,
    values,
    halfStarsBefore2003: r.halfEarly,
    firstRatingAt: r.first,
    lastRatingAt: r.last,
    oneDayUserShare: [...r.perUser.values()].filter((u) => u.last - u.first < 86_400).length / r.perUser.size,
    unsortedRatings: r.unsorted,
    titleCommaShare: movies.comma / movies.count,
    alternateNameShare: movies.alternate / movies.count,
    latestYear: movies.latestYear,
    genresPerMovie: movies.genres / movies.count,
    taggerShare: t.taggers / r.perUser.size,
  };
}
