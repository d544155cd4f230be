/**
 * Validation of single Goodbooks-10k CSV rows (github.com/zygmuntz/goodbooks-10k): pure functions from fields to
 * a typed row or a reason. Column names and order are those of the published files.
 */
import { searchNameOf } from '../catalog/names.ts';
import type { RowResult } from './rows.ts';

export const GOODBOOKS_HEADERS = {
  books: [
    'book_id',
    'goodreads_book_id',
    'best_book_id',
    'work_id',
    'books_count',
    'isbn',
    'isbn13',
    'authors',
    'original_publication_year',
    'original_title',
    'title',
    'language_code',
    'average_rating',
    'ratings_count',
    'work_ratings_count',
    'work_text_reviews_count',
    'ratings_1',
    'ratings_2',
    'ratings_3',
    'ratings_4',
    'ratings_5',
    'image_url',
    'small_image_url',
  ],
  ratings: ['user_id', 'book_id', 'rating'],
  to_read: ['user_id', 'book_id'],
  tags: ['tag_id', 'tag_name'],
  book_tags: ['goodreads_book_id', 'tag_id', 'count'],
} as const;

export type GoodbooksFile = keyof typeof GOODBOOKS_HEADERS;

export interface BookRow {
  bookId: number;
  goodreadsId: number;
  /** ISBN-10 with its leading zeros put back (the published file lost them), or null. */
  isbn: string | null;
  name: string;
  year: number | null;
  authors: string[];
  imageUrl: string | null;
  searchName: string;
}

export interface BookRatingRow {
  userId: number;
  bookId: number;
  value: number;
}

export interface TagNameRow {
  tagId: number;
  name: string;
}

export interface BookTagRow {
  goodreadsId: number;
  tagId: number;
  count: number;
}

const MAX_INT = 2_147_483_647;
const MAX_TEXT = 500;
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** A whole number from `min` that fits an integer column, or null. */
function parseWhole(text: string | undefined, min = 1): number | null {
  if (text === undefined || !/^-?\d{1,10}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= MAX_INT ? n : null;
}

function columnCount(fields: readonly string[], file: GoodbooksFile): string | null {
  const expected = GOODBOOKS_HEADERS[file];
  return fields.length === expected.length ? null : `expected ${expected.length} columns, found ${fields.length}`;
}

/** Checks a first line against the published header; a reason, or null when it matches. */
export function checkGoodbooksHeader(fields: readonly string[], file: GoodbooksFile): string | null {
  const expected = GOODBOOKS_HEADERS[file];
  const found = fields.map((f) => f.trim());
  if (found.length === expected.length && found.every((f, i) => f === expected[i])) return null;
  return `expected the header "${expected.join(',')}", found "${found.join(',').slice(0, 120)}"`;
}

/** Goodreads' stand-in picture for a book without a cover ("https://s.gr-assets.com/assets/nophoto/book/111x148-....png"). */
const NO_PHOTO = /\/nophoto\//;

/** "2008.0" (the published files write years as floats; some are negative, e.g. -720 for the Iliad) → 2008; BC and blank → null. */
function parseYear(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '') return null;
  if (!/^-?\d{1,4}(\.0+)?$/.test(t)) return undefined;
  const n = Math.trunc(Number(t));
  return n >= 1 ? n : null;
}

/** books.csv: the 23 published columns; kept are the ids, ISBN-10, authors, year, title and cover. */
export function parseBookRow(fields: readonly string[]): RowResult<BookRow> {
  const bad = columnCount(fields, 'books');
  if (bad) return fail(bad);
  const [id, goodreads, , , , isbnText, , authorsText, yearText, originalTitle, title, , , , , , , , , , , image] = fields as string[];
  const bookId = parseWhole(id);
  if (bookId === null) return fail(`book_id "${id!.slice(0, 40)}" is not a positive whole number`);
  const goodreadsId = parseWhole(goodreads);
  if (goodreadsId === null) return fail(`goodreads_book_id "${goodreads!.slice(0, 40)}" is not a positive whole number`);
  // The published rows always have a title; a blank one falls back to original_title.
  const name = (title!.trim() === '' ? originalTitle! : title!).replace(/\s+/gu, ' ').trim();
  if (name === '') return fail('title and original_title are empty');
  if (name.length > MAX_TEXT) return fail(`title is longer than ${MAX_TEXT} characters`);
  const searchName = searchNameOf(name);
  if (searchName === '') return fail(`title "${name.slice(0, 60)}" has no letters or digits`);
  const year = parseYear(yearText!);
  if (year === undefined) return fail(`original_publication_year "${yearText!.slice(0, 40)}" is not a year`);
  const isbnRaw = isbnText!.trim().toUpperCase();
  if (isbnRaw !== '' && !/^\d{1,9}[\dX]$/.test(isbnRaw)) return fail(`isbn "${isbnRaw.slice(0, 40)}" is not an ISBN-10`);
  const isbn = isbnRaw === '' ? null : isbnRaw.padStart(10, '0');
  const authors = authorsText!
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')
    .slice(0, 20);
  const url = image!.trim();
  const imageUrl = /^https?:\/\/\S+$/.test(url) && !NO_PHOTO.test(url) && url.length <= 1000 ? url : null;
  return { ok: true, row: { bookId, goodreadsId, isbn, name, year, authors, imageUrl, searchName } };
}

/** ratings.csv: user_id,book_id,rating with ratings 1 to 5 in whole stars. */
export function parseBookRatingRow(fields: readonly string[]): RowResult<BookRatingRow> {
  const bad = columnCount(fields, 'ratings');
  if (bad) return fail(bad);
  const [user, book, rating] = (fields as [string, string, string]).map((f) => f.trim()) as [string, string, string];
  const userId = parseWhole(user);
  if (userId === null) return fail(`user_id "${user.slice(0, 40)}" is not a positive whole number`);
  const bookId = parseWhole(book);
  if (bookId === null) return fail(`book_id "${book.slice(0, 40)}" is not a positive whole number`);
  if (!/^[1-5]$/.test(rating)) return fail(`rating "${rating.slice(0, 40)}" is not a whole number from 1 to 5`);
  return { ok: true, row: { userId, bookId, value: Number(rating) } };
}

/** tags.csv: tag_id,tag_name (tag ids start at 0). */
export function parseTagNameRow(fields: readonly string[]): RowResult<TagNameRow> {
  const bad = columnCount(fields, 'tags');
  if (bad) return fail(bad);
  const tagId = parseWhole(fields[0], 0);
  if (tagId === null) return fail(`tag_id "${fields[0]!.slice(0, 40)}" is not a whole number`);
  const name = fields[1]!.trim();
  if (name === '') return fail('tag_name is empty');
  if (name.length > MAX_TEXT) return fail(`tag_name is longer than ${MAX_TEXT} characters`);
  return { ok: true, row: { tagId, name } };
}

/** book_tags.csv: goodreads_book_id,tag_id,count (how many Goodreads users shelved the book so). */
export function parseBookTagRow(fields: readonly string[]): RowResult<BookTagRow> {
  const bad = columnCount(fields, 'book_tags');
  if (bad) return fail(bad);
  const goodreadsId = parseWhole(fields[0]);
  if (goodreadsId === null) return fail(`goodreads_book_id "${fields[0]!.slice(0, 40)}" is not a positive whole number`);
  const tagId = parseWhole(fields[1], 0);
  if (tagId === null) return fail(`tag_id "${fields[1]!.slice(0, 40)}" is not a whole number`);
  // The published file has a few negative counts (e.g. -1); they are shelvings that were undone.
  const count = parseWhole(fields[2], -MAX_INT);
  if (count === null) return fail(`count "${fields[2]!.slice(0, 40)}" is not a whole number`);
  return { ok: true, row: { goodreadsId, tagId, count } };
}

/** Goodreads shelves that name a genre, and the genre they stand for (MovieLens' name where both have it). */
const GENRE_OF_SHELF: Record<string, string> = {
  fantasy: 'Fantasy',
  'science-fiction': 'Sci-Fi',
  'sci-fi': 'Sci-Fi',
  scifi: 'Sci-Fi',
  'sci-fi-fantasy': 'Sci-Fi',
  romance: 'Romance',
  mystery: 'Mystery',
  mysteries: 'Mystery',
  thriller: 'Thriller',
  thrillers: 'Thriller',
  suspense: 'Thriller',
  horror: 'Horror',
  crime: 'Crime',
  humor: 'Comedy',
  humour: 'Comedy',
  comedy: 'Comedy',
  funny: 'Comedy',
  childrens: 'Children',
  children: 'Children',
  'childrens-books': 'Children',
  'picture-books': 'Children',
  adventure: 'Adventure',
  war: 'War',
  western: 'Western',
  westerns: 'Western',
  'historical-fiction': 'History',
  history: 'History',
  biography: 'Biography',
  memoir: 'Biography',
  autobiography: 'Biography',
  'non-fiction': 'Non-fiction',
  nonfiction: 'Non-fiction',
  classics: 'Classics',
  classic: 'Classics',
  'young-adult': 'Young Adult',
  ya: 'Young Adult',
  poetry: 'Poetry',
  'graphic-novels': 'Graphic Novel',
  comics: 'Graphic Novel',
  manga: 'Graphic Novel',
  dystopia: 'Sci-Fi',
  dystopian: 'Sci-Fi',
  paranormal: 'Fantasy',
  drama: 'Drama',
  fiction: 'Fiction',
  philosophy: 'Philosophy',
  religion: 'Religion',
};

/** Shelves that say what a reader did with the book, not what it is. */
const NOISE =
  /^(to-read|currently-reading|read|favorites|favourites|owned|books-i-own|own|default|library|kindle|ebook|ebooks|audiobook|audiobooks|audio|wish-?list|my-books|my-library|re-read|to-buy|did-not-finish|dnf|abandoned|book-club|i-own|owned-books|read-in-\d+|\d{4}(-reads?)?|read-\d{4})$/;

/**
 * A book's shelves (most shelved first) turned into genres (mapped names, at most 6) and tags (the rest of the
 * top shelves, without reading-state shelves such as "to-read", at most `maxTags`).
 */
export function shelvesToGenresAndTags(shelves: readonly string[], maxTags: number): { genres: string[]; tags: string[] } {
  const genres: string[] = [];
  const tags: string[] = [];
  for (const shelf of shelves) {
    const key = shelf.toLowerCase();
    if (NOISE.test(key)) continue;
    const genre = GENRE_OF_SHELF[key];
    if (genre && !genres.includes(genre) && genres.length < 6) genres.push(genre);
    else if (!genre && tags.length < maxTags) tags.push(key.replace(/-/g, ' '));
  }
  return { genres, tags };
}
