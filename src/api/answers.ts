import type { PrismaClient } from '../db/client.ts';
import type { MemoryCatalog } from '../recommend/catalog.ts';
import { popularForMember } from '../recommend/popular.ts';
import { loadCatalog, PrismaUserSource } from '../recommend/prisma-sources.ts';
import { checkCount, matchGenre } from '../recommend/request.ts';
import { textSimilarity } from '../recommend/text-similar.ts';
import { NotFoundError, type Recommendation, type UserHistory } from '../recommend/types.ts';
import type { ServingModel, ServingSnapshot } from '../serving/serving-model.ts';

/**
 * What the API answers, over the serving holder exactly as the bot uses it: one snapshot taken per request
 * (its version is the one reported), popular titles before any version is active.
 */

/** Every page of recommendations is cut from one ranked list this long, so pages never repeat a title. */
export const RANKED_LIST_LENGTH = 100;
export const MAX_PAGE = 50;

export interface RecommendationFilter {
  kind?: string | undefined;
  genre?: string | undefined;
  /** Title ids left out of the list, on top of what the member rated or hid. */
  exclude?: readonly number[] | undefined;
}

export interface RecommendationPage {
  modelVersion: number | null;
  personal: boolean;
  total: number;
  items: Recommendation[];
}

export interface ApiAnswers {
  recommendations(userId: number, filter: RecommendationFilter, page: { n: number; offset: number }): Promise<RecommendationPage>;
  popular(filter: { kind?: string | undefined; genre?: string | undefined; n: number }): Promise<{ modelVersion: number | null; items: Recommendation[] }>;
  similar(titleId: number, n: number): Promise<{ modelVersion: number | null; basis: 'model' | 'text' | 'none'; items: { titleId: number; similarity: number }[] }>;
  /** The catalogue the current snapshot serves (or the database's, before any model). */
  catalog(): Promise<{ catalog: MemoryCatalog; modelVersion: number | null }>;
}

export function apiAnswers(prisma: PrismaClient, serving: Pick<ServingModel, 'current'>): ApiAnswers {
  const users = new PrismaUserSource(prisma);
  const text = textSimilarity(prisma);

  const catalogOf = async (snapshot: ServingSnapshot | undefined) => snapshot?.catalog ?? (await loadCatalog(prisma));
  const genreOf = (catalog: MemoryCatalog, genre: string | undefined) =>
    genre === undefined ? undefined : matchGenre(genre, new Set(catalog.all().flatMap((t) => t.genres)));

  return {
    async recommendations(userId, filter, page) {
      const n = checkCount(page.n, { min: 1, max: MAX_PAGE });
      const snapshot = serving.current();
      const catalog = await catalogOf(snapshot);
      const genre = genreOf(catalog, filter.genre);
      const history = await users.history(userId);
      if (!history) throw new NotFoundError('user', userId, `No user with id ${userId}.`);
      // Excluded titles count as hidden for this request only: the ranked list is then a pure function of
      // (history, model version, filters), so every page of it agrees with the others.
      const asked: UserHistory = { ...history, hidden: [...history.hidden, ...(filter.exclude ?? [])] };
      const options = { count: RANKED_LIST_LENGTH, ...(genre ? { genre } : {}), ...(filter.kind ? { kind: filter.kind } : {}) };
      const list = snapshot ? snapshot.recommender.recommendFor(asked, options) : popularForMember(catalog, asked, options);
      const personal = !!snapshot && history.ratings.some((r) => snapshot.index.has(r.titleId));
      return { modelVersion: snapshot?.versionId ?? null, personal, total: list.length, items: list.slice(page.offset, page.offset + n) };
    },
    async popular(filter) {
      const n = checkCount(filter.n, { min: 1, max: MAX_PAGE });
      const snapshot = serving.current();
      const catalog = await catalogOf(snapshot);
      const genre = genreOf(catalog, filter.genre);
      const prior = snapshot?.recommender.settings.popularityPrior;
      const items = popularForMember(catalog, { ratings: [], hidden: [] }, { count: n, genre, kind: filter.kind, ...(prior === undefined ? {} : { prior }) });
      return { modelVersion: snapshot?.versionId ?? null, items };
    },
    async similar(titleId, n) {
      const count = checkCount(n, { min: 1, max: MAX_PAGE });
      const snapshot = serving.current();
      if (snapshot?.index.has(titleId)) {
        const items = snapshot.recommender.similar(titleId, count).map((s) => ({ titleId: s.titleId, similarity: s.similarity }));
        return { modelVersion: snapshot.versionId, basis: 'model', items };
      }
      // Before a first training, or for a title newer than the model: the titles' text embeddings, as /similar does.
      const neighbours = (await text.neighbours(titleId, count)) ?? [];
      return { modelVersion: null, basis: neighbours.length > 0 ? 'text' : 'none', items: neighbours.map((x) => ({ titleId: x.titleId, similarity: x.similarity })) };
    },
    async catalog() {
      const snapshot = serving.current();
      return { catalog: await catalogOf(snapshot), modelVersion: snapshot?.versionId ?? null };
    },
  };
}
