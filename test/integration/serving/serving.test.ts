import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { modelChannel, publishModelChange } from '../../../src/serving/publish.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, randomDaeModel, REDIS_URL, seedCatalogue, uniquePrefix, waitFor, type GeneratedCatalogue } from '../worker/support.ts';

const prefix = uniquePrefix('serving');
let db: TestDatabase;
let catalogue: GeneratedCatalogue;
let publisher: Redis;
const holders: ServingModel[] = [];

async function saveRandomVersion(seed: number): Promise<number> {
  const model = randomDaeModel(catalogue.titleIds, 6, seed);
  const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 40 });
  return saveModelVersion(db.prisma, { model, index });
}

function holder(): ServingModel {
  const created = createServingModel({ prisma: db.prisma, redisUrl: REDIS_URL, prefix, deserialize: deserializeModel, pollIntervalMs: 0 });
  holders.push(created);
  return created;
}

beforeAll(async () => {
  db = await createTestDatabase();
  catalogue = await seedCatalogue(db.prisma, { titles: 40, users: 12 });
  publisher = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const h of holders) await h.stop();
  publisher?.disconnect();
  await dropPrefix(prefix);
  await db?.drop();
});

describe('serving model', () => {
  it('starts empty before any promotion, then picks up the first promoted version when told', async () => {
    const serving = holder();
    await serving.start();
    expect(serving.current()).toBeUndefined();
    expect(() => serving.require()).toThrow(/No model version is active/);
    const id = await saveRandomVersion(1);
    await promoteModelVersion(db.prisma, id);
    expect(await publishModelChange(publisher, prefix, id)).toBeGreaterThanOrEqual(1);
    await waitFor(() => serving.current()?.versionId === id, 'the first version to load');
  });

  it('a process that starts later loads the active version at once', async () => {
    const serving = holder();
    await serving.start();
    const active = await db.prisma.modelVersion.findFirstOrThrow({ where: { status: 'active' } });
    expect(serving.current()?.versionId).toBe(active.id);
  });

  it('without a change channel, learns of a promotion only from its own check', async () => {
    const serving = createServingModel({ prisma: db.prisma, deserialize: deserializeModel, pollIntervalMs: 0 });
    holders.push(serving);
    await serving.start();
    const before = serving.require().versionId;
    const next = await saveRandomVersion(4);
    await promoteModelVersion(db.prisma, next);
    // Announced on Redis, but this holder does not listen there.
    await publishModelChange(publisher, prefix, next);
    expect(serving.current()?.versionId).toBe(before);
    expect((await serving.refresh())?.versionId).toBe(next);
    expect(serving.current()?.versionId).toBe(next);
  });

  it('swaps to a newly promoted version while answering; requests during the swap all succeed', async () => {
    const serving = holder();
    await serving.start();
    const oldSnapshot = serving.require();
    const userId = catalogue.userIds[0]!;
    const next = await saveRandomVersion(2);
    let answered = 0;
    const failures: unknown[] = [];
    const versionsSeen = new Set<number>();
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const snapshot = serving.require();
        try {
          const recs = await snapshot.recommender.recommend(userId, { count: 5 });
          if (recs.length !== 5) throw new Error(`got ${recs.length} recommendations`);
          versionsSeen.add(snapshot.versionId);
          answered += 1;
        } catch (error) {
          failures.push(error);
        }
      }
    })();
    await waitFor(() => answered >= 5, 'requests before the swap');
    await promoteModelVersion(db.prisma, next);
    await publishModelChange(publisher, prefix, next);
    await waitFor(() => serving.current()?.versionId === next, 'the swap');
    const afterSwap = answered;
    await waitFor(() => answered >= afterSwap + 5, 'requests after the swap');
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect([...versionsSeen].sort()).toEqual([oldSnapshot.versionId, next].sort());
    // A request that took the old snapshot before the swap can still finish with it.
    expect(await oldSnapshot.recommender.recommend(userId, { count: 3 })).toHaveLength(3);
    expect(oldSnapshot.versionId).not.toBe(next);
  });

  it('ignores malformed messages and survives a version that fails to load', async () => {
    const serving = holder();
    await serving.start();
    const before = serving.require().versionId;
    await publisher.publish(modelChannel(prefix), 'not json');
    // A version whose artifacts were removed cannot load: the holder keeps serving the current one.
    const broken = await saveRandomVersion(3);
    await db.prisma.modelArtifact.deleteMany({ where: { versionId: broken, name: 'index' } });
    await promoteModelVersion(db.prisma, broken);
    await expect(serving.refresh()).rejects.toThrow(/no "index" artifact/);
    expect(serving.require().versionId).toBe(before);
    const recs = await serving.require().recommender.recommend(catalogue.userIds[1]!, { count: 2 });
    expect(recs).toHaveLength(2);
  });
});
