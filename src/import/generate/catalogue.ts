/** The generated catalogue: one entry per movie, ordered by movieId, held as columns (87k movies fit easily). */
import { shuffleInPlace } from '../../lib/random.ts';
import { AliasTable, Draws, seedFor } from './sampling.ts';
import type { Shape } from './shapes.ts';
import { groupCentres, nearCentre, RANK, TASTE_GROUPS } from './taste.ts';
import { TitleMaker } from './titles.ts';

export const GENRES = [
  'Action',
  'Adventure',
  'Animation',
  'Children',
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'IMAX',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;
/** ml-latest-small's genre counts (of 9,742 movies), for extra genres beyond a group's own. */
const GENRE_COUNTS = [1828, 1263, 611, 664, 3756, 1199, 440, 4361, 779, 87, 978, 158, 334, 573, 1596, 980, 1894, 382, 167];
/** Genres per movie in ml-latest-small: 1 to 8 (share of movies). */
const GENRES_PER_MOVIE = [0.293, 0.33, 0.24, 0.101, 0.028, 0.0065, 0.0013, 0.0002];

const DAY = 86_400;
const YEAR = 365.25 * DAY;
const CATALOGUE_STAGE = 2;

export interface Catalogue {
  size: number;
  movieId: Int32Array;
  year: Int16Array;
  /** When the movie was added to MovieLens: nobody rates it earlier. */
  addedAt: Float64Array;
  group: Uint8Array;
  /** Popularity: the chance of being picked is proportional to it. */
  weight: Float64Array;
  /** Planted quality: added to every rating of the movie. */
  bias: Float32Array;
  /** Planted taste, RANK numbers per movie. */
  factors: Float32Array;
  /** 0 for the few movies that only have tags. */
  rated: Uint8Array;
  title: string[];
  genres: string[];
  imdbId: string[];
  tmdbId: string[];
}

const yearStart = (year: number) => Date.UTC(year, 0, 1) / 1000;

/** A release year drawn from the shape's decades, never after its last year. */
function releaseYear(shape: Shape, decades: AliasTable, keys: number[], draws: Draws): number {
  for (;;) {
    const year = keys[decades.draw(draws.uniform)]! + draws.int(10);
    if (year <= shape.lastYear) return year;
  }
}

/** How popular movies of a release year are: 1990s films are MovieLens' most rated, the latest ones least. */
function eraFactor(year: number): number {
  if (year < 1970) return 0.6;
  if (year < 1990) return 0.9;
  if (year < 2000) return 1.6;
  if (year < 2010) return 1.3;
  if (year < 2020) return 1.0;
  return 0.6;
}

function genresOf(group: number, draws: Draws, genreTable: AliasTable): string {
  let count = 1;
  for (let p = draws.uniform(), acc = 0; count <= GENRES_PER_MOVIE.length; count++) {
    acc += GENRES_PER_MOVIE[count - 1]!;
    if (p < acc) break;
  }
  const own = shuffleInPlace([...TASTE_GROUPS[group]!.genres], draws.uniform);
  const chosen = new Set(own.slice(0, count));
  for (let tries = 0; chosen.size < count && tries < 50; tries++) chosen.add(GENRES[genreTable.draw(draws.uniform)]!);
  return [...chosen].sort().join('|');
}

/** IMDb numbers grow with release year: tt00xxxxx for silent films, tt1xxxxxxx for the 2020s. */
function imdbNumber(year: number, draws: Draws): string {
  const anchors: [number, number][] = [
    [1890, 0],
    [1950, 40_000],
    [1990, 100_000],
    [2000, 200_000],
    [2010, 1_500_000],
    [2015, 3_500_000],
    [2020, 10_000_000],
    [2024, 28_000_000],
  ];
  let i = 0;
  while (i < anchors.length - 2 && year >= anchors[i + 1]![0]) i++;
  const [y0, n0] = anchors[i]!;
  const [y1, n1] = anchors[i + 1]!;
  const at = n0 + ((year + draws.uniform() - y0) / (y1 - y0)) * (n1 - n0);
  return String(1 + Math.floor(at)).padStart(7, '0');
}

/** Builds the catalogue of `size` movies for `shape`, the same for the same seed. */
export function makeCatalogue(shape: Shape, size: number, seed: number): Catalogue {
  const draws = new Draws(seedFor(seed, CATALOGUE_STAGE, 0));
  const titles = new TitleMaker(seedFor(seed, CATALOGUE_STAGE, 1));
  const decadeKeys = Object.keys(shape.decades).map(Number);
  const decades = new AliasTable(decadeKeys.map((d) => shape.decades[d]!));
  const groups = new AliasTable(TASTE_GROUPS.map((g) => g.share));
  const genreTable = new AliasTable(GENRE_COUNTS);
  const centres = groupCentres(seed);
  const drafts = Array.from({ length: size }, () => {
    const year = releaseYear(shape, decades, decadeKeys, draws);
    const group = groups.draw(draws.uniform);
    const z = draws.normal();
    const released = Math.min(yearStart(year) + draws.uniform() * YEAR, shape.end - 30 * DAY);
    // Half the films already out when MovieLens began were there from its start; the rest came over the years, most early.
    const addedAt =
      released >= shape.start ? Math.min(released + draws.exponential(120 * DAY), shape.end - DAY) : shape.start + (draws.chance(0.5) ? 0 : draws.uniform() ** 2.5 * (shape.end - shape.start - DAY));
    const head = z > shape.headZ ? shape.headZ + 0.25 * (z - shape.headZ) : z;
    return { year, group, z, addedAt, weight: Math.exp(shape.popularitySigma * head) * eraFactor(year), bias: 0.3 * draws.normal() + 0.25 * z };
  });
  drafts.sort((a, b) => a.addedAt - b.addedAt);
  const catalogue = emptyCatalogue(size);
  // The first movies have consecutive ids, like MovieLens' first few thousand; later ones leave gaps.
  const dense = Math.ceil(size * 0.04);
  const meanGap = size > dense ? Math.max(1, (shape.maxMovieId - dense) / (size - dense)) : 1;
  let id = 0;
  drafts.forEach((d, i) => {
    id += i < dense ? 1 : 1 + Math.floor(draws.exponential(meanGap - 1 + 1e-9));
    catalogue.movieId[i] = id;
    catalogue.year[i] = d.year;
    catalogue.addedAt[i] = d.addedAt;
    catalogue.group[i] = d.group;
    catalogue.weight[i] = d.weight;
    catalogue.bias[i] = d.bias;
    nearCentre(catalogue.factors, i * RANK, centres, d.group, 0.6, draws);
    catalogue.genres[i] = draws.chance(shape.noGenreShare) ? '(no genres listed)' : genresOf(d.group, draws, genreTable);
    catalogue.title[i] = titles.make(d.year, draws);
    catalogue.imdbId[i] = imdbNumber(d.year, draws);
    catalogue.tmdbId[i] = draws.chance(0.001) ? '' : String(2 + draws.int(1_200_000));
  });
  markTagOnly(catalogue, shape, draws);
  return catalogue;
}

function emptyCatalogue(size: number): Catalogue {
  return {
    size,
    movieId: new Int32Array(size),
    year: new Int16Array(size),
    addedAt: new Float64Array(size),
    group: new Uint8Array(size),
    weight: new Float64Array(size),
    bias: new Float32Array(size),
    factors: new Float32Array(size * RANK),
    rated: new Uint8Array(size).fill(1),
    title: new Array<string>(size),
    genres: new Array<string>(size),
    imdbId: new Array<string>(size),
    tmdbId: new Array<string>(size),
  };
}

/** The shape's share of movies that only have tags, taken among the less popular half. */
function markTagOnly(catalogue: Catalogue, shape: Shape, draws: Draws): void {
  const count = Math.round(shape.unratedShare * catalogue.size);
  const byWeight = Array.from({ length: catalogue.size }, (_, i) => i).sort((a, b) => catalogue.weight[a]! - catalogue.weight[b]!);
  const candidates = shuffleInPlace(byWeight.slice(0, Math.ceil(catalogue.size / 2)), draws.uniform);
  for (const i of candidates.slice(0, count)) {
    catalogue.rated[i] = 0;
    catalogue.weight[i] = 0;
  }
}
