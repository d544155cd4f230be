import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchNameOf } from '../../../src/catalog/names.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import type { TrainedModel } from '../../../src/model/types.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { UserRefError } from '../../../src/lib/user-ref.ts';
import { loadActiveRecommender, NoActiveModelError, resolveTitleRef, resolveUserRef } from '../../../src/recommend/prisma-sources.ts';
import { NotFoundError } from '../../../src/recommend/types.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const GENRES = ['Action', 'Drama', 'Comedy'];
const dimension = 4;

/** Each genre owns one axis; the user vector is the rating-weighted mean of rated titles (the interface, no TF.js). */
function axisModel(titleIds: number[]): TrainedModel {
  const vectors = new Float32Array(titleIds.length * dimension);
  titleIds.forEach((_, row) => {
    vectors[row * dimension + (row % 3)] = 1 + (row % 5) * 0.1;
    vectors[row * dimension + 3] = 0.1;
  });
  const rowOf = new Map(titleIds.map((id, row) => [id, row]));
  return {
    architecture: 'axis-test',
    backend: 'none',
    dimension,
    titleIds,
    titleVectors: vectors,
    userVector(history) {
      const out = new Float32Array(dimension);
      for (const r of history) {
        const row = rowOf.get(r.titleId);
        if (row === undefined) continue;
        for (let d = 0; d < dimension; d++) out[d]! += (r.value - 3) * vectors[row * dimension + d]!;
      }
      return out;
    },
    serialize: () => new Map([['ids.json', new TextEncoder().encode(JSON.stringify(titleIds))]]),
  };
}
const deserialize = (parts: Map<string, Uint8Array>) => axisModel(JSON.parse(new TextDecoder().decode(parts.get('ids.json'))) as number[]);

let db: TestDatabase;
const titleIds: number[] = [];
let fanId = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  for (let i = 0; i < 30; i++) {
    const name = i === 0 ? 'Heat' : `${GENRES[i % 3]} Film ${i}`;
    const title = await db.prisma.title.create({
      data: { name, year: 1995, genres: [GENRES[i % 3]!], searchName: searchNameOf(name), movielensId: 6 + i, ratingCount: 30 - i, ratingMean: 3.5, kind: i === 29 ? 'show' : 'movie' },
    });
    titleIds.push(title.id);
  }
  const fan = await db.prisma.user.create({ data: { source: 'discord', externalId: '123456789012345678' } });
  fanId = fan.id;
  await db.prisma.user.create({ data: { source: 'dataset', externalId: '1' } });
  // Loves action titles 0, 3, 6; hides action title 9.
  for (const row of [0, 3, 6]) await db.prisma.rating.create({ data: { userId: fanId, titleId: titleIds[row]!, value: 5, source: 'command' } });
  await db.prisma.hiddenTitle.create({ data: { userId: fanId, titleId: titleIds[9]! } });
});
afterAll(async () => {
  await db?.drop();
});

describe('recommend over PostgreSQL', () => {
  it('explains that no model is active yet', async () => {
    await expect(loadActiveRecommender(db.prisma, deserialize)).rejects.toThrow(NoActiveModelError);
  });

  it('recommends from the active version, skipping rated and hidden titles', async () => {
    const model = axisModel(titleIds);
    const index = TitleIndex.build(titleIds, model.titleVectors, dimension);
    await promoteModelVersion(db.prisma, await saveModelVersion(db.prisma, { model, index }));
    const { recommender, catalog } = await loadActiveRecommender(db.prisma, deserialize);
    expect(catalog.all()).toHaveLength(30);

    const results = await recommender.recommend(fanId, { count: 5 });
    const ids = results.map((r) => r.titleId);
    for (const row of [0, 3, 6, 9]) expect(ids).not.toContain(titleIds[row]);
    expect(results[0]!.genres).toEqual(['Action']);
    expect(results[0]!.reason).toMatch(/^because you liked (Heat|Action Film \d+) \(1995\)$/);

    const newcomer = await resolveUserRef(db.prisma, 'movielens:1');
    const popular = await recommender.recommend(newcomer, { count: 3 });
    expect(new Set(popular.map((r) => r.genres[0])).size).toBe(3);

    const similar = recommender.similar(await resolveTitleRef(db.prisma, 'Heat (1995)'), 3);
    expect(similar.every((s) => s.genres.includes('Action') && s.titleId !== titleIds[0])).toBe(true);
  });

  it('answers the same without the HNSW graph (what the CLI loads for one query)', async () => {
    const withGraph = await loadActiveRecommender(db.prisma, deserialize);
    const exact = await loadActiveRecommender(db.prisma, deserialize, { graph: false });
    expect(exact.versionId).toBe(withGraph.versionId);
    expect(await exact.recommender.recommend(fanId, { count: 5 })).toEqual(await withGraph.recommender.recommend(fanId, { count: 5 }));
    expect(exact.recommender.similar(titleIds[0]!, 3)).toEqual(withGraph.recommender.similar(titleIds[0]!, 3));
  });

  it('resolves user and title references, with clear errors for unknown ones', async () => {
    expect(await resolveUserRef(db.prisma, 'discord:123456789012345678')).toBe(fanId);
    expect(await resolveUserRef(db.prisma, String(fanId))).toBe(fanId);
    await expect(resolveUserRef(db.prisma, 'discord:999999999999999999')).rejects.toThrow('No Discord member discord:999999999999999999 is stored.');
    await expect(resolveUserRef(db.prisma, '987654')).rejects.toThrow(NotFoundError);
    await expect(resolveUserRef(db.prisma, 'bob')).rejects.toThrow(UserRefError);
    // Goodbooks readers and MovieLens users of the same number are different people.
    const reader = await db.prisma.user.create({ data: { source: 'dataset', externalId: 'goodbooks:1' } });
    expect(await resolveUserRef(db.prisma, 'goodbooks:01')).toBe(reader.id);
    expect(await resolveUserRef(db.prisma, 'movielens:1')).not.toBe(reader.id);
    await expect(resolveUserRef(db.prisma, 'goodbooks:2')).rejects.toThrow('No Goodbooks-10k reader 2 (goodbooks:2).');
    // A bare snowflake, as Discord's "Copy User ID" gives it, is a Discord id.
    expect(await resolveUserRef(db.prisma, '123456789012345678')).toBe(fanId);
    await expect(resolveUserRef(db.prisma, '1577619967195615237')).rejects.toThrow(
      'No user 1577619967195615237: looked for the Discord member discord:1577619967195615237 (17 to 20 digits are a Discord id; database ids are 1 to 2147483647).',
    );
    // Past PostgreSQL's integer but too short for a snowflake: named, never sent to the database.
    await expect(resolveUserRef(db.prisma, '99999999999')).rejects.toThrow(/neither a database id \(1 to 2147483647\) nor a Discord id/);
    expect(await resolveTitleRef(db.prisma, 'movielens:6')).toBe(titleIds[0]);
    expect(await resolveTitleRef(db.prisma, 'heat')).toBe(titleIds[0]);
    expect(await resolveTitleRef(db.prisma, 'Comedy Film 2 (1995)')).toBe(titleIds[2]);
    await expect(resolveTitleRef(db.prisma, 'Casablanca')).rejects.toThrow('No title matches "Casablanca".');
    await expect(resolveTitleRef(db.prisma, '1577619967195615237')).rejects.toThrow('No title with id 1577619967195615237: database ids are 1 to 2147483647.');
  });
});
