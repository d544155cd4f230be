import { describe, expect, it } from 'vitest';
import { TitleIndex } from '../../../src/index/title-index.ts';
import type { Rating, TrainedModel } from '../../../src/model/types.ts';
import { MemoryCatalog } from '../../../src/recommend/catalog.ts';
import { Recommender } from '../../../src/recommend/recommender.ts';
import { catalogueTitles, servedRecommender } from '../../../src/eval/served.ts';
import type { MovieRecord } from '../../../src/eval/movielens.ts';

// 40 titles in 4 genres; title vectors point along their genre's axis, with a little per-title spread.
const dimension = 4;
const genres = ['Comedy', 'Drama', 'Horror', 'Western'];
const movies: MovieRecord[] = Array.from({ length: 40 }, (_, i) => ({ movieId: i + 1, title: `Film ${i + 1} (${1990 + i})`, genres: [genres[i % 4]!] }));
const titleIds = movies.map((m) => m.movieId);
const titleVectors = new Float32Array(40 * dimension);
titleIds.forEach((_, row) => {
  titleVectors[row * dimension + (row % 4)] = 1 + row / 100;
  titleVectors[row * dimension + ((row + 1) % 4)] = 0.1;
});
const model: Pick<TrainedModel, 'titleIds' | 'titleVectors' | 'dimension' | 'userVector'> = {
  titleIds,
  titleVectors,
  dimension,
  userVector(history) {
    const out = new Float32Array(dimension);
    for (const r of history) for (let i = 0; i < dimension; i++) out[i]! += titleVectors[(r.titleId - 1) * dimension + i]!;
    return out;
  },
};
const DAY = 86_400_000;
const history: Rating[] = [1, 5, 9, 13, 2].map((titleId, i) => ({ userId: 7, titleId, value: 4, ratedAt: i === 4 ? 400 * DAY : i * DAY }));

describe('servedRecommender', () => {
  it('returns exactly what the production Recommender serves for the same history, rated titles excluded', () => {
    const titles = catalogueTitles(movies, history);
    const served = servedRecommender(model, titles).recommend(history, 10);
    const index = TitleIndex.build(titleIds, titleVectors, dimension);
    const direct = new Recommender({ model, index, catalog: new MemoryCatalog(titles), users: { history: async () => undefined } });
    expect(served).toEqual(direct.recommendFor({ userId: 7, ratings: history, hidden: [] }, { count: 10 }).map((r) => r.titleId));
    expect(served).toHaveLength(10);
    for (const rated of history) expect(served).not.toContain(rated.titleId);
  });

  it('applies the variety rerank: with diversity on, the list spans more genres than the raw top 10', () => {
    const titles = catalogueTitles(movies, history);
    const genreCount = (ids: number[]) => new Set(ids.map((id) => movies[id - 1]!.genres[0])).size;
    const plain = servedRecommender(model, titles, { settings: { diversity: 0, recentWeight: 0 } }).recommend(history, 10);
    const varied = servedRecommender(model, titles, { settings: { diversity: 0.6, recentWeight: 0 } }).recommend(history, 10);
    expect(genreCount(varied)).toBeGreaterThan(genreCount(plain));
  });

  it('builds catalogue entries with rating counts and means from the training ratings', () => {
    const titles = catalogueTitles(movies, [...history, { userId: 8, titleId: 1, value: 2, ratedAt: 0 }]);
    expect(titles[0]).toMatchObject({ id: 1, name: 'Film 1', year: 1990, genres: ['Comedy'], kind: 'movie', ratingCount: 2, ratingMean: 3 });
    expect(titles[2]).toMatchObject({ ratingCount: 0, ratingMean: null });
  });
});
