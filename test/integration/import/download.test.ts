import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, downloadMovieLens, type DownloadProgress } from '../../../src/import/download.ts';

/** A zip of stored (uncompressed) entries: enough to test unpacking without a zip library. */
function storedZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(text);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const zip = storedZip({
  'ml-latest-small/movies.csv': 'movieId,title,genres\n1,Toy Story (1995),Comedy\n',
  'ml-latest-small/README.txt': 'GroupLens licence\n',
});

let server: Server;
let baseUrl: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ml-latest-small.zip' || req.url === '/damaged/ml-latest-small.zip') {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
      res.end(zip);
    } else if (req.url === '/ml-latest-small.zip.md5') {
      // GroupLens's own layout: the hash, then the file name.
      res.writeHead(200).end(`${createHash('md5').update(zip).digest('hex')}  ml-latest-small.zip\n`);
    } else if (req.url === '/damaged/ml-latest-small.zip.md5') {
      res.writeHead(200).end(`${'0'.repeat(32)}  ml-latest-small.zip\n`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  dir = await mkdtemp(join(tmpdir(), 'tastebud-download-'));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A port on 127.0.0.1 that nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('downloadMovieLens', () => {
  it('fails fast when the host cannot be reached, saying how to copy the files in by hand', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`;
    const error = await downloadMovieLens({ size: 'small', dir, baseUrl: url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    const message = (error as Error).message;
    expect(message).toContain(`Could not download ${url}ml-latest-small.zip`);
    expect(message).toContain('connection was refused');
    expect(message).toContain('seems to be offline');
    expect(message).toContain(`copy the ml-latest-small folder into ${dir} by hand`);
    await expect(stat(join(dir, 'ml-latest-small.zip'))).rejects.toThrow();
  });

  it('names the HTTP status when the archive is not there', async () => {
    await expect(downloadMovieLens({ size: '25m', dir, baseUrl })).rejects.toThrow(/answered 404/);
  });

  it('downloads with progress and unpacks into <dir>/<name>', async () => {
    const progress: DownloadProgress[] = [];
    const download = downloadMovieLens({ size: 'small', dir, baseUrl, onProgress: (p) => progress.push(p) });
    if (!hasUnzip()) {
      // Without the unzip program the download still lands, and the error says what to install.
      await expect(download).rejects.toThrow(/'unzip' program is not installed/);
      return;
    }
    const result = await download;
    expect(result).toEqual({ url: `${baseUrl}ml-latest-small.zip`, zipPath: join(dir, 'ml-latest-small.zip'), dataDir: join(dir, 'ml-latest-small'), bytes: zip.length });
    expect(await readFile(join(dir, 'ml-latest-small', 'movies.csv'), 'utf8')).toBe('movieId,title,genres\n1,Toy Story (1995),Comedy\n');
    expect(progress.at(-1)).toEqual({ received: zip.length, total: zip.length });
  });

  it('refuses an archive whose MD5 differs from the published one, keeping nothing', async () => {
    const other = await mkdtemp(join(tmpdir(), 'tastebud-download-'));
    try {
      await expect(downloadMovieLens({ size: 'small', dir: other, baseUrl: `${baseUrl}damaged/` })).rejects.toThrow(/is damaged: its MD5 is [0-9a-f]{32}, GroupLens publishes 0{32}/);
      await expect(stat(join(other, 'ml-latest-small.zip'))).rejects.toThrow();
      await expect(stat(join(other, 'ml-latest-small.zip.part'))).rejects.toThrow();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('says so when the archive unpacks to something that is not MovieLens', async () => {
    const other = await mkdtemp(join(tmpdir(), 'tastebud-download-'));
    try {
      await expect(downloadMovieLens({ size: 'small', dir: other, baseUrl, unzip: async () => {} })).rejects.toThrow(/movies.csv is not there/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
