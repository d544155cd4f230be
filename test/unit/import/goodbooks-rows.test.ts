import { describe, expect, it } from 'vitest';
import { checkGoodbooksHeader, parseBookRatingRow, parseBookRow, parseBookTagRow, shelvesToGenresAndTags } from '../../../src/import/goodbooks-rows.ts';
import { splitCsvLine } from '../../../src/import/csv-lines.ts';

const HUNGER_GAMES =
  '1,2767052,2767052,2792775,272,439023483,9.78043902348e+12,Suzanne Collins,2008.0,The Hunger Games,"The Hunger Games (The Hunger Games, #1)",eng,4.34,4780653,4942365,155254,66715,127936,560092,1481305,2706317,https://images.gr-assets.com/books/1447303603m/2767052.jpg,https://images.gr-assets.com/books/1447303603s/2767052.jpg';

describe('Goodbooks rows', () => {
  it('reads a published books.csv row: float year, ISBN-10 with its leading zero back, the lossy ISBN-13 ignored', () => {
    expect(parseBookRow(splitCsvLine(HUNGER_GAMES) as string[])).toEqual({
      ok: true,
      row: {
        bookId: 1,
        goodreadsId: 2767052,
        isbn: '0439023483',
        name: 'The Hunger Games (The Hunger Games, #1)',
        year: 2008,
        authors: ['Suzanne Collins'],
        imageUrl: 'https://images.gr-assets.com/books/1447303603m/2767052.jpg',
        searchName: expect.any(String),
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
