/**
 * `tastebud data generate goodbooks`: files in Goodbooks-10k's layout (books.csv, ratings.csv, to_read.csv,
 * tags.csv, book_tags.csv, same columns and quirks: years as "2008.0", ISBN-10 without leading zeros, ISBN-13 in
 * float notation) with its counts and skews at scale 1 (10,000 books, 53,424 users, about 6 M ratings of 1-5 stars,
 * 19 to 200 per user, a heavy-tailed book popularity) and a planted taste: each reader favours a few genre
 * shelves. Not Goodbooks data: for machines that cannot download it, and for tests.
 */
import { Faker, base, en } from '@faker-js/faker';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { GOODBOOKS_HEADERS } from '../goodbooks-rows.ts';
import { FileOut, GenerateError } from './movielens.ts';
import { AliasTable, Draws, seedFor } from './sampling.ts';

/** The published release's counts (README of github.com/zygmuntz/goodbooks-10k). */
export const GOODBOOKS_SHAPE = { books: 10_000, users: 53_424, ratings: 5_976_479, tags: 34_252, shelvesPerBook: 100, toReadUsers: 48_871, toRead: 912_705 };
/** Share of 1..5-star ratings in the published ratings.csv. */
const STAR_SHARES = [0.021, 0.06, 0.229, 0.358, 0.332];
const MIN_PER_USER = 19;
const MAX_PER_USER = 200;

/** Genre shelves (names as Goodreads users write them) the planted taste is made of. */
export const GENRE_SHELVES = [
  'fantasy',
  'science-fiction',
  'romance',
  'mystery',
  'thriller',
  'horror',
  'crime',
  'humor',
  'childrens',
  'adventure',
  'historical-fiction',
  'non-fiction',
  'classics',
  'young-adult',
  'poetry',
  'graphic-novels',
  'biography',
  'war',
] as const;
/** Shelves about reading state, on nearly every book, as in the real book_tags.csv. */
const COMMON_SHELVES = ['to-read', 'currently-reading', 'favorites', 'owned', 'books-i-own', 'fiction', 'kindle', 'library', 'ebook', 'default'];

export interface GeneratedBook {
  bookId: number;
  goodreadsId: number;
  /** Indexes into {@link GENRE_SHELVES}, main genre first. */
  genres: number[];
  /** Popularity weight (heavy-tailed). */
  popularity: number;
  /** Planted quality: shifts every reader's rating of it. */
  quality: number;
}

export interface GeneratedShelfCatalogue {
  books: GeneratedBook[];
  /** Book indexes by genre, with an alias table over their popularity. */
  byGenre: { books: number[]; table: AliasTable }[];
  all: AliasTable;
  /** Latent-score cut points between 1|2, 2|3, 3|4 and 4|5 stars. */
  cuts: number[];
}

/** The books of a scale and seed: genres, popularity, quality. Pure, so a benchmark can rebuild them. */
export function makeBooks(count: number, seed: number): GeneratedShelfCatalogue {
  const draws = new Draws(seedFor(seed, 31, 0));
  const books: GeneratedBook[] = [];
  for (let i = 0; i < count; i++) {
    const main = draws.int(GENRE_SHELVES.length);
    const genres = [main];
    const extra = draws.int(3);
    for (let j = 0; j < extra; j++) {
      const g = draws.int(GENRE_SHELVES.length);
      if (!genres.includes(g)) genres.push(g);
    }
    // Zipf-like by rank with noise: the published file's most rated book has about 1,000 times the ratings of its least.
    const popularity = (i + 10) ** -1.1 * Math.exp(0.3 * draws.normal());
    books.push({ bookId: i + 1, goodreadsId: 1 + Math.floor(draws.uniform() * 3e7), genres, popularity, quality: 0.5 * draws.normal() });
  }
  const byGenre = GENRE_SHELVES.map((_, g) => {
    const list = books.flatMap((b, i) => (b.genres.includes(g) ? [i] : []));
    return { books: list, table: new AliasTable(list.length > 0 ? list.map((i) => books[i]!.popularity) : [1]) };
  });
  const partial = { books, byGenre, all: new AliasTable(books.map((b) => b.popularity)) };
  return { ...partial, cuts: calibrateCuts(partial, seed) };
}

/** A reader's planted taste: an affinity per genre shelf, high for two or three favourites. */
export function readerTaste(draws: Draws): Float32Array {
  const taste = new Float32Array(GENRE_SHELVES.length);
  for (let g = 0; g < taste.length; g++) taste[g] = 0.3 * draws.normal() - 0.4;
  const favourites = 2 + draws.int(2);
  for (let f = 0; f < favourites; f++) taste[draws.int(taste.length)] = 1 + 0.3 * draws.normal();
  return taste;
}

/** Latent score of a reader for a book, about standard normal over all pairs. */
export function plantedBookScore(taste: Float32Array, book: GeneratedBook): number {
  let affinity = 0;
  for (const g of book.genres) affinity += taste[g]!;
  return (0.9 * affinity) / Math.sqrt(book.genres.length) + book.quality;
}

/** A latent score plus reader noise: what the star cut points apply to. */
const noisy = (score: number, draws: Draws) => 0.75 * score + 0.6 * draws.normal();

/** 1 to 5 stars from a latent score plus reader noise. */
export function starsOf(score: number, cuts: readonly number[], draws: Draws): number {
  const z = noisy(score, draws);
  let stars = 1;
  for (const cut of cuts) if (z > cut) stars++;
  return stars;
}

/** Cut points that give {@link STAR_SHARES} over the pairs readers of this catalogue pick (a 1,000-reader sample). */
function calibrateCuts(catalogue: Omit<GeneratedShelfCatalogue, 'cuts'>, seed: number): number[] {
  const draws = new Draws(seedFor(seed, 36, 0));
  const zs: number[] = [];
  for (let u = 0; u < 1000; u++) {
    const taste = readerTaste(draws);
    for (const book of pickBooks(catalogue, taste, 60, draws)) zs.push(noisy(plantedBookScore(taste, catalogue.books[book]!), draws));
  }
  zs.sort((a, b) => a - b);
  let cumulative = 0;
  return STAR_SHARES.slice(0, 4).map((share) => zs[Math.min(zs.length - 1, Math.floor((cumulative += share) * zs.length))]!);
}

/**
 * `n` distinct books a reader of `taste` picks (mostly from their favourite genres, by popularity) and the
 * stars they give, in the order picked.
 */
export function readerRatings(catalogue: GeneratedShelfCatalogue, taste: Float32Array, n: number, draws: Draws): { book: number; stars: number }[] {
  return pickBooks(catalogue, taste, n, draws).map((book) => ({ book, stars: starsOf(plantedBookScore(taste, catalogue.books[book]!), catalogue.cuts, draws) }));
}

function pickBooks(catalogue: Omit<GeneratedShelfCatalogue, 'cuts'>, taste: Float32Array, n: number, draws: Draws): number[] {
  const favourites = [...taste.keys()].sort((a, b) => taste[b]! - taste[a]!).slice(0, 3);
  const picked = new Set<number>();
  const out: number[] = [];
  const target = Math.min(n, catalogue.books.length);
  for (let attempt = 0; out.length < target && attempt < target * 50; attempt++) {
    let book: number;
    if (draws.chance(0.65)) {
      const genre = catalogue.byGenre[draws.pick(favourites)]!;
      if (genre.books.length === 0) continue;
      book = genre.books[genre.table.draw(draws.uniform)]!;
    } else book = catalogue.all.draw(draws.uniform);
    if (picked.has(book)) continue;
    picked.add(book);
    out.push(book);
  }
  return out;
}

export interface GoodbooksGenerateOptions {
  /** Multiplies the book, user and tag counts (default 1); ratings per user keep the published spread. */
  scale?: number;
  seed?: number;
  out: string;
  onProgress?: (progress: { ratings: number; total: number }) => void;
}

export interface GoodbooksGenerateResult {
  counts: { books: number; users: number; ratings: number; tags: number; bookTags: number; toRead: number };
  bytes: number;
  ms: number;
}

const FILES = ['books', 'ratings', 'to_read', 'tags', 'book_tags'] as const;
type Outs = Record<(typeof FILES)[number], FileOut>;

/** Ratings a reader gives: 19 to 200, mean about 112, as in the published file. */
export function ratingsPerReader(draws: Draws): number {
  return MIN_PER_USER + Math.floor((MAX_PER_USER - MIN_PER_USER + 1) * draws.uniform() ** 0.95);
}

/** tags.csv's names: reading-state shelves, the genre shelves, then made-up shelves ("summer-beach-reads"). */
function shelfNames(count: number, faker: Faker): string[] {
  const names = [...COMMON_SHELVES, ...GENRE_SHELVES];
  const seen = new Set(names);
  while (names.length < count) {
    const name = faker.word
      .words({ count: { min: 1, max: 3 } })
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    if (name === '' || seen.has(name)) {
      if (name !== '') names.push(`${name}-${names.length}`);
      continue;
    }
    seen.add(name);
    names.push(name);
  }
  return names.slice(0, Math.max(count, COMMON_SHELVES.length + GENRE_SHELVES.length));
}

function bookRow(book: GeneratedBook, faker: Faker, draws: Draws): string[] {
  const title = faker.word.words({ count: { min: 1, max: 4 } }).replace(/\b\w/g, (c) => c.toUpperCase());
  const series = draws.chance(0.25) ? ` (${faker.word.noun().replace(/^\w/, (c) => c.toUpperCase())}, #${1 + draws.int(7)})` : '';
  const authors = Array.from({ length: draws.chance(0.15) ? 2 : 1 }, () => faker.person.fullName()).join(', ');
  const year = draws.chance(0.002) ? '' : draws.chance(0.003) ? `-${100 + draws.int(700)}.0` : `${2017 - Math.floor(draws.exponential(20))}.0`;
  const isbn = draws.chance(0.07) ? '' : String(Math.floor(draws.uniform() * 1e9) * 10 + draws.int(10));
  const isbn13 = draws.chance(0.06)
    ? ''
    : `9.78${String(Math.floor(draws.uniform() * 1e10))
        .padStart(10, '0')
        .slice(0, 8)}e+12`;
  const cover = draws.chance(0.06)
    ? 'https://s.gr-assets.com/assets/nophoto/book/111x148-bcc042a9c91a29c1d680899eff700a03.png'
    : `https://images.gr-assets.com/books/${1300000000 + draws.int(2e8)}m/${book.goodreadsId}.jpg`;
  const counts = STAR_SHARES.map((s) => String(Math.round(s * 1e6 * book.popularity * 10)));
  const mean = (STAR_SHARES.reduce((sum, s, i) => sum + s * (i + 1), 0) + 0.2 * book.quality).toFixed(2);
  const total = String(Math.round(1e7 * book.popularity));
  return [
    String(book.bookId),
    String(book.goodreadsId),
    String(book.goodreadsId),
    String(book.goodreadsId + 7),
    String(1 + draws.int(300)),
    isbn,
    isbn13,
    authors,
    year,
    draws.chance(0.06) ? '' : title,
    `${title}${series}`,
    draws.chance(0.1) ? '' : 'eng',
    mean,
    total,
    total,
    String(Math.round(Number(total) / 30)),
    ...counts,
    cover,
    cover.replace(/(\d)m\//, '$1s/'),
  ];
}

async function writeBooks(catalogue: GeneratedShelfCatalogue, shelves: readonly string[], outs: Outs, seed: number): Promise<number> {
  const faker = new Faker({ locale: [en, base], seed: seedFor(seed, 32, 0) });
  const draws = new Draws(seedFor(seed, 33, 0));
  outs.books.push(`${GOODBOOKS_HEADERS.books.join(',')}\n`);
  outs.book_tags.push(`${GOODBOOKS_HEADERS.book_tags.join(',')}\n`);
  const genreBase = COMMON_SHELVES.length;
  const otherBase = genreBase + GENRE_SHELVES.length;
  let bookTags = 0;
  for (const book of catalogue.books) {
    outs.books.push(stringify([bookRow(book, faker, draws)]));
    const scale = Math.max(10, Math.round(3e5 * book.popularity));
    const tagged = new Map<number, number>();
    for (let c = 0; c < COMMON_SHELVES.length; c++) tagged.set(c, Math.round(scale * (c === 0 ? 3 : 1 / (c + 1))));
    book.genres.forEach((g, rank) => tagged.set(genreBase + g, Math.round((scale * 0.8) / (rank + 1))));
    // Genre shelves of other genres are never drawn, so a small set may hold fewer shelves than a book wants.
    const wanted = Math.min(GOODBOOKS_SHAPE.shelvesPerBook, tagged.size + shelves.length - otherBase);
    while (tagged.size < wanted) {
      const tag = otherBase + Math.floor(draws.uniform() ** 2 * (shelves.length - otherBase));
      if (!tagged.has(tag)) tagged.set(tag, 1 + Math.floor(draws.exponential(scale / 200)));
    }
    let text = '';
    for (const [tag, count] of tagged) text += `${book.goodreadsId},${tag},${count}\n`;
    outs.book_tags.push(text);
    bookTags += tagged.size;
    await outs.books.flushIfFull();
    await outs.book_tags.flushIfFull();
  }
  return bookTags;
}

async function writeReaders(
  catalogue: GeneratedShelfCatalogue,
  users: number,
  outs: Outs,
  seed: number,
  onProgress: GoodbooksGenerateOptions['onProgress'],
): Promise<{ ratings: number; toRead: number }> {
  outs.ratings.push(`${GOODBOOKS_HEADERS.ratings.join(',')}\n`);
  outs.to_read.push(`${GOODBOOKS_HEADERS.to_read.join(',')}\n`);
  const expected = Math.round(users * Math.min(catalogue.books.length, MIN_PER_USER + (MAX_PER_USER - MIN_PER_USER + 1) / 1.95));
  let ratings = 0;
  let toRead = 0;
  for (let u = 0; u < users; u++) {
    const draws = new Draws(seedFor(seed, 34, u));
    const taste = readerTaste(draws);
    const rated = readerRatings(catalogue, taste, ratingsPerReader(draws), draws);
    let text = '';
    for (const r of rated) text += `${u + 1},${catalogue.books[r.book]!.bookId},${r.stars}\n`;
    outs.ratings.push(text);
    ratings += rated.length;
    if (draws.chance(GOODBOOKS_SHAPE.toReadUsers / GOODBOOKS_SHAPE.users)) {
      const wanted = readerRatings(catalogue, taste, 1 + Math.floor(draws.exponential(GOODBOOKS_SHAPE.toRead / GOODBOOKS_SHAPE.toReadUsers)), draws);
      const ratedBooks = new Set(rated.map((r) => r.book));
      let list = '';
      for (const w of wanted) {
        if (ratedBooks.has(w.book)) continue;
        list += `${u + 1},${catalogue.books[w.book]!.bookId}\n`;
        toRead++;
      }
      outs.to_read.push(list);
    }
    await outs.ratings.flushIfFull();
    await outs.to_read.flushIfFull();
    if ((u + 1) % 1000 === 0 || u + 1 === users) onProgress?.({ ratings, total: u + 1 === users ? ratings : Math.max(ratings, expected) });
  }
  return { ratings, toRead };
}

/** Writes the five files (as .part files, renamed at the end) and a generator.json saying they are generated. */
export async function generateGoodbooks(options: GoodbooksGenerateOptions): Promise<GoodbooksGenerateResult> {
  const started = Date.now();
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 4) throw new GenerateError(`--scale must be a number above 0 and at most 4, not ${scale}.`);
  const bookCount = Math.max(20, Math.round(GOODBOOKS_SHAPE.books * scale));
  const users = Math.max(5, Math.round(GOODBOOKS_SHAPE.users * scale));
  const tagCount = Math.max(COMMON_SHELVES.length + GENRE_SHELVES.length + 20, Math.round(GOODBOOKS_SHAPE.tags * scale));
  await mkdir(options.out, { recursive: true }).catch((error: Error) => {
    throw new GenerateError(`Cannot create ${options.out}: ${error.message}`);
  });
  const catalogue = makeBooks(bookCount, seed);
  const shelves = shelfNames(tagCount, new Faker({ locale: [en, base], seed: seedFor(seed, 35, 0) }));
  const outs = Object.fromEntries(FILES.map((f) => [f, new FileOut(join(options.out, `${f}.csv.part`))])) as Outs;
  try {
    outs.tags.push(`${GOODBOOKS_HEADERS.tags.join(',')}\n${stringify(shelves.map((name, id) => [id, name]))}`);
    const bookTags = await writeBooks(catalogue, shelves, outs, seed);
    const { ratings, toRead } = await writeReaders(catalogue, users, outs, seed, options.onProgress);
    for (const f of FILES) await outs[f].close();
    for (const f of FILES) await rename(outs[f].path, join(options.out, `${f}.csv`));
    const counts = { books: bookCount, users, ratings, tags: shelves.length, bookTags, toRead };
    const note = 'Generated by tastebud in the Goodbooks-10k layout; this is not Goodbooks data. Re-create the planted taste with makeBooks()/readerTaste() from src/import/generate/goodbooks.ts.';
    await writeFile(join(options.out, 'generator.json'), `${JSON.stringify({ note, scale, seed, counts }, null, 2)}\n`);
    return { counts, bytes: FILES.reduce((sum, f) => sum + outs[f].bytes, 0), ms: Date.now() - started };
  } catch (error) {
    for (const f of FILES) outs[f].destroy();
    await Promise.all(FILES.map((f) => rm(outs[f].path, { force: true })));
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC')
      throw new GenerateError(`The disk holding ${options.out} filled up while writing the generated files; free space or pass a smaller --scale. The partial files were removed.`);
    throw error;
  }
}
