/**
 * In-process speed of recommend() and similar() on an ml-latest-small-sized model (9,742 titles).
 *
 *   npx tsx bench/recommend.ts [--requests 3000] [--epochs 6] [--generated]
 *
 * Catalogue and users come from ml-latest-small (names, genres, rating counts and means; the 610 users'
 * ratings held in memory). Title vectors come from a short training run of the project's model; with
 * --generated (or when training is unavailable) from generated vectors with a centroid user vector.
 * The user source is in memory, so the figures are the service's own cost, not the database's.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { parseMovieLensTitle } from '../src/catalog/names.ts';
import { genreVectors } from '../src/eval/title-features.ts';
import { TitleIndex } from '../src/index/title-index.ts';
import type { Rating, TrainedModel } from '../src/model/types.ts';
import { MemoryCatalog } from '../src/recommend/catalog.ts';
import { Recommender } from '../src/recommend/recommender.ts';
import type { TitleInfo, UserHistory } from '../src/recommend/types.ts';
import { seededRandom as random } from '../src/lib/random.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';
import { percentile, timeIt } from './support/timing.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    epochs: { type: 'string', default: '6' },
    dimension: { type: 'string', default: '385' },
    generated: { type: 'boolean', default: false },
    movielens: { type: 'string' },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
args.movielens ??= await movieLensOrStop();

function csv(name: string): Record<string, string>[] {
  return parse(readFileSync(join(args.movielens!, name)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

const TOY_STORY = 1;
const TOY_STORY_2 = 3114;
/** Finding Nemo (2003): Adventure, Animation, Children, Comedy. */
const COLD_FILM = 6377;

/** Vectors near one direction per first genre, plus noise; the user vector is a centred-rating mean. */
function generatedModel(titles: TitleInfo[], dimension: number): TrainedModel {
  const next = random(3);
  const genreAxis = new Map<string, number>();
  const ids = titles.map((t) => t.id);
  const vectors = new Float32Array(ids.length * dimension);
  titles.forEach((t, row) => {
    const genre = t.genres[0] ?? 'none';
    if (!genreAxis.has(genre)) genreAxis.set(genre, genreAxis.size % dimension);
    for (let i = 0; i < dimension; i++) vectors[row * dimension + i] = (next() - 0.5) * 0.5 + (i === genreAxis.get(genre) ? 1 : 0);
  });
  const rowOf = new Map(ids.map((id, row) => [id, row]));
  return {
    architecture: 'generated-centroid',
    backend: 'none',
    dimension,
    titleIds: ids,
    titleVectors: vectors,
    userVector(history) {
      const out = new Float32Array(dimension);
      for (const r of history) {
        const row = rowOf.get(r.titleId);
        if (row === undefined) continue;
        for (let i = 0; i < dimension; i++) out[i]! += ((r.value - 3) * vectors[row * dimension + i]!) / history.length;
      }
      return out;
    },
    serialize: () => new Map(),
  };
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory; node ${process.version}`);

const ratings: Rating[] = csv('ratings.csv').map((r) => ({
  userId: Number(r.userId),
  titleId: Number(r.movieId),
  value: Number(r.rating),
  ratedAt: Number(r.timestamp) * 1000,
}));
const stats = new Map<number, { count: number; sum: number }>();
for (const r of ratings) {
  const s = stats.get(r.titleId) ?? { count: 0, sum: 0 };
  s.count++;
  s.sum += r.value;
  stats.set(r.titleId, s);
}
const titles: TitleInfo[] = csv('movies.csv').map((m) => {
  const { name, year } = parseMovieLensTitle(m.title ?? '');
  const s = stats.get(Number(m.movieId));
  return {
    id: Number(m.movieId),
    name,
    year,
    genres: (m.genres ?? '').split('|').filter((g) => g && g !== '(no genres listed)'),
    kind: 'movie',
    ratingCount: s?.count ?? 0,
    ratingMean: s ? s.sum / s.count : null,
  };
});
const histories = new Map<number, UserHistory>();
for (const r of ratings) {
  const h = histories.get(r.userId) ?? { userId: r.userId, ratings: [], hidden: [] };
  (h.ratings as Rating[]).push(r);
  histories.set(r.userId, h);
}
histories.set(0, { userId: 0, ratings: [], hidden: [] });
console.log(`ml-latest-small: ${titles.length} titles, ${ratings.length} ratings, ${histories.size - 1} users (+1 without ratings)`);

let model: TrainedModel;
if (args.generated) {
  model = generatedModel(titles, Number(args.dimension));
} else {
  try {
    const { trainModel } = await import('../src/model/train.ts');
    const started = performance.now();
    // Genre vectors stand in for the sentence embeddings as title text; one film is left cold (its ratings
    // are kept out of training) to check `similar` on a title nobody rated.
    const titleText = genreVectors(csv('movies.csv').map((m) => ({ movieId: Number(m.movieId), title: m.title ?? '', genres: (m.genres ?? '').split('|') })));
    model = await trainModel(
      { ratings: ratings.filter((r) => r.titleId !== COLD_FILM), titleIds: titles.map((t) => t.id), titleText },
      { dimension: Number(args.dimension) - 1, epochs: Number(args.epochs), validationFraction: 0 },
      { onEpoch: (epoch: number) => console.log(`  training epoch ${epoch} (${((performance.now() - started) / 1000).toFixed(0)} s)`) },
    );
  } catch (error) {
    console.log(`(no trained model: ${(error as Error).message.split('\n')[0]}; using generated vectors)`);
    model = generatedModel(titles, Number(args.dimension));
  }
}
console.log(`model: ${model.architecture} (${model.backend}), ${model.titleIds.length} titles x ${model.dimension}`);

const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension);
const catalog = new MemoryCatalog(titles);
const catalogTitle = (id: number) => catalog.get(id)!;
const recommender = new Recommender({ model, index, catalog, users: { history: async (id) => histories.get(id) } });
const userIds = [...histories.keys()].filter((id) => id !== 0);
const requests = Number(args.requests);
const genres = ['Comedy', 'Drama', 'Action', 'Horror', 'Documentary'];

for (const [id, check] of [
  [TOY_STORY, (list: number[]) => `Toy Story 2 ${list.includes(TOY_STORY_2) ? `at rank ${list.indexOf(TOY_STORY_2) + 1}` : 'NOT in the top 10'}`],
  [
    COLD_FILM,
    (list: number[]) => {
      const own = new Set(catalogTitle(COLD_FILM).genres);
      return `${list.filter((t) => catalogTitle(t).genres.some((g) => own.has(g))).length}/10 share a genre with it (a film nobody rated in training)`;
    },
  ],
] as const) {
  const list = recommender.similar(id, 10).map((t) => t.titleId);
  console.log(`similar("${catalogTitle(id).name} (${catalogTitle(id).year})"): ${check(list)}\n  ${list.map((t) => catalogTitle(t).name).join(' | ')}`);
}

// recommendFor is what recommend() runs after the (here in-memory) user lookup; timing it synchronously
// keeps the event loop's scheduling out of the figures. The async path is timed separately below.
timeIt('recommend, 10 titles', requests, (i) => recommender.recommendFor(histories.get(userIds[i % userIds.length]!)!, { count: 10 }));
timeIt('recommend, 10 titles, genre filter', requests, (i) => recommender.recommendFor(histories.get(userIds[i % userIds.length]!)!, { count: 10, genre: genres[i % genres.length]! }));
timeIt('recommend, user without ratings', requests, () => recommender.recommendFor(histories.get(0)!, { count: 10 }));
timeIt('similar, 10 titles', requests, (i) => recommender.similar(model.titleIds[(i * 7919) % model.titleIds.length]!, 10));

const asyncTimes: number[] = [];
for (let i = 0; i < requests; i++) {
  const t0 = performance.now();
  await recommender.recommend(userIds[i % userIds.length]!, { count: 10 });
  asyncTimes.push(performance.now() - t0);
}
asyncTimes.sort((a, b) => a - b);
console.log(
  `${'recommend() (async, in-memory users)'.padEnd(40)} n=${requests}  wall p50 ${percentile(asyncTimes, 50).toFixed(3)} ms  p95 ${percentile(asyncTimes, 95).toFixed(3)} p99 ${percentile(asyncTimes, 99).toFixed(3)} ms`,
);

const sample = recommender.recommendFor(histories.get(userIds[0]!)!, { count: 5 });
console.log(`\nsample for MovieLens user ${userIds[0]}:`);
for (const r of sample) console.log(`  ${r.name}${r.year ? ` (${r.year})` : ''} [${r.genres.join(', ')}] ${r.score.toFixed(2)} ${r.reason}`);
