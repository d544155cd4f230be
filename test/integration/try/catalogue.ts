import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { inject } from 'vitest';

/** ml-latest-small, where the run's global setup found it (test/support/movielens.ts). */
export const ML_LATEST_SMALL = inject('movielensDir');

/**
 * Writes a MovieLens directory holding the `titles` most-rated movies of ml-latest-small with every
 * rating, tag and link of theirs (same CSV layout), so the playground imports and trains in seconds.
 */
export async function writeCatalogueSubset(dir: string, titles: number): Promise<{ movies: number; ratings: number }> {
  await mkdir(dir, { recursive: true });
  const read = async (file: string) => parse(await readFile(join(ML_LATEST_SMALL, file), 'utf8'), { columns: false, skip_empty_lines: true }) as string[][];
  const [movies, ratings, tags, links] = (await Promise.all(['movies.csv', 'ratings.csv', 'tags.csv', 'links.csv'].map(read))) as [string[][], string[][], string[][], string[][]];
  const counts = new Map<string, number>();
  for (const row of ratings.slice(1)) counts.set(row[1]!, (counts.get(row[1]!) ?? 0) + 1);
  const kept = new Set(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))
      .slice(0, titles)
      .map(([id]) => id),
  );
  const csv = (rows: string[][]) => `${rows.map((r) => r.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n')}\n`;
  const keep = (rows: string[][], column: number) => [rows[0]!, ...rows.slice(1).filter((r) => kept.has(r[column]!))];
  const keptRatings = keep(ratings, 1);
  await Promise.all([
    writeFile(join(dir, 'movies.csv'), csv(keep(movies, 0))),
    writeFile(join(dir, 'ratings.csv'), csv(keptRatings)),
    writeFile(join(dir, 'tags.csv'), csv(keep(tags, 1))),
    writeFile(join(dir, 'links.csv'), csv(keep(links, 0))),
  ]);
  return { movies: kept.size, ratings: keptRatings.length - 1 };
}
