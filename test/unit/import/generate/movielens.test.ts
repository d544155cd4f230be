import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readCsvLines } from '../../../../src/import/csv-lines.ts';
import { generateMovieLens, GenerateError, plantedTaste } from '../../../../src/import/generate/movielens.ts';
import { SHAPES } from '../../../../src/import/generate/shapes.ts';
import { shapeStatistics, type ShapeStatistics } from '../../../../src/import/generate/stats.ts';
import { parseRatingRow } from '../../../../src/import/rows.ts';

/** The real ml-latest-small, where the global setup found it. */
const realSmall = inject('movielensDir');

let root: string;
const dirs: Record<string, string> = {};
let real: ShapeStatistics;
let small: ShapeStatistics;
let big: ShapeStatistics;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tastebud-generate-'));
  for (const [name, shape, scale, seed] of [
    ['small', 'small', 1, 1],
    ['big', '32m', 0.001, 1],
    ['again', '32m', 0.001, 1],
    ['other', '32m', 0.001, 2],
  ] as const) {
    dirs[name] = join(root, name);
    await generateMovieLens({ shape, scale, seed, out: dirs[name]! });
  }
  [real, small, big] = await Promise.all([shapeStatistics(realSmall), shapeStatistics(dirs.small!), shapeStatistics(dirs.big!)]);
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const digest = async (dir: string) => {
  const hash = createHash('sha256');
  for (const file of ['movies', 'links', 'tags', 'ratings']) hash.update(await readFile(join(dir, `${file}.csv`)));
  return hash.digest('hex');
};

describe('generateMovieLens --shape small against the real ml-latest-small', () => {
  it('has its exact counts and files every importer check accepts', () => {
    expect([small.ratings, small.users, small.movies, small.tags]).toEqual([100_836, 610, 9_742, 3_683]);
    expect(small.badRows).toBe(0);
    expect(small.unsortedRatings).toBe(0);
  });

  it('has its skews: user activity, movie popularity and the long tail', () => {
    expect(small.minRatingsPerUser).toBeGreaterThanOrEqual(20);
    expect(Math.abs(small.medianRatingsPerUser - real.medianRatingsPerUser)).toBeLessThanOrEqual(15);
    expect(Math.abs(small.userGini - real.userGini)).toBeLessThan(0.04);
    expect(Math.abs(small.movieGini - real.movieGini)).toBeLessThan(0.04);
    expect(Math.abs(small.topTenthShare - real.topTenthShare)).toBeLessThan(0.04);
    expect(Math.abs(small.topMovieUserShare - real.topMovieUserShare)).toBeLessThan(0.12);
    expect(Math.abs(small.oneRatingShare - real.oneRatingShare)).toBeLessThan(0.05);
    expect(Math.abs(small.ratedMovieShare - real.ratedMovieShare)).toBeLessThan(0.01);
  });

  it('has its star values, half stars only from 2003, and its time span', () => {
    expect(Math.abs(small.meanRating - real.meanRating)).toBeLessThan(0.05);
    for (const [value, share] of Object.entries(real.values)) expect(Math.abs((small.values[value] ?? 0) - share), value).toBeLessThan(0.05);
    expect(small.halfStarsBefore2003).toBe(0);
    expect(small.firstRatingAt).toBeGreaterThanOrEqual(real.firstRatingAt);
    expect(small.lastRatingAt).toBeLessThanOrEqual(real.lastRatingAt);
    expect(Math.abs(small.oneDayUserShare - real.oneDayUserShare)).toBeLessThan(0.06);
  });

  it('has its title shapes, genres and taggers', () => {
    expect(Math.abs(small.titleCommaShare - real.titleCommaShare)).toBeLessThan(0.03);
    expect(Math.abs(small.alternateNameShare - real.alternateNameShare)).toBeLessThan(0.03);
    expect(small.latestYear).toBe(2018);
    expect(Math.abs(small.genresPerMovie - real.genresPerMovie)).toBeLessThan(0.15);
    expect(Math.abs(small.taggerShare - real.taggerShare)).toBeLessThan(0.04);
  });
});

describe('generateMovieLens --shape 32m --scale 0.001', () => {
  it('scales every count, keeping a catalogue that can hold a typical user', () => {
    expect([big.ratings, big.users, big.tags]).toEqual([32_000, 201, 2_000]);
    expect(big.movies).toBe(Math.ceil((10 * SHAPES['32m'].ratings) / SHAPES['32m'].users));
    expect(big.badRows).toBe(0);
    expect(big.minRatingsPerUser).toBeGreaterThanOrEqual(20);
  });

  it('spans ml-32m: titles up to 2023, ratings from 1995 to October 2023, some movies tagged only', () => {
    expect(big.latestYear).toBe(2023);
    expect(big.firstRatingAt).toBeGreaterThanOrEqual(SHAPES['32m'].start);
    expect(big.lastRatingAt).toBeLessThanOrEqual(SHAPES['32m'].end);
    expect(big.lastRatingAt - big.firstRatingAt).toBeGreaterThan(20 * 365 * 86_400);
    expect(big.ratedMovieShare).toBeGreaterThan(0.93);
    expect(big.ratedMovieShare).toBeLessThan(1);
    expect(big.halfStarsBefore2003).toBe(0);
  });

  it('writes the same bytes for the same seed and others for another', async () => {
    expect(await digest(dirs.again!)).toBe(await digest(dirs.big!));
    expect(await digest(dirs.other!)).not.toBe(await digest(dirs.big!));
  });

  it('plants a taste structure the ratings follow', async () => {
    const planted = plantedTaste('32m', 0.001, 1);
    const index = new Map(Array.from(planted.movieIds, (id, i) => [id, i]));
    const pairs: [number, number][] = [];
    let header = true;
    for await (const lines of readCsvLines([await readFile(join(dirs.big!, 'ratings.csv'))])) {
      for (const entry of lines) {
        if (header || !('fields' in entry)) {
          header = false;
          continue;
        }
        const r = parseRatingRow(entry.fields);
        if (r.ok) pairs.push([r.row.value, planted.expected(r.row.userId - 1, index.get(r.row.movielensId)!)]);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [mx, my] = [mean(pairs.map((p) => p[0])), mean(pairs.map((p) => p[1]))];
    const cov = mean(pairs.map(([x, y]) => (x - mx) * (y - my)));
    const sd = (k: 0 | 1, m: number) => Math.sqrt(mean(pairs.map((p) => (p[k] - m) ** 2)));
    expect(planted.rank).toBe(8);
    expect(cov / (sd(0, mx) * sd(1, my))).toBeGreaterThan(0.6);
  });

  it('refuses a scale it cannot make, with what to pass instead', async () => {
    await expect(generateMovieLens({ shape: '32m', scale: 0, out: join(root, 'none') })).rejects.toThrow(GenerateError);
    await expect(generateMovieLens({ shape: '32m', scale: 0, out: join(root, 'none') })).rejects.toThrow(/--scale must be a number above 0/);
  });
});
