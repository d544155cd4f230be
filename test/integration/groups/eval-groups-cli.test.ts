import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { readMoviesCsv, readRatingsCsv } from '../../../src/eval/movielens.ts';
import type { GroupEvaluationReport } from '../../../src/groups/evaluate.ts';
import { ML_LATEST_SMALL } from '../try/catalogue.ts';

let dir: string;

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

// A seeded subset of ml-latest-small: its first 120 users, over the 500 movies they rated most.
beforeAll(async () => {
  process.env.LOG_LEVEL = 'silent';
  dir = await mkdtemp(join(tmpdir(), 'tastebud-eval-groups-'));
  const ratings = (await readRatingsCsv(join(ML_LATEST_SMALL, 'ratings.csv'))).filter((r) => r.userId <= 120);
  const counts = new Map<number, number>();
  for (const r of ratings) counts.set(r.titleId, (counts.get(r.titleId) ?? 0) + 1);
  const kept = new Set(
    [...counts]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 500)
      .map(([id]) => id),
  );
  const rows = ratings.filter((r) => kept.has(r.titleId)).map((r) => `${r.userId},${r.titleId},${r.value},${r.ratedAt / 1000}`);
  await writeFile(join(dir, 'ratings.csv'), ['userId,movieId,rating,timestamp', ...rows].join('\n') + '\n');
  const movies = (await readMoviesCsv(join(ML_LATEST_SMALL, 'movies.csv'))).filter((m) => kept.has(m.movieId));
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  await writeFile(join(dir, 'movies.csv'), ['movieId,title,genres', ...movies.map((m) => `${m.movieId},${quote(m.title)},${m.genres.join('|') || '(no genres listed)'}`)].join('\n') + '\n');
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tastebud eval groups', () => {
  it('scores every strategy and both baselines on random and similar-taste groups', async () => {
    const json = join(dir, 'report.json');
    const { code, out, err } = await capture(['eval', 'groups', '--dir', dir, '--groups', '4', '--sizes', '2,4', '--k', '5', '--seed', '7', '--dimension', '32', '--json', json]);
    expect(err).toBe('');
    expect(code).toBe(0);
    for (const heading of ['all groups (16):', 'random groups (8):', 'similar groups (8):']) expect(out).toContain(heading);
    const report = JSON.parse(await readFile(json, 'utf8')) as GroupEvaluationReport;
    expect(report.groups).toEqual({ random: 8, similar: 8 });
    const methods = ['average-without-misery', 'least-misery', 'average', 'fair', 'popular unseen', 'one random member'];
    for (const kind of ['all', 'random', 'similar'] as const) {
      expect(report.results[kind].map((r) => r.method)).toEqual(methods);
      for (const r of report.results[kind]) {
        for (const value of [r.meanNdcg, r.worstNdcg, r.allTop3Disliked, r.anyTop3Disliked]) expect(value).toBeGreaterThanOrEqual(0);
        expect(r.worstNdcg).toBeLessThanOrEqual(r.meanNdcg);
        expect(r.allTop3Disliked).toBeLessThanOrEqual(r.anyTop3Disliked);
      }
    }
    const strategies = report.results.all.slice(0, 4).map((r) => `${r.meanNdcg.toFixed(6)}/${r.worstNdcg.toFixed(6)}`);
    expect(new Set(strategies).size).toBeGreaterThan(1);
  }, 300_000);

  it('answers a candidate count outside 3 to 8 and a missing directory with one line and a non-zero exit', async () => {
    const badK = await capture(['eval', 'groups', '--dir', dir, '--k', '9']);
    expect(badK.code).not.toBe(0);
    expect(badK.err).toMatch(/--k must be a whole number from 3 to 8/);
    const missing = await capture(['eval', 'groups', '--dir', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/needs ratings.csv and movies.csv/);
  });
});
