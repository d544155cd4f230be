import { searchTitles } from '../catalog/search.ts';
import type { PrismaClient } from '../db/client.ts';
import { bytesToVector } from '../embeddings/vector-bytes.ts';
import { activeModelVersion, loadModelVersion, type DeserializeModel } from '../model-store/store.ts';
import { InputError } from '../lib/input-error.ts';
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
      ...(user.vector
        ? { storedVector: { versionId: user.vector.versionId, ratingsCount: user.vector.ratingsCount, vector: bytesToVector(user.vector.vector, user.vector.dimension) } }
        : {}),
    };
  }
}

/**
 * A user id from the command line: a database id ("42"), "discord:<snowflake>" or "movielens:<id>".
 * Throws {@link NotFoundError} when no such user exists.
 */
export async function resolveUserRef(prisma: PrismaClient, ref: string): Promise<number> {
  const text = ref.trim();
  const external = /^(discord|movielens):(\d+)$/i.exec(text);
  if (external) {
    const source = external[1]!.toLowerCase() === 'discord' ? 'discord' : 'dataset';
    const user = await prisma.user.findUnique({ where: { source_externalId: { source, externalId: external[2]! } }, select: { id: true } });
    if (!user) throw new NotFoundError('user', text, `No ${external[1]!.toLowerCase()} user ${external[2]}.`);
    return user.id;
  }
  if (!/^\d+$/.test(text)) {
    throw new InputError(`"${ref}" is not a user id; use a database id (42), discord:<snowflake> or movielens:<id>.`);
  }
  const id = Number(text);
  const user = await prisma.user.findUnique({ where: { id }, select: { id: true } });
  if (!user) throw new NotFoundError('user', id, `No user with id ${id}.`);
  return id;
}

/** A recommender over the active model version, the whole catalogue and users read on demand. */
export interface LoadedRecommender {
  recommender: Recommender;
  versionId: number;
  catalog: MemoryCatalog;
}

/**
 * Loads the active model version (artifacts verified), the catalogue and a Prisma user source into a
 * {@link Recommender}. Throws {@link NoActiveModelError} when no version is active yet.
 */
export async function loadActiveRecommender(
  prisma: PrismaClient,
  deserializeModel: DeserializeModel,
  options: { ef?: number; settings?: Partial<RecommenderSettings> } = {},
): Promise<LoadedRecommender> {
  const active = await activeModelVersion(prisma);
  if (!active) throw new NoActiveModelError('No model version is active yet; train one and promote it first.');
  const [{ model, index }, catalog] = await Promise.all([
    loadModelVersion(prisma, active.id, deserializeModel, options.ef === undefined ? {} : { ef: options.ef }),
    loadCatalog(prisma),
  ]);
  const recommender = new Recommender({
    model,
    index,
    catalog,
    users: new PrismaUserSource(prisma),
    versionId: active.id,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  return { recommender, versionId: active.id, catalog };
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
    const title = await prisma.title.findUnique({ where: { id: Number(text) }, select: { id: true } });
    if (!title) throw new NotFoundError('title', Number(text), `No title with id ${text}.`);
    return title.id;
  }
  const movielens = /^movielens:(\d+)$/i.exec(text);
  if (movielens) {
    const title = await prisma.title.findUnique({ where: { movielensId: Number(movielens[1]) }, select: { id: true } });
    if (!title) throw new NotFoundError('title', text, `No title with MovieLens id ${movielens[1]}.`);
    return title.id;
  }
  const [best] = await searchTitles(prisma, text, { limit: 1 });
  if (!best) throw new NotFoundError('title', text, `No title matches "${text}".`);
  return best.id;
}
