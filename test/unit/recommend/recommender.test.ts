import { describe, expect, it } from 'vitest';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { InputError } from '../../../src/lib/input-error.ts';
import { MemoryCatalog } from '../../../src/recommend/catalog.ts';
import { Recommender } from '../../../src/recommend/recommender.ts';
import { NotFoundError, type UserHistory } from '../../../src/recommend/types.ts';
import { DAY, DIMENSION, idsOf, ratings, usersOf, world } from './fixtures.ts';

const { model, index, catalog, titles } = world();
const actions = idsOf('Action', titles);
const dramas = idsOf('Drama', titles);
const comedies = idsOf('Comedy', titles);

/** Loves action (including Heat, title 1), dislikes drama. */
const actionFan: UserHistory = {
  userId: 7,
  ratings: [...ratings(actions.slice(0, 6), 5), ...ratings(dramas.slice(0, 4), 1)],
  hidden: [actions[6]!, actions[7]!],
};
const newcomer: UserHistory = { userId: 8, ratings: [], hidden: [] };

function recommender(...users: UserHistory[]) {
  return new Recommender({ model, index, catalog, users: usersOf(actionFan, newcomer, ...users), versionId: 1 });
}

describe('recommend', () => {
  it('suggests what the user likes, never what they rated or hid', async () => {
    const results = await recommender().recommend(7, { count: 8 });
    expect(results).toHaveLength(8);
    const ids = results.map((r) => r.titleId);
    for (const r of actionFan.ratings) expect(ids).not.toContain(r.titleId);
    for (const h of actionFan.hidden) expect(ids).not.toContain(h);
    // Most suggestions are action titles; diversity may let a few others in.
    expect(results.filter((r) => r.genres.includes('Action')).length).toBeGreaterThanOrEqual(5);
    expect(results[0]!.genres).toContain('Action');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('explains suggestions by the most similar liked title', async () => {
    const [first] = await recommender().recommend(7, { count: 1 });
    expect(first!.reason).toMatch(/^because you liked /);
    const liked = catalog.get(first!.becauseTitleId!)!;
    expect(actionFan.ratings.find((r) => r.titleId === liked.id)!.value).toBe(5);
    expect(liked.genres).toContain('Action');
    expect(first!.reason).toBe(`because you liked ${liked.name} (${liked.year})`);
  });

  it('names the liked title as "Heat (1995)"-style when it is the closest', async () => {
    // Only Heat (title 1, Action) is liked; an action suggestion is explained by it.
    const heatOnly: UserHistory = { userId: 9, ratings: ratings([1], 5), hidden: [] };
    const [first] = await recommender(heatOnly).recommend(9, { count: 1 });
    expect(first!.reason).toBe('because you liked Heat (1990)');
    expect(first!.becauseTitleId).toBe(1);
  });

  it('filters by kind and genre', async () => {
    const shows = await recommender().recommend(7, { count: 5, kind: 'show' });
    expect(shows.length).toBeGreaterThan(0);
    expect(shows.every((r) => r.kind === 'show')).toBe(true);
    const comedy = await recommender().recommend(7, { count: 5, genre: 'comedy' });
    expect(comedy).toHaveLength(5);
    expect(comedy.every((r) => r.genres.includes('Comedy'))).toBe(true);
    const thrillers = await recommender().recommend(8, { count: 3, genre: 'Thriller' });
    expect(thrillers.every((r) => r.genres.includes('Thriller'))).toBe(true);
    await expect(recommender().recommend(7, { count: 5, genre: 'Western' })).rejects.toThrow(/Unknown genre "Western"; known genres: Action, Comedy, Drama, Horror, Thriller/);
  });

  it('filters by genre the same way through the graph as through the exact scan', async () => {
    const scan = await recommender().recommend(7, { count: 5, genre: 'Comedy' });
    const graph = new Recommender({ model, index, catalog, users: usersOf(actionFan), versionId: 1, settings: { exactScanLimit: 0 } });
    const viaGraph = await graph.recommend(7, { count: 5, genre: 'Comedy' });
    expect(viaGraph.every((r) => r.genres.includes('Comedy'))).toBe(true);
    expect(viaGraph.map((r) => r.titleId)).toEqual(scan.map((r) => r.titleId));
  });

  it('gives a user without ratings popular titles across genres', async () => {
    // The four most popular titles are all dramas; a perfect score from two ratings is not popular.
    const title = (id: number, genre: string, ratingCount: number, ratingMean: number) => ({ id, name: `T${id}`, year: 2000, genres: [genre], kind: 'movie', ratingCount, ratingMean });
    const popularWorld = new MemoryCatalog([
      title(1, 'Drama', 300, 4.5),
      title(2, 'Drama', 290, 4.4),
      title(3, 'Drama', 280, 4.4),
      title(4, 'Drama', 270, 4.3),
      title(5, 'Comedy', 200, 4.0),
      title(6, 'Horror', 150, 3.9),
      title(7, 'Action', 2, 5),
      title(8, 'Action', 120, 3.8),
    ]);
    const vectors = new Float32Array(8 * DIMENSION).fill(0.1);
    const small = TitleIndex.build([1, 2, 3, 4, 5, 6, 7, 8], vectors, DIMENSION);
    const r = new Recommender({ model, index: small, catalog: popularWorld, users: usersOf(newcomer) });
    const results = await r.recommend(8, { count: 4 });
    expect(results.map((t) => t.titleId)).toEqual([1, 5, 6, 8]);
    expect(results.map((t) => t.reason)).toEqual(['popular in Drama', 'popular in Comedy', 'popular in Horror', 'popular in Action']);
    // Asking for more brings the other dramas back before the barely rated title.
    const more = await r.recommend(8, { count: 7 });
    expect(more.map((t) => t.titleId).slice(4)).toEqual([2, 3, 4]);
  });

  it('does not suggest hidden titles to a user without ratings', async () => {
    const popular = await recommender().recommend(8, { count: 3 });
    const hider: UserHistory = { userId: 10, ratings: [], hidden: [popular[0]!.titleId] };
    const results = await recommender(hider).recommend(10, { count: 3 });
    expect(results.map((r) => r.titleId)).not.toContain(popular[0]!.titleId);
  });

  it('rejects unknown users and bad counts with clear errors', async () => {
    await expect(recommender().recommend(404, { count: 3 })).rejects.toThrow(NotFoundError);
    await expect(recommender().recommend(404, { count: 3 })).rejects.toThrow('No user with id 404.');
    await expect(recommender().recommend(7, { count: 0 })).rejects.toThrow(/count must be a whole number from 1 to 100; got 0/);
    // A person's bad request is an input error for the edges to show, not a RangeError (which means a bug).
    await expect(recommender().recommend(7, { count: 0 })).rejects.toThrow(InputError);
    await expect(recommender().recommend(7, { count: 5, genre: 'Western' })).rejects.toThrow(InputError);
  });
});

describe('userVector', () => {
  const now = 1_700_000_000_000;
  it('weighs recent ratings more than old ones', () => {
    const r = recommender();
    // Loved comedy long ago, loves drama lately.
    const drifted = [...ratings(comedies.slice(0, 5), 5, now - 800 * DAY), ...ratings(dramas.slice(0, 5), 5, now)];
    const sameTime = [...ratings(comedies.slice(0, 5), 5, now), ...ratings(dramas.slice(0, 5), 5, now)];
    const driftedVector = r.userVector({ ratings: drifted });
    const flatVector = r.userVector({ ratings: sameTime });
    expect(Array.from(driftedVector)).not.toEqual(Array.from(flatVector));
    // Drama's axis (1) gains over comedy's axis (2).
    expect(driftedVector[1]! - driftedVector[2]!).toBeGreaterThan(flatVector[1]! - flatVector[2]! + 0.1);
    const top = r.recommendFor({ userId: 1, ratings: drifted, hidden: [] }, { count: 3 });
    expect(top.filter((t) => t.genres.includes('Drama')).length).toBeGreaterThanOrEqual(2);
  });

  it('reuses a stored vector only when it is current', () => {
    const r = recommender();
    const history = ratings(actions.slice(0, 2), 5);
    const stored = Float32Array.from([9, 9, 9, 9, 9, 9]);
    expect(Array.from(r.userVector({ ratings: history, storedVector: { versionId: 1, vector: stored, ratingsCount: 2 } }))).toEqual(Array.from(stored));
    expect(Array.from(r.userVector({ ratings: history, storedVector: { versionId: 2, vector: stored, ratingsCount: 2 } }))).not.toEqual(Array.from(stored));
    expect(Array.from(r.userVector({ ratings: history, storedVector: { versionId: 1, vector: stored, ratingsCount: 3 } }))).not.toEqual(Array.from(stored));
  });
});

describe('similar', () => {
  it('returns nearest titles, excluding the title itself', () => {
    const results = recommender().similar(dramas[0]!, 5);
    expect(results).toHaveLength(5);
    expect(results.map((r) => r.titleId)).not.toContain(dramas[0]);
    expect(results.every((r) => r.genres.includes('Drama'))).toBe(true);
    for (let i = 1; i < results.length; i++) expect(results[i - 1]!.similarity).toBeGreaterThanOrEqual(results[i]!.similarity);
  });

  it("ranks by the model's title-title score, so a barely-known title pointing the same way does not outrank a well-known one", () => {
    const w = world();
    const extra = (id: number, name: string) => ({ id, name, year: 2020, genres: ['Horror'], kind: 'movie', ratingCount: 1, ratingMean: 4 });
    // 600 is the query; 601 points exactly its way but is short (rated once); 602 is long and nearly aligned.
    w.index.add(600, [0, 0, 0, 0, 0, 1]);
    w.index.add(601, [0, 0, 0, 0, 0, 0.05]);
    w.index.add(602, [0, 0, 0, 0, 0.3, 2]);
    const r = new Recommender({ model: w.model, index: w.index, catalog: new MemoryCatalog([...w.titles, extra(600, 'Query'), extra(601, 'Obscure'), extra(602, 'Classic')]), users: usersOf() });
    const ids = r.similar(600, 5).map((t) => t.titleId);
    expect(ids[0]).toBe(602);
    expect(ids).not.toContain(601);
  });

  it('finds neighbours for a cold title from its (text-based) vector', () => {
    // A title nobody rated, whose vector the model made from text near the horror axis.
    const w = world();
    const cold = { id: 500, name: 'New Horror', year: 2025, genres: ['Horror'], kind: 'movie', ratingCount: 0, ratingMean: null };
    w.index.add(500, [0.05, 0, 0, 0.9, 0, 0]);
    const r = new Recommender({ model: w.model, index: w.index, catalog: new MemoryCatalog([...w.titles, cold]), users: usersOf() });
    const results = r.similar(500, 5);
    expect(results.every((t) => t.genres.includes('Horror'))).toBe(true);
  });

  it('rejects unknown titles', () => {
    expect(() => recommender().similar(9999, 3)).toThrow(NotFoundError);
    expect(() => recommender().similar(9999, 3)).toThrow('No title with id 9999.');
  });
});
