import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateGoodbooks } from '../../../src/import/generate/goodbooks.ts';
import { checkGoodbooksHeader, GOODBOOKS_HEADERS, parseBookRatingRow, parseBookRow, parseBookTagRow, shelvesToGenresAndTags } from '../../../src/import/goodbooks-rows.ts';
import { splitCsvLine } from '../../../src/import/csv-lines.ts';

const HUNGER_GAMES =
  '1,2767052,2767052,2792775,272,439023483,9.78043902348e+12,Suzanne Collins,2008.0,The Hunger Games,"The Hunger Games (The Hunger Games, #1)",eng,4.34,4780653,4942365,155254,66715,127936,560092,1481305,2706317,https://images.gr-assets.com/books/1447303603m/2767052.jpg,https://images.gr-assets.com/books/1447303603s/2767052.jpg';

describe('Goodbooks rows', () => {
  it('reads a published books.csv row: float year, ISBN-10 with its leading zero back, the lossy ISBN-13 ignored', () => {
    expect(parseBookRow(splitCsvLine(HUNGER_GAMES) as string[])).toEqual({
      ok: true,
      row: {
        bookId: 1, goodreadsId: 2767052, isbn: '0439023483', name: 'The Hunger Games (The Hunger Games, #1)', year: 2008, authors: ['Suzanne Collins'],
        imageUrl: 'https://images.gr-assets.com/books/1447303603m/2767052.jpg', searchName: expect.any(String),
      },
    });
  });

  it('says why a row is bad', () => {
    const fields = splitCsvLine(HUNGER_GAMES) as string[];
    const with_ = (i: number, v: string) => fields.map((f, j) => (j === i ? v : f));
    expect(parseBookRow(with_(0, '0'))).toEqual({ ok: false, reason: 'book_id "0" is not a positive whole number' });
    expect(parseBookRow(with_(8, 'soon'))).toEqual({ ok: false, reason: 'original_publication_year "soon" is not a year' });
    expect(parseBookRow(with_(5, '97804390234'))).toEqual({ ok: false, reason: 'isbn "97804390234" is not an ISBN-10' });
    expect(parseBookRow(fields.slice(0, 5))).toEqual({ ok: false, reason: 'expected 23 columns, found 5' });
    expect(parseBookRatingRow(['1', '2', '4.5'])).toEqual({ ok: false, reason: 'rating "4.5" is not a whole number from 1 to 5' });
    expect(parseBookRatingRow(['1', '2', '4'])).toEqual({ ok: true, row: { userId: 1, bookId: 2, value: 4 } });
    expect(parseBookTagRow(['3', '0', '-1'])).toEqual({ ok: true, row: { goodreadsId: 3, tagId: 0, count: -1 } });
    expect(checkGoodbooksHeader(['book_id', 'user_id', 'rating'], 'ratings')).toMatch(/expected the header "user_id,book_id,rating"/);
  });

  it('turns shelves into genres (MovieLens names where they exist) and tags, dropping reading-state shelves', () => {
    expect(shelvesToGenresAndTags(['to-read', 'fantasy', 'favorites', 'science-fiction', 'magic', '2015-reads', 'young-adult', 'dragons'], 20)).toEqual({
      genres: ['Fantasy', 'Sci-Fi', 'Young Adult'],
      tags: ['magic', 'dragons'],
    });
  });
});

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
