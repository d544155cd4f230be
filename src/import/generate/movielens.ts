/**
 * `tastebud data generate movielens`: MovieLens-shaped data (movies, links, tags, ratings) with the counts
 * and skews of a real release and a planted low-rank taste structure, for machines that cannot download
 * ml-25m/ml-32m. Streams: only the catalogue, the per-user plans and one user's ratings are held in memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { makeCatalogue, type Catalogue } from './catalogue.ts';
import { plantedRating, RatingMaker } from './ratings.ts';
import { seedFor, type Draws } from './sampling.ts';
import { scaledCounts, SHAPES, type Counts, type Shape, type ShapeName } from './shapes.ts';
import { RANK } from './taste.ts';
import { TitleMaker } from './titles.ts';
import { planUsers, type UserPlans } from './users.ts';

export interface GenerateOptions {
  shape: ShapeName;
  /** Multiplies every count (default 1). */
  scale?: number;
  seed?: number;
  /** Directory to write movies.csv, links.csv, tags.csv, ratings.csv and generator.json into. */
  out: string;
  onProgress?: (progress: { ratings: number; total: number }) => void;
}

export interface GenerateResult {
  counts: Counts;
  bytes: number;
  ms: number;
}

/** The generation could not finish (no room, bad arguments); nothing half-written is left behind. */
export class GenerateError extends Error {
  override name = 'GenerateError';
}

/** Bytes per row of the real ml-32m files, for the up-front disk check. */
const BYTES_PER = { rating: 28, tag: 40, movie: 60, link: 22 };
const FILES = ['movies', 'links', 'tags', 'ratings'] as const;

/** The catalogue, the users' plans and the rating maker for a shape, scale and seed: everything but the files. */
export function generatorState(shape: ShapeName, scale: number, seed: number) {
  const spec = SHAPES[shape];
  const counts = scaledCounts(spec, scale);
  const catalogue = makeCatalogue(spec, counts.movies, seed);
  const plans = planUsers(spec, counts, catalogue, seed);
  const words = new TitleMaker(seedFor(seed, 7, 0));
  const vocabulary = Math.max(50, Math.round(40 * counts.tags ** 0.6));
  const maker = new RatingMaker(spec, catalogue, plans, seed, (draws: Draws) => words.tagWord(draws), vocabulary);
  return { spec, counts, catalogue, plans, maker };
}

/** Writes text through a file stream with backpressure; a write error (e.g. a full disk) surfaces on the next call. */
export class FileOut {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private length = 0;
  private failure: Error | null = null;
  bytes = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  push(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }

  async flushIfFull(): Promise<void> {
    if (this.length >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.length = 0;
    this.bytes += Buffer.byteLength(chunk);
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          if (error) reject(error);
          else resolve();
        };
        this.stream.on('drain', done).on('error', done);
      });
    }
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error || this.failure ? reject(error ?? this.failure) : resolve())));
  }

  destroy(): void {
    this.stream.destroy();
  }
}

function writeCatalogue(catalogue: Catalogue, movies: FileOut, links: FileOut): void {
  movies.push('movieId,title,genres\n');
  links.push('movieId,imdbId,tmdbId\n');
  const rows: string[][] = [];
  for (let i = 0; i < catalogue.size; i++) {
    rows.push([String(catalogue.movieId[i]), catalogue.title[i]!, catalogue.genres[i]!]);
    links.push(`${catalogue.movieId[i]},${catalogue.imdbId[i]},${catalogue.tmdbId[i]}\n`);
  }
  movies.push(stringify(rows));
}

async function writeActivity(state: ReturnType<typeof generatorState>, ratings: FileOut, tags: FileOut, onProgress: GenerateOptions['onProgress']): Promise<void> {
  const { catalogue, plans, maker, counts } = state;
  ratings.push('userId,movieId,rating,timestamp\n');
  tags.push('userId,movieId,tag,timestamp\n');
  let written = 0;
  let reportedAt = 0;
  for (let u = 0; u < plans.size; u++) {
    const user = u + 1;
    const r = maker.ratingsOf(u);
    let text = '';
    for (let j = 0; j < r.items.length; j++) text += `${user},${catalogue.movieId[r.items[j]!]},${r.values[j]!.toFixed(1)},${r.times[j]}\n`;
    ratings.push(text);
    const applied = maker.tagsOf(u, r);
    if (applied.length > 0) tags.push(stringify(applied.map((t) => [user, catalogue.movieId[t.item], t.tag, t.time])));
    written += r.items.length;
    await ratings.flushIfFull();
    await tags.flushIfFull();
    if (written - reportedAt >= 100_000 || user === plans.size) {
      reportedAt = written;
      onProgress?.({ ratings: written, total: counts.ratings });
    }
  }
}

function describeFailure(error: NodeJS.ErrnoException, out: string, counts: Counts): Error {
  if (error.code === 'ENOSPC') {
    return new GenerateError(
      `The disk holding ${out} filled up while writing the generated files (they need about ${gigabytes(estimateBytes(counts))}); free space or pass another --out. The partial files were removed.`,
    );
  }
  if (error.code === 'EACCES' || error.code === 'EROFS') return new GenerateError(`Cannot write into ${out}: ${error.message}`);
  return error;
}

const estimateBytes = (c: Counts) => c.ratings * BYTES_PER.rating + c.tags * BYTES_PER.tag + c.movies * (BYTES_PER.movie + BYTES_PER.link);
const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;

/** Checks the arguments and the free space, then writes the four files (as .part files, renamed at the end). */
export async function generateMovieLens(options: GenerateOptions): Promise<GenerateResult> {
  const started = Date.now();
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 1;
  if (!(options.shape in SHAPES)) throw new GenerateError(`Unknown shape "${options.shape}"; use one of ${Object.keys(SHAPES).join(', ')}.`);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 4) throw new GenerateError(`--scale must be a number above 0 and at most 4, not ${scale}.`);
  const counts = scaledCounts(SHAPES[options.shape], scale);
  await mkdir(options.out, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw describeFailure(error, options.out, counts);
  });
  const free = await statfs(options.out).then((s) => s.bavail * s.bsize);
  if (free < estimateBytes(counts) * 1.05) {
    throw new GenerateError(
      `${options.out} has ${gigabytes(free)} free, but the generated files need about ${gigabytes(estimateBytes(counts))}; free space or pass another --out (or a smaller --scale).`,
    );
  }
  const state = generatorState(options.shape, scale, seed);
  const outs = Object.fromEntries(FILES.map((f) => [f, new FileOut(join(options.out, `${f}.csv.part`))])) as Record<(typeof FILES)[number], FileOut>;
  try {
    writeCatalogue(state.catalogue, outs.movies, outs.links);
    await writeActivity(state, outs.ratings, outs.tags, options.onProgress);
    for (const f of FILES) await outs[f].close();
    for (const f of FILES) await rename(outs[f].path, join(options.out, `${f}.csv`));
    await writeFile(join(options.out, 'generator.json'), `${JSON.stringify(describe(options.shape, scale, seed, counts), null, 2)}\n`);
  } catch (error) {
    for (const f of FILES) outs[f].destroy();
    await Promise.all(FILES.map((f) => rm(outs[f].path, { force: true })));
    throw describeFailure(error as NodeJS.ErrnoException, options.out, counts);
  }
  return { counts, bytes: FILES.reduce((sum, f) => sum + outs[f].bytes, 0), ms: Date.now() - started };
}

function describe(shape: ShapeName, scale: number, seed: number, counts: Counts) {
  return {
    note: 'Generated by tastebud in the MovieLens layout; this is not MovieLens data. Re-create the planted taste with plantedTaste() from src/import/generate/movielens.ts.',
    shape,
    scale,
    seed,
    counts,
    planted: { rank: RANK, mean: SHAPES[shape].plantedMean },
  };
}

/** The planted structure behind a generated data set (same shape, scale and seed), for checking what a model learned. */
export interface PlantedTaste {
  rank: number;
  movieIds: Int32Array;
  /** Per movie (catalogue order = movieId order): bias and RANK taste numbers. */
  movieBias: Float32Array;
  movieFactors: Float32Array;
  /** Per user (index = userId - 1). */
  userBias: Float32Array;
  userFactors: Float32Array;
  /** The planted rating of user index u for catalogue index i, before noise and rounding. */
  expected(u: number, i: number): number;
}

export function plantedTaste(shape: ShapeName, scale: number, seed: number): PlantedTaste {
  const { spec, catalogue, plans } = generatorState(shape, scale, seed);
  return plantedFrom(spec, catalogue, plans);
}

function plantedFrom(shape: Shape, catalogue: Catalogue, plans: UserPlans): PlantedTaste {
  return {
    rank: RANK,
    movieIds: catalogue.movieId,
    movieBias: catalogue.bias,
    movieFactors: catalogue.factors,
    userBias: plans.bias,
    userFactors: plans.factors,
    expected: (u, i) => plantedRating(shape, catalogue, plans, u, i),
  };
}
