/**
 * The MovieLens releases the generator imitates: their published counts and the parameters of the
 * distributions fitted to them. Sources: each release's README (counts, date range), the LensKit data
 * descriptions of ML25M/ML32M (rated items, item Gini, user-activity log-normal fits) and
 * ml-latest-small itself (in ../shared), which is also what `--shape small` is checked against.
 */

export const SHAPE_NAMES = ['small', '25m', '32m'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

export interface Shape {
  name: ShapeName;
  ratings: number;
  users: number;
  movies: number;
  tags: number;
  /** Share of movies with tags but no rating (MovieLens lists a movie once it has either). */
  unratedShare: number;
  /** Largest movieId; ids grow with the time a movie was added, with gaps. */
  maxMovieId: number;
  /** First and last rating (unix seconds, UTC). */
  start: number;
  end: number;
  /** Latest release year among the titles. */
  lastYear: number;
  /** Spread (log-normal sigma) of a user's ratings beyond the first 20. */
  activitySigma: number;
  /** Spread (log-normal sigma) of the movies' popularity weights. */
  popularitySigma: number;
  /**
   * Above this many standard deviations popularity grows only a quarter as fast: MovieLens' most rated
   * movies are rated by about half the users (Shawshank: 102,929 of 200,948 in ml-32m), not by all.
   */
  headZ: number;
  /**
   * Mean of the planted ratings before rounding to stars, chosen so the stars' mean comes out as the real
   * one (3.50 in ml-latest-small, 3.53 in ml-25m, 3.54 in ml-32m): picking by popularity raises it.
   */
  plantedMean: number;
  /** Share of movies whose genres are "(no genres listed)". */
  noGenreShare: number;
  /** Share of release years per decade (key: the decade's first year); years within a decade are uniform. */
  decades: Record<number, number>;
}

const utc = (iso: string) => Math.floor(Date.parse(`${iso}Z`) / 1000);

/** Release years of a big MovieLens catalogue by decade: most titles are recent. */
const BIG_DECADES = { 1890: 0.002, 1900: 0.003, 1910: 0.006, 1920: 0.01, 1930: 0.023, 1940: 0.025, 1950: 0.033, 1960: 0.045, 1970: 0.055, 1980: 0.07, 1990: 0.1, 2000: 0.2, 2010: 0.33, 2020: 0.1 };

/** What ml-25m and ml-32m share: the LensKit fits of user activity (log-normal sigma 1.59), item Gini 0.94-0.95. */
const BIG_RELEASE = {
  activitySigma: 1.59,
  popularitySigma: 4.6,
  headZ: 2.5,
  plantedMean: 2.79,
  // Roughly what ml-25m lists as "(no genres listed)"; not published for ml-32m.
  noGenreShare: 0.08,
  decades: BIG_DECADES,
};

export const SHAPES: Record<ShapeName, Shape> = {
  small: {
    name: 'small',
    ratings: 100_836,
    users: 610,
    movies: 9_742,
    tags: 3_683,
    unratedShare: 18 / 9_742,
    maxMovieId: 193_609,
    start: utc('1996-03-29T18:36:55'),
    end: utc('2018-09-24T14:27:30'),
    lastYear: 2018,
    activitySigma: 1.45,
    popularitySigma: 2.4,
    headZ: 2.5,
    plantedMean: 3.0,
    noGenreShare: 34 / 9_742,
    // ml-latest-small's own counts per decade.
    decades: { 1900: 3, 1910: 7, 1920: 37, 1930: 136, 1940: 197, 1950: 279, 1960: 401, 1970: 500, 1980: 1177, 1990: 2212, 2000: 2849, 2010: 1931 },
  },
  '25m': {
    name: '25m',
    ratings: 25_000_095,
    users: 162_541,
    movies: 62_423,
    tags: 1_093_360,
    unratedShare: 1 - 59_047 / 62_423,
    maxMovieId: 209_171,
    start: utc('1995-01-09T11:46:49'),
    end: utc('2019-11-21T09:15:03'),
    lastYear: 2019,
    ...BIG_RELEASE,
  },
  '32m': {
    name: '32m',
    ratings: 32_000_204,
    users: 200_948,
    movies: 87_585,
    tags: 2_000_072,
    unratedShare: 1 - 84_432 / 87_585,
    maxMovieId: 292_757,
    start: utc('1995-01-09T11:46:44'),
    end: utc('2023-10-13T02:29:07'),
    lastYear: 2023,
    ...BIG_RELEASE,
  },
};

/** Every user rated at least this many movies (MovieLens' own rule for all three releases). */
export const MIN_RATINGS_PER_USER = 20;

export interface Counts {
  ratings: number;
  users: number;
  movies: number;
  tags: number;
}

/**
 * The counts of `shape` times `scale`. Every count scales alike, except that the catalogue keeps at least
 * ten times the mean user's ratings (below about --scale 0.01 a tenth of the movies could not hold a
 * typical user's ratings) and every count stays at least 1.
 */
export function scaledCounts(shape: Shape, scale: number): Counts {
  const users = Math.max(1, Math.round(shape.users * scale));
  const ratings = Math.max(users * MIN_RATINGS_PER_USER, Math.round(shape.ratings * scale));
  const movies = Math.max(Math.round(shape.movies * scale), Math.min(shape.movies, Math.ceil((10 * shape.ratings) / shape.users)));
  return { ratings, users, movies, tags: Math.max(1, Math.round(shape.tags * scale)) };
}
