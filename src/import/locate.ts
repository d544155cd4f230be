import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DownloadError, downloadMovieLens, GROUPLENS_BASE_URL, MOVIELENS_ARCHIVES, type DownloadOptions, type MovieLensSize } from './download.ts';

/** The files a MovieLens release unpacks to (and that the importer reads). */
export const MOVIELENS_FILES = ['movies.csv', 'links.csv', 'tags.csv', 'ratings.csv'] as const;

/** No MovieLens release anywhere it was looked for; the one-line message names each place and the fix. */
export class MovieLensNotFoundError extends Error {
  override name = 'MovieLensNotFoundError';
}

/**
 * Where a MovieLens release may be, in the order it is looked for. The same order for the CLI, tests and
 * benchmarks: the explicit setting, then the folder `tastebud data download movielens` unpacks into, then
 * (tests and benchmarks only) the team's shared copy beside the repository.
 */
export interface MovieLensSearch {
  /** Release; default `small` (ml-latest-small). */
  size?: MovieLensSize;
  /** The configured directory (MOVIELENS_DIR, TEST_MOVIELENS_DIR or --dir); tried first when set. */
  dir?: string | undefined;
  /** Name of the setting `dir` came from, for messages. */
  setting: string;
  /** Where releases are downloaded and unpacked: `<dataDir>/<release>` (default `data/movielens`). */
  dataDir?: string;
  /** Tests and benchmarks: the repository root, so `<root>/../shared/data/movielens/<release>` is tried too. */
  sharedBeside?: string;
}

/** Whether `dir` holds every file of a release. */
export function isMovieLensDir(dir: string): boolean {
  return MOVIELENS_FILES.every((file) => existsSync(join(dir, file)));
}

/** The first of `candidates` that holds every MovieLens file, or undefined. */
export function findMovieLensDir(candidates: readonly string[]): string | undefined {
  return candidates.map((c) => resolve(c)).find(isMovieLensDir);
}

/** The directories {@link MovieLensSearch} names, first choice first (absolute, without repeats). */
export function movieLensCandidates(search: MovieLensSearch): string[] {
  const name = MOVIELENS_ARCHIVES[search.size ?? 'small'];
  const dirs = [
    ...(search.dir ? [resolve(search.dir)] : []),
    resolve(search.dataDir ?? join('data', 'movielens'), name),
    ...(search.sharedBeside ? [resolve(search.sharedBeside, '..', 'shared', 'data', 'movielens', name)] : []),
  ];
  return [...new Set(dirs)];
}

/** How {@link locateMovieLens} may download when nothing is on disk; absent = never. */
export type MovieLensDownload = Pick<DownloadOptions, 'baseUrl' | 'fetch' | 'onProgress' | 'connectTimeoutMs' | 'unzip'>;

/**
 * The directory of the release: the first candidate that holds it, else (with `download`) a fresh download,
 * checked against GroupLens's MD5, unpacked into `dataDir` and kept there for the next run. Throws
 * {@link MovieLensNotFoundError} whose one-line message names every place tried and `fix`.
 */
export async function locateMovieLens(search: MovieLensSearch & { download?: MovieLensDownload; fix: string }): Promise<string> {
  const candidates = movieLensCandidates(search);
  const found = findMovieLensDir(candidates);
  if (found) return found;
  const tried = candidates.map((dir, i) => (i === 0 && search.dir ? `${search.setting}=${dir}` : dir));
  if (!search.dir) tried.unshift(`${search.setting} (not set)`);
  if (search.download) {
    const size = search.size ?? 'small';
    const into = resolve(search.dataDir ?? join('data', 'movielens'));
    try {
      return (await downloadMovieLens({ ...search.download, size, dir: into })).dataDir;
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      const base = search.download.baseUrl ?? GROUPLENS_BASE_URL;
      // The download's own message is a paragraph; its first sentence says why.
      tried.push(`a download from ${base} (${error.message.split(/(?<=\.) /)[0]!.replace(/\.$/, '')})`);
    }
  }
  const name = MOVIELENS_ARCHIVES[search.size ?? 'small'];
  throw new MovieLensNotFoundError(`MovieLens ${name} not found; tried ${tried.join(', ')}. ${search.fix}`);
}

/** What the CLI looks for: MOVIELENS_DIR, then `data/movielens/<release>` in the working directory. */
export function cliMovieLensSearch(movielensDir: string | undefined, size: MovieLensSize = 'small'): MovieLensSearch & { fix: string } {
  return {
    size,
    dir: movielensDir,
    setting: 'MOVIELENS_DIR',
    fix: `Run 'tastebud data download movielens${size === 'small' ? '' : ` --size ${size}`}' (needs internet), or set MOVIELENS_DIR to an unpacked ${MOVIELENS_ARCHIVES[size]}.`,
  };
}
