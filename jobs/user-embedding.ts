import type { PrismaClient } from '../src/db/client.ts';
import { vectorToBytes } from '../src/embeddings/vector-bytes.ts';
import type { Logger } from '../src/log.ts';
import type { ServingModel } from '../src/serving/serving-model.ts';

export interface UserEmbeddingDeps {
  prisma: PrismaClient;
  /** The worker's hot-swapped active model. */
  serving: Pick<ServingModel, 'current'>;
  logger?: Logger;
}

export type UserEmbeddingResult =
  { status: 'stored'; userId: number; versionId: number; ratings: number } | { status: 'cleared'; userId: number; versionId: number } | { status: 'skipped'; userId: number; reason: string };

/** Single-bigint advisory keys of user-vector writes (the rating store uses the two-int key space). */
const USER_VECTOR_LOCK_BASE = 1_000_000_000_000n;

/**
 * Rebuilds one user's vector from all their ratings with the active model and stores it in user_vectors
 * (little-endian float32), so every bot serves it at once. Reading the ratings and writing the vector
 * happen in one transaction under a per-user advisory lock, so of two rebuilds racing for the same user
 * the later one always writes last and the stored vector reflects every rating committed before it.
 */
export async function rebuildUserVector(deps: UserEmbeddingDeps, userId: number): Promise<UserEmbeddingResult> {
  if (!Number.isInteger(userId) || userId < 1) throw new RangeError(`user-embedding job needs a positive integer userId, got ${String(userId)}.`);
  const snapshot = deps.serving.current();
  if (!snapshot) return { status: 'skipped', userId, reason: 'no model version is active yet' };
  const { model, versionId } = snapshot;
  return deps.prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${USER_VECTOR_LOCK_BASE + BigInt(userId)}::bigint)`;
      const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true } });
      if (!user) return { status: 'skipped', userId, reason: 'the user no longer exists' } as const;
      const ratings = await tx.rating.findMany({ where: { userId }, select: { titleId: true, value: true, updatedAt: true } });
      if (ratings.length === 0) {
        await tx.userVector.deleteMany({ where: { userId } });
        return { status: 'cleared', userId, versionId } as const;
      }
      const vector = model.userVector(ratings.map((r) => ({ titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() })));
      const data = { versionId, dimension: vector.length, vector: vectorToBytes(vector), ratingsCount: ratings.length };
      await tx.userVector.upsert({ where: { userId }, create: { userId, ...data }, update: data });
      return { status: 'stored', userId, versionId, ratings: ratings.length } as const;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}
