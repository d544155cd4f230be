import { SearchQueryError } from '../catalog/search.ts';
import { UserError } from '../lib/user-error.ts';
import { loadConfig, requireDatabaseUrl } from '../config.ts';
import { createPrisma, describeConnectionError, type PrismaClient } from '../db/client.ts';
import { InputError } from '../lib/input-error.ts';
import { ModelStoreError } from '../model-store/store.ts';
import type { MemoryCatalog } from '../recommend/catalog.ts';
import { loadActiveRecommender, NoActiveModelError, resolveTitleRef, resolveUserRef } from '../recommend/prisma-sources.ts';
import type { Recommender } from '../recommend/recommender.ts';
import { NotFoundError } from '../recommend/types.ts';

/** What the recommend/similar commands work with. */
export interface RecommenderSession {
  prisma: PrismaClient;
  recommender: Recommender;
  catalog: MemoryCatalog;
  versionId: number;
  resolveUserRef: typeof resolveUserRef;
  resolveTitleRef: typeof resolveTitleRef;
  toUserError: (error: unknown) => unknown;
}

/**
 * Errors the person at the terminal can act on (the domain's {@link InputError} among them) become one-line
 * {@link UserError}s; others, a RangeError included, are bugs and pass through.
 */
function toUserError(error: unknown): unknown {
  if (error instanceof NotFoundError || error instanceof NoActiveModelError || error instanceof ModelStoreError || error instanceof SearchQueryError || error instanceof InputError) {
    return new UserError(error.message);
  }
  return error;
}

/** Connects, loads the active model version and catalogue, runs `work`, and always disconnects. */
export async function withRecommender(work: (session: RecommenderSession) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const url = requireDatabaseUrl(config);
  const prisma = createPrisma(url);
  try {
    // The stored model alone, not the model package (which loads TensorFlow.js for training); and no HNSW
    // graph: one query scans the title vectors exactly, faster than reading the graph back.
    const { deserializeModel } = await import('../model/embedding-model.ts');
    let loaded;
    try {
      loaded = await loadActiveRecommender(prisma, deserializeModel, { graph: false });
    } catch (error) {
      const converted = toUserError(error);
      throw converted === error ? describeConnectionError(error, url) : converted;
    }
    await work({ prisma, ...loaded, resolveUserRef, resolveTitleRef, toUserError });
  } finally {
    await prisma.$disconnect();
  }
}
