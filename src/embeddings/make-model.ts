import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseGenres, parseMovieLensTitle } from '../catalog/names.ts';
import { buildStaticModelFiles, type ModelFiles } from './static-model.ts';
import { titleText, type TitleTextSource } from './title-text.ts';
import { learnWordVectors, type WordVectorOptions } from './word-vectors.ts';
import { words } from './words.ts';

/** What {@link makeModel} produced. */
export interface MadeModel {
  /** Absolute directory of the model; pass it as the encoder's model. */
  dir: string;
  vocabularySize: number;
  dimension: number;
  documents: number;
}

/** Writes model files under `dir` (creating folders); existing files of the same names are replaced. */
export async function writeModelFiles(dir: string, files: ModelFiles): Promise<void> {
  for (const [path, bytes] of files) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}

/**
 * Learns word vectors from `texts` (one per title) and writes a transformers.js model into `dir`.
 * Fast enough for tests with a handful of texts (pass `minCount: 1` there).
 */
export async function makeModel(texts: readonly string[], dir: string, options: WordVectorOptions = {}): Promise<MadeModel> {
  const documents = texts.map(words);
  const vectors = learnWordVectors(documents, options);
  const out = resolve(dir);
  await writeModelFiles(out, buildStaticModelFiles(vectors));
  return { dir: out, vocabularySize: vectors.vocabulary.length, dimension: vectors.dimension, documents: texts.length };
}

/**
 * Titles from MovieLens' movies.csv (movieId,title,genres) and, optionally, tags.csv
 * (userId,movieId,tag,timestamp), with tags ordered most frequent first as `Title.tags` is.
 */
export function parseMovieLensTitles(moviesCsv: string, tagsCsv?: string): TitleTextSource[] {
  // Malformed rows are the import's to report; the word model just learns from the rows that parse.
  const lenient = { columns: true, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: true } as const;
  const movies = parse(moviesCsv, lenient) as Record<string, string>[];
  if (movies.length > 0 && !('title' in movies[0]! && 'genres' in movies[0]! && 'movieId' in movies[0]!)) {
    throw new Error('movies.csv must have the MovieLens header "movieId,title,genres".');
  }
  const tagCounts = new Map<string, Map<string, number>>();
  if (tagsCsv !== undefined) {
    const tags = parse(tagsCsv, lenient) as Record<string, string>[];
    if (tags.length > 0 && !('movieId' in tags[0]! && 'tag' in tags[0]!)) {
      throw new Error('tags.csv must have the MovieLens header "userId,movieId,tag,timestamp".');
    }
    for (const row of tags) {
      const tag = row.tag?.trim().toLowerCase();
      if (!tag || !row.movieId) continue;
      const counts = tagCounts.get(row.movieId) ?? new Map<string, number>();
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
      tagCounts.set(row.movieId, counts);
    }
  }
  return movies.map((row) => {
    const { name, year } = parseMovieLensTitle(row.title ?? '');
    const counts = [...(tagCounts.get(row.movieId ?? '') ?? new Map<string, number>())];
    counts.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return { name, year, genres: parseGenres(row.genres ?? ''), tags: counts.map(([t]) => t) };
  });
}

/** Options of {@link makeModelFromMovieLens}. */
export interface MovieLensModelOptions extends WordVectorOptions {
  moviesPath: string;
  tagsPath?: string;
  outDir: string;
  /** Tags per title in the learning text; more than the encoder sees, for more co-occurrence signal (default 50). */
  maxTags?: number;
}

/** Reads MovieLens CSV files and makes the project's own model from the catalogue's words and tags. */
export async function makeModelFromMovieLens(options: MovieLensModelOptions): Promise<MadeModel> {
  const moviesCsv = await readFile(options.moviesPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read movies file ${options.moviesPath}: ${error.code ?? error.message}`);
  });
  const tagsCsv =
    options.tagsPath === undefined
      ? undefined
      : await readFile(options.tagsPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new Error(`Cannot read tags file ${options.tagsPath}: ${error.code ?? error.message}`);
        });
  const titles = parseMovieLensTitles(moviesCsv, tagsCsv);
  if (titles.length === 0) throw new Error(`${options.moviesPath} holds no movies.`);
  const texts = titles.map((t) => titleText(t, { maxTags: options.maxTags ?? 50 }));
  return makeModel(texts, options.outDir, options);
}
