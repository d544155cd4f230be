/**
 * `tastebud data download goodbooks`: the five Goodbooks-10k CSV files from their published location
 * (github.com/zygmuntz/goodbooks-10k), each checked against its published header, plus a licence note beside them.
 */
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DownloadError, openDownload, saveResponse } from './download.ts';
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
    const first =
      buffer
        .subarray(0, bytesRead)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)[0] ?? '';
    return checkGoodbooksHeader(first.split(','), file);
  } finally {
    await handle.close();
  }
}

async function fetchTo(url: string, partPath: string, file: GoodbooksFile, options: GoodbooksDownloadOptions): Promise<number> {
  const response = await openDownload(url, options.fetch ?? fetch, options.connectTimeoutMs ?? 30_000, {
    offline: (u, reason) =>
      `Could not download ${u} (${reason}). This machine seems to be offline or cannot reach that host. On a machine with internet, download ` +
      `${GOODBOOKS_ALL_FILES.map((f) => `${f}.csv`).join(', ')} from https://github.com/zygmuntz/goodbooks-10k into ${options.dir}, then run 'tastebud import goodbooks --dir ${options.dir}'.`,
    rejected: '',
  });
  return saveResponse(url, response, partPath, (_chunk, progress) => options.onProgress?.({ file, ...progress }));
}
