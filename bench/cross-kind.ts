// Recommendations across kinds, measured. Data: MovieLens ml-latest-small (movies) plus generated Goodbooks-shaped
// books (src/import/generate/goodbooks.ts: genre shelves, heavy-tailed popularity, 1-5 stars) with their own
// background readers, and half of the MovieLens users also rating books with a book taste derived from their own
// movie ratings (genre by genre where the genre exists in both kinds, plus noise; the other shelves get the
// generator's non-favourite affinity). That link between kinds is planted, an assumption of this benchmark. Title text = genre
// multi-hot vectors over one shared vocabulary (books' shelves mapped to MovieLens genre names), as bench/quality.ts
// uses for movies. Users who rate both kinds are split in two groups:
//   A: ALL their book ratings held out (they look like a member who rated only movies);
//   B: a per-user 25 % of their book ratings held out (they kept most book ratings: the in-kind reference).
// Scenarios, one default-model training each per seed:
//   co-rated: training holds every movie rating, the background readers' book ratings and B's kept book ratings;
//   cold kind: training holds movie ratings only; every book is a cold title with a vector from its text.
// Reported: nDCG@10 over books only (all held-out books relevant, and liked ones, >= 4 stars), the default model
// against popularity-in-kind (book rating counts in the same training) and a random in-kind ranking; and the
// genre fit: the share of the top 10 books carrying one of the user's three planted favourite book genres.
// The served ranking for A (src/recommend/cross-kind.ts) blends the model with popularity-in-kind; its weight is
// chosen with --popularity-weights 0,0.1,... on tuning seed 101 and reported at its default on 201-203.
// Usage: npx tsx bench/cross-kind.ts [--seeds 201,202,203] [--dir DIR] [--books 2000] [--readers 1000]
//        [--popularity-weights W,W,...] (default: the served weight)
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { groupByUser } from '../src/eval/protocol.ts';
import { ndcgAt, topK } from '../src/eval/metrics.ts';
import { readMoviesCsv, readRatingsCsv, type MovieRecord } from '../src/eval/movielens.ts';
import { genreVectors } from '../src/eval/title-features.ts';
import { GENRE_SHELVES, makeBooks, ratingsPerReader, readerRatings, readerTaste, type GeneratedShelfCatalogue } from '../src/import/generate/goodbooks.ts';
import { Draws, seedFor } from '../src/import/generate/sampling.ts';
import { shelvesToGenresAndTags } from '../src/import/goodbooks-rows.ts';
import { trainModel, type Rating, type TrainedModel } from '../src/model/index.ts';
import { blendWithPopularity, CROSS_KIND_POPULARITY_WEIGHT } from '../src/recommend/cross-kind.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';
import { REPORTED_SEEDS, TUNING_SEEDS } from './reference.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: REPORTED_SEEDS.join(',') },
    dir: { type: 'string' },
    books: { type: 'string', default: '2000' },
    readers: { type: 'string', default: '1000' },
    k: { type: 'string', default: '10' },
    'popularity-weights': { type: 'string', default: String(CROSS_KIND_POPULARITY_WEIGHT) },
  },
});
values.dir ??= await movieLensOrStop();
const seeds = values.seeds.split(',').map(Number);
if (seeds.some((s) => TUNING_SEEDS.includes(s))) process.stderr.write('warning: a tuning seed is among the seeds; its figures are not honest test figures\n');
const k = Number(values.k);
const popularityWeights = values['popularity-weights'].split(',').map(Number);
if (popularityWeights.some((w) => !(w >= 0 && w <= 1))) throw new Error('--popularity-weights are numbers from 0 to 1');
const BOOK_ID = 1_000_000;
const READER_ID = 100_000;

/** MovieLens genre → the generator's genre shelf, where a book genre means the same. */
const SHELF_OF_GENRE: Record<string, string> = {
  'Sci-Fi': 'science-fiction',
  Fantasy: 'fantasy',
  Romance: 'romance',
  Mystery: 'mystery',
  Thriller: 'thriller',
  Horror: 'horror',
  Crime: 'crime',
  Comedy: 'humor',
  Children: 'childrens',
  Adventure: 'adventure',
  War: 'war',
  Documentary: 'non-fiction',
  Animation: 'graphic-novels',
};

const movieRatings = await readRatingsCsv(join(values.dir, 'ratings.csv'));
const movies = await readMoviesCsv(join(values.dir, 'movies.csv'));
const genresOf = new Map(movies.map((m) => [m.movieId, m.genres]));

/** A MovieLens user's book taste: their centred mean rating per genre, carried to the matching shelf; noise elsewhere. */
function bookTasteOf(ratings: readonly Rating[], draws: Draws): Float32Array {
  const mean = ratings.reduce((s, r) => s + r.value, 0) / ratings.length;
  const sum = new Map<string, number>();
  const n = new Map<string, number>();
  for (const r of ratings) {
    for (const g of genresOf.get(r.titleId) ?? []) {
      sum.set(g, (sum.get(g) ?? 0) + r.value - mean);
      n.set(g, (n.get(g) ?? 0) + 1);
    }
  }
  // Shelves without a movie genre: the mild dislike-with-noise readerTaste gives non-favourites.
  const taste = Float32Array.from(GENRE_SHELVES, () => 0.3 * draws.normal() - 0.4);
  for (const [genre, shelf] of Object.entries(SHELF_OF_GENRE)) {
    const g = GENRE_SHELVES.indexOf(shelf as (typeof GENRE_SHELVES)[number]);
    const count = n.get(genre) ?? 0;
    // Shrunk towards 0 for genres the user rated little; half a star above their own mean is a clear liking (~1).
    if (count > 0) taste[g] = (2 * sum.get(genre)!) / (count + 3) + 0.3 * draws.normal();
  }
  return taste;
}

interface Setup {
  books: GeneratedShelfCatalogue;
  bookRecords: MovieRecord[];
  background: Rating[];
  /** Book ratings of the users who rate both kinds, by user. */
  bothKinds: Map<number, Rating[]>;
  groupA: number[];
  groupB: number[];
  /** The three genre shelves each both-kinds user's planted book taste likes most. */
  favourites: Map<number, Set<number>>;
}

function makeSetup(seed: number): Setup {
  const books = makeBooks(Number(values.books), seed);
  const bookRecords = books.books.map((b) => ({
    movieId: BOOK_ID + b.bookId,
    title: `book ${b.bookId}`,
    genres: shelvesToGenresAndTags(
      b.genres.map((g) => GENRE_SHELVES[g]!),
      0,
    ).genres,
  }));
  const background: Rating[] = [];
  for (let r = 0; r < Number(values.readers); r++) {
    const draws = new Draws(seedFor(seed, 40, r));
    for (const x of readerRatings(books, readerTaste(draws), ratingsPerReader(draws), draws)) {
      background.push({ userId: READER_ID + r, titleId: BOOK_ID + books.books[x.book]!.bookId, value: x.stars, ratedAt: Date.UTC(2017, 8, 1) });
    }
  }
  const bothKinds = new Map<number, Rating[]>();
  const favourites = new Map<number, Set<number>>();
  const users = [...groupByUser(movieRatings)];
  const pick = new Draws(seedFor(seed, 41, 0));
  for (const [userId, ratings] of users) {
    if (!pick.chance(0.5)) continue;
    const draws = new Draws(seedFor(seed, 42, userId));
    const last = Math.max(...ratings.map((r) => r.ratedAt));
    const taste = bookTasteOf(ratings, draws);
    favourites.set(userId, new Set([...taste.keys()].sort((a, b) => taste[b]! - taste[a]!).slice(0, 3)));
    const rated = readerRatings(books, taste, 20 + draws.int(41), draws);
    bothKinds.set(
      userId,
      rated.map((x, j) => ({ userId, titleId: BOOK_ID + books.books[x.book]!.bookId, value: x.stars, ratedAt: last + (j + 1) * 60_000 })),
    );
  }
  const ids = [...bothKinds.keys()];
  for (let i = ids.length - 1; i > 0; i--) {
    const j = pick.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const half = Math.floor(ids.length / 2);
  return { books, bookRecords, background, bothKinds, groupA: ids.slice(0, half).sort((a, b) => a - b), groupB: ids.slice(half).sort((a, b) => a - b), favourites };
}

/** B's per-user 25 % book hold-out (at least one), seeded. */
function splitB(setup: Setup, seed: number): { kept: Rating[]; held: Map<number, Rating[]> } {
  const kept: Rating[] = [];
  const held = new Map<number, Rating[]>();
  for (const userId of setup.groupB) {
    const list = [...setup.bothKinds.get(userId)!];
    const draws = new Draws(seedFor(seed, 43, userId));
    const order = list
      .map((r) => ({ r, key: draws.uniform() }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.r);
    const cut = Math.max(1, Math.round(order.length * 0.25));
    held.set(userId, order.slice(0, cut));
    kept.push(...order.slice(cut));
  }
  return { kept, held };
}

/** The model's score of every book for a history, and the books the history holds (left out of rankings). */
function bookScores(model: TrainedModel, bookRows: number[], history: readonly Rating[]): { scores: Float32Array; excluded: Set<number> } {
  const user = model.userVector(history);
  const d = model.dimension;
  const scores = new Float32Array(bookRows.length);
  const seen = new Set(history.map((r) => r.titleId));
  const excluded = new Set<number>();
  bookRows.forEach((row, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += user[j]! * model.titleVectors[row * d + j]!;
    scores[i] = s;
    if (seen.has(model.titleIds[row]!)) excluded.add(i);
  });
  return { scores, excluded };
}

/** Top k books for a history by the model's scores, the history's own titles left out. */
function modelBooks(model: TrainedModel, bookRows: number[], history: readonly Rating[]): number[] {
  const { scores, excluded } = bookScores(model, bookRows, history);
  return topK(scores, k, excluded).map((i) => model.titleIds[bookRows[i]!]!);
}

/** Top k books by the served cross-kind blend of model and popularity-in-kind (training rating counts). */
function blendedBooks(model: TrainedModel, bookRows: number[], history: readonly Rating[], counts: ReadonlyMap<number, number>, weight: number): number[] {
  const { scores, excluded } = bookScores(model, bookRows, history);
  const offered = bookRows.flatMap((row, i) => (excluded.has(i) ? [] : [{ titleId: model.titleIds[row]!, score: scores[i]!, ratingCount: counts.get(model.titleIds[row]!) ?? 0 }]));
  return blendWithPopularity(offered, weight)
    .slice(0, k)
    .map((c) => c.titleId);
}

interface Scores {
  all: number[];
  liked: number[];
  /** Share of the top k whose genres include one of the user's three planted favourite shelves. */
  fit: number[];
}
let current: Setup;
const score = (into: Scores, ranked: readonly number[], held: readonly Rating[]) => {
  const liked3 = current.favourites.get(held[0]!.userId)!;
  into.fit.push(ranked.filter((id) => current.books.books[id - BOOK_ID - 1]!.genres.some((g) => liked3.has(g))).length / Math.max(1, ranked.length));
  into.all.push(ndcgAt(ranked, new Set(held.map((r) => r.titleId)), k));
  const liked = held.filter((r) => r.value >= 4);
  if (liked.length > 0) into.liked.push(ndcgAt(ranked, new Set(liked.map((r) => r.titleId)), k));
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per seed: rows name → [nDCG all, nDCG liked]. */
const results = new Map<string, { all: number[]; liked: number[]; fit: number[] }>();
const note = (name: string, s: Scores) => {
  const row = results.get(name) ?? { all: [], liked: [], fit: [] };
  row.all.push(mean(s.all));
  row.liked.push(mean(s.liked));
  row.fit.push(mean(s.fit));
  results.set(name, row);
};
const timings: number[] = [];
let sizes = '';

for (const seed of seeds) {
  const setup = makeSetup(seed);
  current = setup;
  const { kept, held } = splitB(setup, seed);
  const movieIds = movies.map((m) => m.movieId);
  const bookIds = setup.bookRecords.map((b) => b.movieId);
  const titleIds = [...movieIds, ...bookIds].sort((a, b) => a - b);
  const titleText = genreVectors([...movies, ...setup.bookRecords]);
  const byUser = groupByUser(movieRatings);
  const scenarios = {
    'co-rated': [...movieRatings, ...setup.background, ...kept],
    'cold kind': [...movieRatings],
  };
  sizes = `${movies.length} movies, ${bookIds.length} books; ${movieRatings.length} movie ratings of ${byUser.size} users; ${setup.background.length} book ratings of ${values.readers} readers; ${[...setup.bothKinds.values()].reduce((s, l) => s + l.length, 0)} book ratings of ${setup.bothKinds.size} MovieLens users (A ${setup.groupA.length}, B ${setup.groupB.length})`;
  for (const [scenario, train] of Object.entries(scenarios)) {
    const started = Date.now();
    const model = await trainModel({ ratings: train, titleIds, titleText }, { seed });
    timings.push((Date.now() - started) / 1000);
    const rowOf = new Map(model.titleIds.map((id, row) => [id, row]));
    const bookRows = bookIds.map((id) => rowOf.get(id)!);
    const trainByUser = groupByUser(train);
    const modelA: Scores = { all: [], liked: [], fit: [] };
    for (const userId of setup.groupA) score(modelA, modelBooks(model, bookRows, trainByUser.get(userId)!), setup.bothKinds.get(userId)!);
    note(`${scenario} | A (no book ratings) | model`, modelA);
    const random: Scores = { all: [], liked: [], fit: [] };
    const draws = new Draws(seedFor(seed, 44, 0));
    for (const userId of setup.groupA)
      score(
        random,
        Array.from({ length: k }, () => bookIds[draws.int(bookIds.length)]!),
        setup.bothKinds.get(userId)!,
      );
    note(`${scenario} | A (no book ratings) | random book`, random);
    if (scenario === 'co-rated') {
      const counts = new Map<number, number>();
      for (const r of train) if (r.titleId >= BOOK_ID) counts.set(r.titleId, (counts.get(r.titleId) ?? 0) + 1);
      const ranked = [...bookIds].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a - b);
      const popular = (history: readonly Rating[]) => {
        const seen = new Set(history.map((r) => r.titleId));
        return ranked.filter((id) => !seen.has(id)).slice(0, k);
      };
      const popA: Scores = { all: [], liked: [], fit: [] };
      for (const userId of setup.groupA) score(popA, popular(trainByUser.get(userId)!), setup.bothKinds.get(userId)!);
      note(`${scenario} | A (no book ratings) | popularity in kind`, popA);
      for (const weight of popularityWeights) {
        const blendA: Scores = { all: [], liked: [], fit: [] };
        for (const userId of setup.groupA) score(blendA, blendedBooks(model, bookRows, trainByUser.get(userId)!, counts, weight), setup.bothKinds.get(userId)!);
        note(`${scenario} | A (no book ratings) | served: model + popularity w=${weight}`, blendA);
      }
      const modelB: Scores = { all: [], liked: [], fit: [] };
      const popB: Scores = { all: [], liked: [], fit: [] };
      for (const userId of setup.groupB) {
        score(modelB, modelBooks(model, bookRows, trainByUser.get(userId)!), held.get(userId)!);
        score(popB, popular(trainByUser.get(userId)!), held.get(userId)!);
      }
      note(`${scenario} | B (kept 75 % of book ratings) | model`, modelB);
      note(`${scenario} | B (kept 75 % of book ratings) | popularity in kind`, popB);
    }
    process.stderr.write(`seed ${seed} ${scenario}: trained in ${timings[timings.length - 1]!.toFixed(1)} s; A model ${mean(modelA.all).toFixed(4)}, random ${mean(random.all).toFixed(4)}\n`);
  }
}

console.log(
  `machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}; load at end ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(`data per seed: ${sizes}`);
console.log(
  `model: default trainer options (chosen by bench/tune.ts on validation carves of seed ${TUNING_SEEDS.join(',')}; none chosen here), seed = data seed; training ${median(timings).toFixed(1)} s median`,
);
console.log(`seeds ${seeds.join(',')}; nDCG@${k} over books only, mean over users per seed, median over seeds [min-max]`);
console.log(`${'scenario | users | ranking'.padEnd(62)}${'all held-out'.padStart(24)}${'liked (>= 4)'.padStart(24)}${'genre fit of top 10'.padStart(24)}`);
const cell = (xs: number[]) => `${median(xs).toFixed(4)} [${Math.min(...xs).toFixed(4)}-${Math.max(...xs).toFixed(4)}]`.padStart(24);
for (const [name, row] of results) console.log(`${name.padEnd(62)}${cell(row.all)}${cell(row.liked)}${cell(row.fit)}`);
