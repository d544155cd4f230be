import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';
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

/**
 * Ranked lists kept per (user, model version, filters); each is up to {@link RANKED_LIST_LENGTH} titles. Bounded by
 * an estimate of their heap bytes as well as by count, so deep pages (100-title lists) cannot grow the API process
 * past its memory budget: 16 MiB holds about 4,500 first-page lists of 20 titles or 900 whole lists.
 */
export const RANKED_LIST_CACHE = { max: 5_000, maxBytes: 16 * 2 ** 20, ttlMs: 10 * 60_000 } as const;

/**
 * Heap bytes a kept list holds, estimated: measured with Node 20 at about 112 bytes per item besides its reason text
 * (names and genres are the catalogue's own strings and arrays, shared, not copied), plus the entry itself.
 */
export function rankedListBytes(list: { list: readonly Pick<Recommendation, 'reason'>[]; stamp: string }): number {
  let bytes = 160 + list.stamp.length;
  for (const item of list.list) bytes += 112 + item.reason.length;
  return bytes;
}
/** A miss ranks at least this much of the list (two pages of 10), so the next page is usually kept too. */
const MIN_RANKED = 20;

interface RankedList {
  personal: boolean;
  /** The list's start, as far as it was ranked. */
  list: Recommendation[];
  /** The whole list's length. */
  total: number;
}

interface CachedList extends RankedList {
  stamp: string;
}

/**
 * What a member's ranked list depends on besides the model version and filters, in one cheap query (count and max
 * in one aggregate per table, so PostgreSQL reads the member's rows by primary key: a max(updated_at) alone is
 * planned as a backward scan of the global updated_at index, 47 ms for a member whose ratings are old): counts and
 * latest changes of their ratings and hidden titles, and their stored vector's time. Any rating stored, changed
 * or removed, any title hidden or shown again, any vector rebuilt changes it. Times come as text, so the stamp
 * is the same string whichever client reads it. $1: the user id.
 */
const HISTORY_STAMP_SQL = `
  SELECT EXISTS (SELECT 1 FROM users WHERE id = $1) AS known, r.ratings, r.rated::text AS rated, h.hidden, h.hid::text AS hid,
         (SELECT updated_at FROM user_vectors WHERE user_id = $1)::text AS vector
  FROM (SELECT count(*)::int AS ratings, max(updated_at) AS rated FROM ratings WHERE user_id = $1) r,
       (SELECT count(*)::int AS hidden, max(created_at) AS hid FROM hidden_titles WHERE user_id = $1) h`;

interface StampRow {
  known: boolean;
  ratings: number;
  rated: string | null;
  hidden: number;
  hid: string | null;
  vector: string | null;
}

/** Where the API can run its own statements: the node-postgres pool its Prisma client runs over. */
export type StatementPool = Pick<pg.Pool, 'query'>;

/**
 * The member's history stamp ({@link HISTORY_STAMP_SQL}); undefined for an unknown user. With `pool`, a named
 * prepared statement on it: parsed and planned once per connection, and about 4x less client CPU per request than
 * the same query through Prisma ($queryRaw: 0.59 vs 0.14 ms, 1,500 calls each on ml-latest-small's users); it is
 * the one database round trip of a cached answer, so it is read on every request (a change made anywhere, by
 * the bot, an import or another API process, is in the very next answer).
 */
export async function historyStamp(prisma: Pick<PrismaClient, '$queryRawUnsafe'>, userId: number, pool?: StatementPool): Promise<string | undefined> {
  const row = pool
    ? (await pool.query<StampRow>({ name: 'tastebud-history-stamp', text: HISTORY_STAMP_SQL, values: [userId] })).rows[0]
    : (await prisma.$queryRawUnsafe<StampRow[]>(HISTORY_STAMP_SQL, userId))[0];
  if (!row?.known) return undefined;
  return `${row.ratings}:${row.rated ?? ''}:${row.hidden}:${row.hid ?? ''}:${row.vector ?? ''}`;
}

const CACHE_METRIC = 'tastebud_api_ranked_list_cache_total';

/** The hit/miss counter on a registry (one per registry, however many apps share it). */
function cacheCounter(registry: Registry): Counter<'result'> {
  const existing = registry.getSingleMetric(CACHE_METRIC);
  if (existing) return existing as Counter<'result'>;
  return new Counter({ name: CACHE_METRIC, help: 'Recommendation requests answered from a kept ranked list (hit) or ranked anew (miss).', labelNames: ['result'], registers: [registry] });
}

/** `pool`: the history stamp runs on it as a prepared statement ({@link historyStamp}); without it, through Prisma. */
export function apiAnswers(prisma: PrismaClient, serving: Pick<ServingModel, 'current'>, options: { cache?: boolean; registry?: Registry; pool?: StatementPool } = {}): ApiAnswers {
  const users = new PrismaUserSource(prisma);
  const text = textSimilarity(prisma);
  const lists =
    options.cache === false
      ? undefined
      : new LRUCache<string, CachedList>({ max: RANKED_LIST_CACHE.max, maxSize: RANKED_LIST_CACHE.maxBytes, sizeCalculation: rankedListBytes, ttl: RANKED_LIST_CACHE.ttlMs });
  const lookups = options.registry ? cacheCounter(options.registry) : undefined;

  const catalogOf = async (snapshot: ServingSnapshot | undefined) => snapshot?.catalog ?? (await loadCatalog(prisma));
  const genreOf = (catalog: MemoryCatalog, genre: string | undefined) => (genre === undefined ? undefined : matchGenre(genre, new Set(catalog.all().flatMap((t) => t.genres))));

  /** The member's whole ranked list under the snapshot (popular titles before any model). */
  const rank = async (
    userId: number,
    snapshot: ServingSnapshot | undefined,
    catalog: MemoryCatalog,
    filter: { genre: string | undefined; kind: string | undefined; exclude: number[] },
    first: number,
  ): Promise<RankedList> => {
    const history = await users.history(userId);
    if (!history) throw new NotFoundError('user', userId, `No user with id ${userId}.`);
    // Excluded titles count as hidden for this request only, so every page of the list agrees with the others.
    const asked: UserHistory = { ...history, hidden: [...history.hidden, ...filter.exclude] };
    const options = { count: RANKED_LIST_LENGTH, ...(filter.genre ? { genre: filter.genre } : {}), ...(filter.kind ? { kind: filter.kind } : {}) };
    // Only the start a page needs is ranked; it is exactly the start of the whole list (Recommender.recommendPrefix).
    const ranked = snapshot ? snapshot.recommender.recommendPrefix(asked, options, first) : undefined;
    const list = ranked?.items ?? popularForMember(catalog, asked, options);
    return { personal: !!snapshot && history.ratings.some((r) => snapshot.index.has(r.titleId)), list, total: ranked?.total ?? list.length };
  };

  return {
    async recommendations(userId, filter, page) {
      const n = checkCount(page.n, { min: 1, max: MAX_PAGE });
      const snapshot = serving.current();
      const catalog = await catalogOf(snapshot);
      const genre = genreOf(catalog, filter.genre);
      const exclude = [...new Set(filter.exclude ?? [])].sort((a, b) => a - b);
      // The ranked list is a pure function of (history, model version, filters): kept per key while the stamp holds.
      const key = snapshot && lists ? `${userId}|${snapshot.versionId}|${filter.kind ?? ''}|${genre ?? ''}|${exclude.join(',')}` : undefined;
      const stamp = key ? await historyStamp(prisma, userId, options.pool) : undefined;
      if (key && stamp === undefined) throw new NotFoundError('user', userId, `No user with id ${userId}.`);
      const needed = Math.min(RANKED_LIST_LENGTH, page.offset + n);
      const cached = key ? lists!.get(key) : undefined;
      const hit = cached && cached.stamp === stamp && cached.list.length >= Math.min(needed, cached.total) ? cached : undefined;
      const answer = hit ?? (await rank(userId, snapshot, catalog, { genre, kind: filter.kind, exclude }, Math.max(needed, MIN_RANKED, 2 * (cached?.list.length ?? 0))));
      if (key && !hit) lists!.set(key, { ...answer, stamp: stamp! });
      if (key) lookups?.inc({ result: hit ? 'hit' : 'miss' });
      return { modelVersion: snapshot?.versionId ?? null, personal: answer.personal, total: answer.total, items: answer.list.slice(page.offset, page.offset + n) };
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
