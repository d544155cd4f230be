import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** MovieLens releases by the name `--size` takes, and the archive (and folder) each unpacks to. */
export const MOVIELENS_ARCHIVES = { small: 'ml-latest-small', '25m': 'ml-25m', '32m': 'ml-32m' } as const;
export type MovieLensSize = keyof typeof MOVIELENS_ARCHIVES;

export const GROUPLENS_BASE_URL = 'https://files.grouplens.org/datasets/movielens/';

/** Printed after every download: the terms the data comes under (from each archive's README.txt). */
export const MOVIELENS_LICENCE_NOTE = [
  'MovieLens data is provided by GroupLens Research (University of Minnesota) under its own licence:',
  '  - non-commercial use only, without permission; redistribution under the same terms;',
  '  - cite F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context.',
  '    ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4: 19:1-19:19. https://doi.org/10.1145/2827872',
  'See README.txt in the unpacked folder for the full terms.',
].join('\n');

/** The download or unpacking failed; the message says what to do instead. */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

export interface DownloadProgress {
  received: number;
  /** From Content-Length; null when the server does not say. */
  total: number | null;
}

export interface DownloadOptions {
  size: MovieLensSize;
  /** Where the zip is saved and unpacked; the data ends up in `<dir>/<archive name>/`. */
  dir: string;
  /** Mirror or test server holding `<archive>.zip` (default GroupLens). */
  baseUrl?: string;
  /** Give up when no response headers arrived in this time (default 30 s). */
  connectTimeoutMs?: number;
  onProgress?: (progress: DownloadProgress) => void;
  /** Unpacks `zipPath` into `dir` (default: the `unzip` program). */
  unzip?: (zipPath: string, dir: string) => Promise<void>;
  fetch?: typeof fetch;
}

export interface DownloadResult {
  url: string;
  zipPath: string;
  /** The unpacked folder holding movies.csv and the rest. */
  dataDir: string;
  bytes: number;
}

/** Network error codes that mean "cannot get there from here". */
const OFFLINE_CODES: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
  ECONNREFUSED: 'the connection was refused',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
};

function offlineMessage(url: string, reason: string, name: string, dir: string): string {
  return (
    `Could not download ${url} (${reason}). This machine seems to be offline or cannot reach that host. ` +
    `On a machine with internet, download ${name}.zip from ${GROUPLENS_BASE_URL}, unpack it and copy the ${name} folder into ${dir} by hand ` +
    `(so ${join(dir, name, 'movies.csv')} exists), then run 'tastebud import movielens --dir ${join(dir, name)}'.`
  );
}

/**
 * Unpacks a zip with the system's `unzip` program (no zip library is among the project's dependencies).
 * Throws a {@link DownloadError} saying how to get `unzip`, or what it complained about.
 */
export function unzipWithProgram(zipPath: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('unzip', ['-o', '-q', zipPath, '-d', dir], { maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new DownloadError(`The 'unzip' program is not installed; install it (e.g. 'apt-get install unzip') or unpack ${zipPath} into ${dir} by hand.`));
      }
      reject(new DownloadError(`Could not unpack ${zipPath}: ${(stderr || error.message).trim().split('\n')[0]}`));
    });
  });
}

/**
 * Downloads a MovieLens release from GroupLens (or `baseUrl`), saving `<dir>/<name>.zip` and unpacking it
 * to `<dir>/<name>/`. Fails fast with a {@link DownloadError} when the host cannot be reached, telling the
 * reader how to copy the files in by hand.
 */
export async function downloadMovieLens(options: DownloadOptions): Promise<DownloadResult> {
  const name = MOVIELENS_ARCHIVES[options.size];
  if (!name) throw new DownloadError(`Unknown MovieLens size "${String(options.size)}"; use one of ${Object.keys(MOVIELENS_ARCHIVES).join(', ')}.`);
  const base = options.baseUrl ?? GROUPLENS_BASE_URL;
  const url = new URL(`${name}.zip`, base.endsWith('/') ? base : `${base}/`).toString();
  const doFetch = options.fetch ?? fetch;
  await mkdir(options.dir, { recursive: true }).catch((error: Error) => {
    throw new DownloadError(`Cannot create ${options.dir}: ${error.message}`);
  });

  const md5 = await fetchChecksum(`${url}.md5`, doFetch, options, name);
  const response = await openDownload(url, doFetch, options.connectTimeoutMs ?? 30_000, movieLensHints(name, options.dir));
  const zipPath = join(options.dir, `${name}.zip`);
  const partPath = `${zipPath}.part`;
  const hash = createHash('md5');
  const bytes = await saveResponse(url, response, partPath, (chunk, progress) => {
    hash.update(chunk);
    options.onProgress?.(progress);
  });
  const actual = hash.digest('hex');
  if (actual !== md5) {
    await rm(partPath, { force: true });
    throw new DownloadError(`The download of ${url} is damaged: its MD5 is ${actual}, GroupLens publishes ${md5}; run the command again.`);
  }
  await rename(partPath, zipPath);

  await (options.unzip ?? unzipWithProgram)(zipPath, options.dir);
  const dataDir = join(options.dir, name);
  const movies = await stat(join(dataDir, 'movies.csv')).catch(() => null);
  if (!movies?.isFile()) throw new DownloadError(`${zipPath} unpacked, but ${join(dataDir, 'movies.csv')} is not there; is it a MovieLens archive?`);
  return { url, zipPath, dataDir, bytes };
}

/** The MD5 GroupLens publishes beside each archive (`<name>.zip.md5`), so a damaged download is never unpacked. */
async function fetchChecksum(url: string, doFetch: typeof fetch, options: DownloadOptions, name: string): Promise<string> {
  const response = await openDownload(url, doFetch, options.connectTimeoutMs ?? 30_000, movieLensHints(name, options.dir));
  const text = await response.text();
  const md5 = /\b[0-9a-f]{32}\b/i.exec(text)?.[0];
  if (!md5) throw new DownloadError(`${url} holds no MD5 checksum; the download cannot be checked. Download ${name}.zip by hand into ${options.dir}.`);
  return md5.toLowerCase();
}

/** What a failed download tells the user to do instead; each data set has its own by-hand route. */
export interface DownloadHints {
  /** The whole message when the host cannot be reached (`reason` says why). */
  offline: (url: string, reason: string) => string;
  /** What to add after "the server answered 404 Not Found." */
  rejected: string;
}

/** Response headers of `url`, or a {@link DownloadError} saying why there are none. */
export async function openDownload(url: string, doFetch: typeof fetch, connectTimeoutMs: number, hints: DownloadHints): Promise<Response & { body: NonNullable<Response['body']> }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${connectTimeoutMs / 1000} s`)), connectTimeoutMs);
  let response: Response;
  try {
    response = await doFetch(url, { signal: controller.signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (error as NodeJS.ErrnoException).code;
    const reason = controller.signal.aborted
      ? String((controller.signal.reason as Error)?.message)
      : code && OFFLINE_CODES[code]
        ? `${OFFLINE_CODES[code]}, ${code}`
        : (cause?.message ?? (error as Error).message);
    throw new DownloadError(hints.offline(url, reason));
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) {
    throw new DownloadError(`Could not download ${url}: the server answered ${response.status} ${response.statusText}.${hints.rejected ? ` ${hints.rejected}` : ''}`);
  }
  return response as Response & { body: NonNullable<Response['body']> };
}

/**
 * Streams a response body into `partPath`, handing each chunk and the progress so far to `onChunk`. A download that
 * breaks off or stops short of its Content-Length removes the part file and is a {@link DownloadError}.
 */
export async function saveResponse(
  url: string,
  response: Response & { body: NonNullable<Response['body']> },
  partPath: string,
  onChunk?: (chunk: Buffer, progress: DownloadProgress) => void,
): Promise<number> {
  // A compressed answer's Content-Length counts compressed bytes, and fetch hands over the unpacked ones.
  const length = response.headers.get('content-encoding') ? Number.NaN : Number(response.headers.get('content-length'));
  const progress: DownloadProgress = { received: 0, total: Number.isFinite(length) && length > 0 ? length : null };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      progress.received += chunk.length;
      onChunk?.(chunk, { ...progress });
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, createWriteStream(partPath));
  } catch (error) {
    await rm(partPath, { force: true });
    throw new DownloadError(`The download of ${url} broke off after ${progress.received} bytes (${(error as Error).message}); run the command again.`);
  }
  if (progress.total !== null && progress.received !== progress.total) {
    await rm(partPath, { force: true });
    throw new DownloadError(`The download of ${url} stopped at ${progress.received} of ${progress.total} bytes; run the command again.`);
  }
  return progress.received;
}

/** The by-hand route for a MovieLens archive. */
function movieLensHints(name: string, dir: string): DownloadHints {
  return { offline: (url, reason) => offlineMessage(url, reason, name, dir), rejected: `Check --size, or download ${name}.zip by hand into ${dir}.` };
}
