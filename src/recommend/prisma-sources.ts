import { searchTitles } from '../catalog/search.ts';
import type { PrismaClient } from '../db/client.ts';
import { bytesToVector } from '../embeddings/vector-bytes.ts';
import { MAX_DATABASE_ID, parseUserRef, userNotFoundMessage, userWhere } from '../lib/user-ref.ts';
import { activeModelVersion, loadModelVersion, type DeserializeModel, type LoadedModelVersion } from '../model-store/store.ts';
import { MemoryCatalog } from './catalog.ts';
import { Recommender, type RecommenderSettings } from './recommender.ts';
import { NotFoundError, type UserHistory, type UserSource } from './types.ts';

/** Every title's metadata, read once into memory (about 10k rows for MovieLens small). */
export async function loadCatalog(prisma: PrismaClient): Promise<MemoryCatalog> {
  const rows = await prisma.title.findMany({
    select: { id: true, name: true, year: true, genres: true, kind: true, ratingCount: true, ratingMean: true },
  });
  return new MemoryCatalog(rows);
}

/** Users' ratings, hidden titles and stored vectors from PostgreSQL. */
export class PrismaUserSource implements UserSource {
  constructor(private readonly prisma: PrismaClient) {}

  async history(userId: number): Promise<UserHistory | undefined> {
    const user = await this.prisma.user.findUnique({
      where: { id: userId },
      select: {
        ratings: { select: { titleId: true, value: true, updatedAt: true } },
        hidden: { select: { titleId: true } },
        vector: { select: { versionId: true, vector: true, dimension: true, ratingsCount: true } },
      },
    });
    if (!user) return undefined;
    return {
      userId,
      ratings: user.ratings.map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() })),
      hidden: user.hidden.map((h) => h.titleId),
      ...(user.vector ? { storedVector: { versionId: user.vector.versionId, ratingsCount: user.vector.ratingsCount, vector: bytesToVector(user.vector.vector, user.vector.dimension) } } : {}),
    };
  }
}

/**
 * A user from the command line, as {@link parseUserRef} reads it (database id, Discord id with or without
 * `discord:`, or `movielens:<id>`). Throws {@link UserRefError} (an InputError) for text that names nobody and
 * {@link NotFoundError} naming what was looked up when no such user exists.
 */
export async function resolveUserRef(prisma: PrismaClient, text: string): Promise<number> {
  const ref = parseUserRef(text);
  const user = await prisma.user.findUnique({ where: userWhere(ref), select: { id: true } });
  if (!user) throw new NotFoundError('user', text.trim(), userNotFoundMessage(text, ref));
  return user.id;
}

/** A recommender over the active model version, the whole catalogue and users read on demand. */
export interface LoadedRecommender {
  recommender: Recommender;
  versionId: number;
  catalog: MemoryCatalog;
}

/** The model a request is served from: one immutable snapshot, taken once per request. */
export type RecommenderSnapshot = Pick<LoadedRecommender, 'versionId' | 'recommender' | 'catalog'>;

/**
 * Loads the active model version (artifacts verified), the catalogue and a Prisma user source into a
 * {@link Recommender}. Throws {@link NoActiveModelError} when no version is active yet.
 */
export async function loadActiveRecommender(
  prisma: PrismaClient,
  deserializeModel: DeserializeModel,
  options: { ef?: number; graph?: boolean; settings?: Partial<RecommenderSettings> } = {},
): Promise<LoadedRecommender> {
  const active = await activeModelVersion(prisma);
  if (!active) throw new NoActiveModelError('No model version is active yet; train one and promote it first.');
  const { recommender, versionId, catalog } = await loadVersionRecommender(prisma, active.id, deserializeModel, options);
  return { recommender, versionId, catalog };
}

/** Loads one model version (artifacts verified) and the catalogue, and builds a {@link Recommender} over them. */
export async function loadVersionRecommender(
  prisma: PrismaClient,
  versionId: number,
  deserializeModel: DeserializeModel,
  options: { ef?: number; graph?: boolean; settings?: Partial<RecommenderSettings> } = {},
): Promise<LoadedRecommender & LoadedModelVersion> {
  const [loaded, catalog] = await Promise.all([
    loadModelVersion(prisma, versionId, deserializeModel, {
      ...(options.ef === undefined ? {} : { ef: options.ef }),
      ...(options.graph === undefined ? {} : { graph: options.graph }),
    }),
    loadCatalog(prisma),
  ]);
  const recommender = new Recommender({
    model: loaded.model,
    index: loaded.index,
    catalog,
    users: new PrismaUserSource(prisma),
    versionId: loaded.version.id,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  return { ...loaded, recommender, versionId: loaded.version.id, catalog };
}

/** Nothing to recommend with: no model version has been promoted. */
export class NoActiveModelError extends Error {
  override name = 'NoActiveModelError';
}

/**
 * A title from the command line: a database id ("42"), "movielens:<id>", or a name, optionally with its
 * year ("Heat (1995)"), looked up with the catalogue's title search (best match wins). Throws
 * {@link NotFoundError} when nothing matches.
 */
export async function resolveTitleRef(prisma: PrismaClient, ref: string): Promise<number> {
  const text = ref.trim();
  if (/^\d+$/.test(text)) {
    if (Number(text) < 1 || Number(text) > MAX_DATABASE_ID) throw new NotFoundError('title', text, `No title with id ${text}: database ids are 1 to ${MAX_DATABASE_ID}.`);
    const title = await prisma.title.findUnique({ where: { id: Number(text) }, select: { id: true } });
    if (!title) throw new NotFoundError('title', Number(text), `No title with id ${text}.`);
    return title.id;
  }
  const movielens = /^movielens:(\d+)$/i.exec(text);
  if (movielens) {
    if (Number(movielens[1]) > MAX_DATABASE_ID) throw new NotFoundError('title', text, `No title with MovieLens id ${movielens[1]}.`);
    const title = await prisma.title.findUnique({ where: { movielensId: Number(movielens[1]) }, select: { id: true } });
    if (!title) throw new NotFoundError('title', text, `No title with MovieLens id ${movielens[1]}.`);
    return title.id;
  }
  const [best] = await searchTitles(prisma, text, { limit: 1 });
  if (!best) throw new NotFoundError('title', text, `No title matches "${text}".`);
  return best.id;
}
