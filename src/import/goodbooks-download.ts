/**
 * `tastebud data download goodbooks`: the five Goodbooks-10k CSV files from their published location
 * (github.com/zygmuntz/goodbooks-10k), each checked against its published header, plus a licence note beside them.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DownloadError } from './download.ts';
import { checkGoodbooksHeader, type GoodbooksFile } from './goodbooks-rows.ts';
import { GOODBOOKS_ALL_FILES } from './goodbooks.ts';

export const GOODBOOKS_BASE_URL = 'https://raw.githubusercontent.com/zygmuntz/goodbooks-10k/master/';

export const GOODBOOKS_LICENCE_NOTE = [
  'Goodbooks-10k by Zygmunt Zając (https://github.com/zygmuntz/goodbooks-10k), scraped from Goodreads in 2017,',
  'is licensed under CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/): you may share and adapt it,',
  'also commercially, if you credit the author, link the licence, say what you changed, and share what you make',
  'from it under the same licence.',
].join('\n');

export interface GoodbooksDownloadOptions {
  /** Directory the CSV files are saved into. */
  dir: string;
  /** Mirror or test server holding books.csv and the rest (default the GitHub repository's raw files). */
  baseUrl?: string;
  connectTimeoutMs?: number;
  onProgress?: (progress: { file: GoodbooksFile; received: number; total: number | null }) => void;
  fetch?: typeof fetch;
}

export interface GoodbooksDownloadResult {
  dir: string;
  files: { file: GoodbooksFile; url: string; bytes: number }[];
}

/** Downloads every file (as `<file>.csv.part`, renamed once complete and its header checked) and writes LICENCE.txt. */
export async function downloadGoodbooks(options: GoodbooksDownloadOptions): Promise<GoodbooksDownloadResult> {
  const base = options.baseUrl ?? GOODBOOKS_BASE_URL;
  await mkdir(options.dir, { recursive: true }).catch((error: Error) => {
    throw new DownloadError(`Cannot create ${options.dir}: ${error.message}`);
  });
  const files: GoodbooksDownloadResult['files'] = [];
  for (const file of GOODBOOKS_ALL_FILES) {
    const url = new URL(`${file}.csv`, base.endsWith('/') ? base : `${base}/`).toString();
    const path = join(options.dir, `${file}.csv`);
    const bytes = await fetchTo(url, `${path}.part`, file, options);
    const bad = await headerProblem(`${path}.part`, file);
    if (bad) {
      await rm(`${path}.part`, { force: true });
      throw new DownloadError(`${url} is not Goodbooks ${file}.csv (${bad}); check --base-url.`);
    }
    await rename(`${path}.part`, path);
    files.push({ file, url, bytes });
  }
  await writeFile(join(options.dir, 'LICENCE.txt'), `${GOODBOOKS_LICENCE_NOTE}\n`);
  return { dir: options.dir, files };
}

async function headerProblem(path: string, file: GoodbooksFile): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
    return checkGoodbooksHeader(first.split(','), file);
  } finally {
    await handle.close();
  }
}

async function fetchTo(url: string, partPath: string, file: GoodbooksFile, options: GoodbooksDownloadOptions): Promise<number> {
  const controller = new AbortController();
  const timeoutMs = options.connectTimeoutMs ?? 30_000;
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: controller.signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = controller.signal.aborted ? String((controller.signal.reason as Error)?.message) : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new DownloadError(
      `Could not download ${url} (${reason}). This machine seems to be offline or cannot reach that host. On a machine with internet, download ` +
        `${GOODBOOKS_ALL_FILES.map((f) => `${f}.csv`).join(', ')} from https://github.com/zygmuntz/goodbooks-10k into ${options.dir}, then run 'tastebud import goodbooks --dir ${options.dir}'.`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) throw new DownloadError(`Could not download ${url}: the server answered ${response.status} ${response.statusText}.`);
  // A compressed answer's Content-Length counts compressed bytes, and fetch hands over the unpacked ones.
  const length = response.headers.get('content-encoding') ? Number.NaN : Number(response.headers.get('content-length'));
  const progress = { file, received: 0, total: Number.isFinite(length) && length > 0 ? length : null };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      progress.received += chunk.length;
      options.onProgress?.({ ...progress });
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
