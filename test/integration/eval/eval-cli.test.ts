import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';

// Tiny MovieLens-shaped files: 24 users in 3 taste clusters over 30 movies.
let dir: string;
const genresOf = ['Comedy', 'Drama', 'Horror'];

function lines(rows: string[][]): string {
  return rows.map((r) => r.join(',')).join('\n') + '\n';
}

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

const tiny = ['--epochs', '3', '--dimension', '8', '--backend', 'cpu'];

beforeAll(async () => {
  process.env.LOG_LEVEL = 'silent';
  dir = await mkdtemp(join(tmpdir(), 'tastebud-eval-'));
  const train: string[][] = [['userId', 'movieId', 'rating', 'timestamp']];
  const test: string[][] = [['userId', 'movieId', 'rating', 'timestamp']];
  for (let u = 1; u <= 24; u++) {
    const cluster = u % 3;
    for (let i = 0; i < 10; i++) {
      const movie = cluster * 10 + ((i + u) % 10) + 1;
      (i < 7 ? train : test).push([String(u), String(movie), '4.0', String(1_000_000 + i)]);
    }
  }
  test.push(['99', '1', '3.0', '5']); // a test user with no training ratings
  const movies = [['movieId', 'title', 'genres'], ...Array.from({ length: 30 }, (_, i) => [String(i + 1), `Movie ${i + 1} (2001)`, genresOf[Math.floor(i / 10)]!])];
  await writeFile(join(dir, 'train.csv'), lines(train));
  await writeFile(join(dir, 'test.csv'), lines(test));
  await writeFile(join(dir, 'movies.csv'), lines(movies));
  await writeFile(join(dir, 'empty.csv'), 'userId,movieId,rating,timestamp\n');
  await writeFile(join(dir, 'bad.csv'), 'userId,movieId,rating,timestamp\n1,2,4.0,10\n1,3,7.5,11\n');
  // The movielens subcommand reads ratings.csv and movies.csv from a directory.
  await writeFile(join(dir, 'ratings.csv'), lines([...train, ...test.slice(1, -1)]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tastebud eval', () => {
  it('prints a metrics table for the neural model, the served list and both baselines, and writes lists and JSON', async () => {
    const recs = join(dir, 'recs.csv');
    const json = join(dir, 'report.json');
    const { code, out, err } = await capture([
      'eval',
      '--train',
      join(dir, 'train.csv'),
      '--test',
      join(dir, 'test.csv'),
      '--movies',
      join(dir, 'movies.csv'),
      '--text',
      'genres',
      '--k',
      '5',
      '--recs-out',
      recs,
      '--json',
      json,
      ...tiny,
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/nDCG@5/);
    expect(out).toMatch(/^neural/m);
    expect(out).toMatch(/^served \(\/recommend\)/m);
    expect(out).toMatch(/ILD/);
    expect(out).toMatch(/^popularity/m);
    expect(out).toMatch(/^item-kNN/m);
    expect(out).toMatch(/1 test user\(s\) skipped/);
    const rows = (await readFile(recs, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('userId,movieId,rank');
    expect(rows).toHaveLength(1 + 24 * 5);
    // No list contains one of the user's training movies.
    const trainPairs = new Set(
      (await readFile(join(dir, 'train.csv'), 'utf8'))
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').slice(0, 2).join(',')),
    );
    expect(rows.slice(1).some((r) => trainPairs.has(r.split(',').slice(0, 2).join(',')))).toBe(false);
    const report = JSON.parse(await readFile(json, 'utf8')) as { results: { name: string; diversity?: number; metrics: { ndcg: number; users: number } }[]; skippedTestUsers: number };
    expect(report.results.map((r) => r.name.replace(/ \(.*/, ''))).toEqual(['neural', 'served', 'popularity', 'item-kNN']);
    for (const r of report.results) expect(r.diversity).toBeGreaterThanOrEqual(0);
    expect(report.results[1]!.metrics.users).toBe(24);
    expect(report.skippedTestUsers).toBe(1);
    expect(report.results[0]!.metrics.users).toBe(24);
    // item-kNN sees the planted clusters perfectly: a check that the scoring is wired correctly.
    expect(report.results[3]!.metrics.ndcg).toBeGreaterThan(0.9);
  });

  it('runs the one-step movielens protocol', async () => {
    const { code, out } = await capture(['eval', 'movielens', '--dir', dir, '--seed', '1', '--k', '5', '--text', 'none', ...tiny]);
    expect(code).toBe(0);
    expect(out).toMatch(/popularity/);
  });

  it('rejects an empty training file and an out-of-range rating with file and line', async () => {
    const empty = await capture(['eval', '--train', join(dir, 'empty.csv'), '--test', join(dir, 'test.csv'), ...tiny]);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/empty\.csv: no ratings/);
    const bad = await capture(['eval', '--train', join(dir, 'bad.csv'), '--test', join(dir, 'test.csv'), ...tiny]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bad\.csv line 3: rating "7\.5" is outside 0\.5 to 5/);
  });
});
