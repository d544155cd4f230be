import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateGoodbooks } from '../../../../src/import/generate/goodbooks.ts';
import { GOODBOOKS_HEADERS } from '../../../../src/import/goodbooks-rows.ts';

describe('generateGoodbooks', () => {
  it('writes the five files with the published headers, 19 to 200 ratings per reader and mostly 3-5 stars', async () => {
    const out = await mkdtemp(join(tmpdir(), 'tastebud-gb-gen-'));
    try {
      const result = await generateGoodbooks({ scale: 0.05, seed: 7, out });
      expect(result.counts).toMatchObject({ books: 500, users: 2671 });
      for (const file of Object.keys(GOODBOOKS_HEADERS) as (keyof typeof GOODBOOKS_HEADERS)[]) {
        const first = (await readFile(join(out, `${file}.csv`), 'utf8')).split('\n', 1)[0]!;
        expect(first).toBe(GOODBOOKS_HEADERS[file].join(','));
      }
      const lines = (await readFile(join(out, 'ratings.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(lines.length).toBe(result.counts.ratings);
      const perUser = new Map<string, number>();
      const stars = [0, 0, 0, 0, 0];
      for (const line of lines) {
        const [user, , rating] = line.split(',');
        perUser.set(user!, (perUser.get(user!) ?? 0) + 1);
        stars[Number(rating) - 1]!++;
      }
      expect(Math.min(...perUser.values())).toBeGreaterThanOrEqual(19);
      expect(Math.max(...perUser.values())).toBeLessThanOrEqual(200);
      const shares = stars.map((n) => n / lines.length);
      // Published: 2.1%, 6.0%, 22.9%, 35.8%, 33.2%.
      expect(shares[0]).toBeLessThan(0.05);
      expect(shares[2]! + shares[3]! + shares[4]!).toBeGreaterThan(0.85);
      // Heavy tail: the most rated book has many times the ratings of the median one.
      const perBook = new Map<string, number>();
      for (const line of lines) perBook.set(line.split(',')[1]!, (perBook.get(line.split(',')[1]!) ?? 0) + 1);
      const sorted = [...perBook.values()].sort((a, b) => b - a);
      expect(sorted[0]! / sorted[Math.floor(sorted.length / 2)]!).toBeGreaterThan(5);
      const again = await generateGoodbooks({ scale: 0.05, seed: 7, out: join(out, 'again') });
      expect(await readFile(join(out, 'again', 'ratings.csv'), 'utf8')).toBe(await readFile(join(out, 'ratings.csv'), 'utf8'));
      expect(again.counts).toEqual(result.counts);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
