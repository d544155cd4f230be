import type { PrismaClient } from '../../../src/db/client.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { trainModel } from '../../../src/model/train.ts';
import type { Rating } from '../../../src/model/types.ts';

export const GENRES = ['Action', 'Comedy', 'Horror', 'Romance'] as const;

/**
 * A small catalogue (10 titles per genre; title 0 of Action is "Heat" 1995) rated by 40 dataset users
 * who each love one genre, and a real model trained on it, saved and promoted through the model store.
 */
export async function seedWorldWithModel(prisma: PrismaClient): Promise<{ titleIds: number[]; byName: Map<string, number>; versionId: number }> {
  const titleIds: number[] = [];
  const byName = new Map<string, number>();
  for (const [g, genre] of GENRES.entries()) {
    for (let i = 0; i < 10; i++) {
      const name = g === 0 && i === 0 ? 'Heat' : `${genre} Story ${i + 1}`;
      const title = await prisma.title.create({
        data: { name, year: 1990 + i, genres: [genre], searchName: name.toLowerCase(), movielensId: g * 100 + i },
        select: { id: true },
      });
      titleIds.push(title.id);
      byName.set(name, title.id);
    }
  }
  const ratings: Rating[] = [];
  const now = Date.now();
  for (let u = 0; u < 40; u++) {
    const user = await prisma.user.create({ data: { source: 'dataset', externalId: String(u) }, select: { id: true } });
    const loved = u % GENRES.length;
    for (let i = 0; i < 10; i++) {
      if ((u + i) % 3 === 0) continue;
      ratings.push({ userId: user.id, titleId: titleIds[loved * 10 + i]!, value: 5 - (i % 2) * 0.5, ratedAt: now - i * 1000 });
    }
    ratings.push({ userId: user.id, titleId: titleIds[((loved + 1) % GENRES.length) * 10 + (u % 10)]!, value: 1.5, ratedAt: now });
  }
  await prisma.rating.createMany({ data: ratings.map((r) => ({ userId: r.userId, titleId: r.titleId, value: r.value, source: 'import' as const, updatedAt: new Date(r.ratedAt) })) });
  for (const titleId of titleIds) {
    const own = ratings.filter((r) => r.titleId === titleId);
    await prisma.title.update({
      where: { id: titleId },
      data: { ratingCount: own.length, ratingMean: own.length ? own.reduce((s, r) => s + r.value, 0) / own.length : null },
    });
  }
  const model = await trainModel({ ratings, titleIds }, { dimension: 8, epochs: 15, batchSize: 8, patience: 20, validationFraction: 0, learningRate: 0.01, backend: 'cpu' });
  const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { m: 8, efConstruction: 50, ef: 50 });
  const versionId = await saveModelVersion(prisma, { model, index, metrics: { ndcgAt10: 0.5 }, trainingRatings: ratings.length });
  await promoteModelVersion(prisma, versionId, 'test');
  return { titleIds, byName, versionId };
}
