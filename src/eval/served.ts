import { parseMovieLensTitle } from '../catalog/names.ts';
import { TitleIndex, type TitleIndexOptions } from '../index/title-index.ts';
import type { Rating, TrainedModel } from '../model/types.ts';
import { MemoryCatalog } from '../recommend/catalog.ts';
import { Recommender as ServingRecommender, type RecommenderSettings } from '../recommend/recommender.ts';
import type { TitleInfo } from '../recommend/types.ts';
import type { Recommender } from './baselines.ts';
import type { MovieRecord } from './movielens.ts';

/**
 * Catalogue entries as the bot holds them (name, year, genres, kind, rating count and mean), from MovieLens
 * movies and the ratings the model was trained on, so the served path filters and reranks as in production.
 */
export function catalogueTitles(movies: readonly MovieRecord[], train: readonly Rating[]): TitleInfo[] {
  const stats = new Map<number, { count: number; sum: number }>();
  for (const r of train) {
    const s = stats.get(r.titleId) ?? { count: 0, sum: 0 };
    s.count += 1;
    s.sum += r.value;
    stats.set(r.titleId, s);
  }
  return movies.map((m) => {
    const { name, year } = parseMovieLensTitle(m.title);
    const s = stats.get(m.movieId);
    return { id: m.movieId, name, year, genres: m.genres, kind: 'movie', ratingCount: s?.count ?? 0, ratingMean: s ? s.sum / s.count : null };
  });
}

/**
 * The list a member gets from `/recommend`, for the offline protocol: the production {@link ServingRecommender}
 * (recency mix of the user vector, HNSW candidates with rated and hidden titles filtered out, variety rerank)
 * over an HNSW index of the model's title vectors built with the production defaults. Nothing is re-implemented
 * here, so `tastebud eval` scores exactly what the bot serves.
 */
export function servedRecommender(
  model: Pick<TrainedModel, 'titleIds' | 'titleVectors' | 'dimension' | 'userVector'>,
  titles: readonly TitleInfo[],
  options: { index?: TitleIndexOptions; settings?: Partial<RecommenderSettings> } = {},
): Recommender {
  const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, options.index ?? {});
  const catalog = new MemoryCatalog(titles.filter((t) => index.has(t.id)));
  const serving = new ServingRecommender({ model, index, catalog, users: { history: async () => undefined }, ...(options.settings ? { settings: options.settings } : {}) });
  return {
    name: 'served (/recommend)',
    recommend(history, k) {
      return serving.recommendFor({ userId: history[0]?.userId ?? 0, ratings: history, hidden: [] }, { count: k }).map((r) => r.titleId);
    },
  };
}
