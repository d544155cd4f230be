import type { PrismaClient } from '../db/client.ts';
import { searchTitles, SearchQueryError, type TitleKind } from '../catalog/search.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { MemoryCatalog } from '../recommend/catalog.ts';
import { popularForMember } from '../recommend/popular.ts';
import { loadCatalog, PrismaUserSource, type RecommenderSnapshot } from '../recommend/prisma-sources.ts';
import { textSimilarity } from '../recommend/text-similar.ts';
import { NotFoundError, type Recommendation, type UserHistory } from '../recommend/types.ts';
import type { ServingModel } from '../serving/serving-model.ts';
import { groupSuggestions } from './group-recommend.ts';
import type { BotRecommender, CatalogueCoverage, SimilarAnswer, SimilarTitleResult, SuggestedTitle, TitleSearch, TitleSummary } from './ports.ts';

const SUMMARY = { id: true, name: true, year: true, genres: true, kind: true, ratingCount: true, ratingMean: true } as const;

/** {@link TitleSearch} over the catalogue's trigram search; an empty query lists the most-rated titles. */
export function catalogTitleSearch(prisma: PrismaClient): TitleSearch {
  return {
    async search(query, { kind, limit }) {
      if (query.trim() === '') {
        return prisma.title.findMany({ where: kind ? { kind: kind as TitleKind } : {}, orderBy: [{ ratingCount: 'desc' }, { id: 'asc' }], take: limit, select: SUMMARY });
      }
      try {
        return await searchTitles(prisma, query, { ...(kind ? { kind: kind as TitleKind } : {}), limit });
      } catch (error) {
        // A query with nothing searchable simply matches nothing; the caller explains.
        if (error instanceof SearchQueryError) return [];
        throw error;
      }
    },
    async get(titleId) {
      return (await prisma.title.findUnique({ where: { id: titleId }, select: SUMMARY })) ?? undefined;
    },
  };
}

export type { RecommenderSnapshot };

/**
 * {@link BotRecommender} over the serving holder ({@link createServingModel}): a promotion announced on
 * Redis swaps the model for every later request, while a request already running keeps the snapshot it
 * started with. Before any version is active, every member gets popular, varied titles.
 */
export function servingRecommender(prisma: PrismaClient, serving: Pick<ServingModel, 'current'>): BotRecommender {
  return snapshotRecommender(prisma, () => serving.current());
}

const toSuggested = (r: Recommendation, catalogTitle: TitleSummary | undefined): SuggestedTitle => ({
  id: r.titleId,
  name: r.name,
  year: r.year,
  genres: r.genres,
  kind: r.kind,
  ratingCount: catalogTitle?.ratingCount ?? 0,
  ratingMean: catalogTitle?.ratingMean ?? null,
  reason: r.reason,
});

function similarResult(catalog: MemoryCatalog, titleId: number, similarity: number): SimilarTitleResult[] {
  const t = catalog.get(titleId);
  return t ? [{ id: t.id, name: t.name, year: t.year, genres: t.genres, kind: t.kind, ratingCount: t.ratingCount, ratingMean: t.ratingMean, similarity }] : [];
}

/** Neighbours in the model's space; undefined when there is no model or the title is newer than it. */
function modelSimilar(model: RecommenderSnapshot | undefined, titleId: number, count: number): SimilarTitleResult[] | undefined {
  if (!model) return undefined;
  try {
    const titles = model.recommender.similar(titleId, count).flatMap((s) => similarResult(model.catalog, s.titleId, s.similarity));
    return titles.length > 0 ? titles : undefined;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** How many titles match the filter, and how many of those the member rated or hid. */
async function catalogueCoverage(prisma: PrismaClient, userId: number | undefined, { genre, kind }: { genre?: string | undefined; kind?: string | undefined }): Promise<CatalogueCoverage> {
  const [row] = await prisma.$queryRaw<{ titles: bigint; ratedOrHidden: bigint }[]>`
    SELECT count(*) AS titles,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ratings r WHERE r.user_id = ${userId ?? null}::int AND r.title_id = t.id)
        OR EXISTS (SELECT 1 FROM hidden_titles h WHERE h.user_id = ${userId ?? null}::int AND h.title_id = t.id)) AS "ratedOrHidden"
    FROM titles t
    WHERE ${kind ? Prisma.sql`t.kind = ${kind}::title_kind` : Prisma.sql`true`} AND ${genre ? Prisma.sql`${genre} = ANY (t.genres)` : Prisma.sql`true`}`;
  return { titles: Number(row!.titles), ratedOrHidden: Number(row!.ratedOrHidden) };
}

/** The recommendation logic over whichever snapshot `snapshot()` returns when a request starts. */
function snapshotRecommender(prisma: PrismaClient, snapshot: () => RecommenderSnapshot | undefined): BotRecommender {
  const users = new PrismaUserSource(prisma);

  async function historyOf(userId: number | undefined): Promise<UserHistory> {
    return (userId === undefined ? undefined : await users.history(userId)) ?? { userId: 0, ratings: [], hidden: [] };
  }

  const text = textSimilarity(prisma);

  /** Before any version is active: the same popular list a model's recommender gives ({@link popularForMember}). */
  async function popularWithoutModel(history: UserHistory, filter: { count: number; genre?: string | undefined; kind?: string | undefined }): Promise<SuggestedTitle[]> {
    const catalog = await loadCatalog(prisma);
    return popularForMember(catalog, history, filter).map((r) => toSuggested(r, catalog.get(r.titleId)));
  }

  return {
    async recommend(userId, { count, genre, kind }) {
      const history = await historyOf(userId);
      const model = snapshot();
      if (!model) return { titles: await popularWithoutModel(history, { count, genre, kind }), modelVersionId: null, personal: false };
      const known = history.ratings.some((r) => model.catalog.get(r.titleId));
      const recs = model.recommender.recommendFor(history, { count, ...(genre ? { genre } : {}), ...(kind ? { kind } : {}) });
      return { titles: recs.map((r) => toSuggested(r, model.catalog.get(r.titleId))), modelVersionId: model.versionId, personal: known };
    },
    async onboarding(userId, count) {
      const history = await historyOf(userId);
      const model = snapshot();
      if (!model) return { titles: await popularWithoutModel(history, { count }), modelVersionId: null, personal: false };
      const recs = popularForMember(model.catalog, history, { count, prior: model.recommender.settings.popularityPrior });
      return { titles: recs.map((r) => toSuggested(r, model.catalog.get(r.titleId))), modelVersionId: model.versionId, personal: false };
    },
    async similar(titleId, count): Promise<SimilarAnswer> {
      const byModel = modelSimilar(snapshot(), titleId, count);
      if (byModel) return { basis: 'model', titles: byModel };
      const neighbours = await text.neighbours(titleId, count);
      if (!neighbours || neighbours.length === 0) return { basis: 'none' };
      const catalog = await loadCatalog(prisma);
      return { basis: 'text', titles: neighbours.flatMap((n) => similarResult(catalog, n.titleId, n.similarity)) };
    },
    async genres() {
      const rows = await prisma.$queryRaw<{ genre: string }[]>`SELECT DISTINCT unnest(genres) AS genre FROM titles ORDER BY 1`;
      return rows.map((r) => r.genre).filter((g) => !g.startsWith('('));
    },
    async kinds() {
      const rows = await prisma.title.groupBy({ by: ['kind'] });
      return rows.map((r) => r.kind);
    },
    coverage: (userId, filter) => catalogueCoverage(prisma, userId, filter),
    async forGroup(request) {
      const model = await snapshot();
      return groupSuggestions(users, model, model?.catalog ?? (await loadCatalog(prisma)), request);
    },
  };
}
