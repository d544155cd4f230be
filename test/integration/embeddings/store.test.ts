import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTitleEncoder, type TitleEncoder } from '../../../src/embeddings/encoder.ts';
import { loadTitleEmbeddings, updateTitleEmbeddings, type UpdateEmbeddingsProgress } from '../../../src/embeddings/store.ts';
import { textHash, titleText } from '../../../src/embeddings/title-text.ts';
import { makeTinyModel, type TinyModel } from '../../../src/embeddings/tiny-model.ts';
import { bytesToVector } from '../../../src/embeddings/vector-bytes.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const titles = [
  { name: 'Toy Story', year: 1995, genres: ['Animation', 'Children'], tags: ['pixar', 'toys'], searchName: 'toy story' },
  { name: 'Finding Nemo', year: 2003, genres: ['Animation'], tags: ['pixar', 'fish'], searchName: 'finding nemo' },
  { name: 'Goodfellas', year: 1990, genres: ['Crime', 'Drama'], tags: ['mafia'], searchName: 'goodfellas' },
  { name: 'Alien', year: 1979, genres: ['Horror', 'Sci-Fi'], tags: [], searchName: 'alien' },
  { name: 'Heat', year: null, genres: ['Crime'], tags: [], searchName: 'heat' },
];

describe('title embeddings in PostgreSQL', () => {
  let db: TestDatabase;
  let model: TinyModel;
  let encoder: TitleEncoder;
  let ids: number[];

  beforeAll(async () => {
    db = await createTestDatabase();
    model = await makeTinyModel();
    encoder = await createTitleEncoder({ model: model.dir, allowRemoteModels: false });
    ids = [];
    for (const data of titles) ids.push((await db.prisma.title.create({ data })).id);
  });

  afterAll(async () => {
    await encoder?.dispose();
    await model?.remove();
    await db?.drop();
  });

  it('embeds every title, storing the text hash, model and float32 vector', async () => {
    const progress: UpdateEmbeddingsProgress[] = [];
    const result = await updateTitleEmbeddings(db.prisma, encoder, { batchSize: 2, onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ embedded: 5, skipped: 0 });
    expect(progress.at(-1)).toEqual({ done: 5, total: 5, embedded: 5, skipped: 0 });

    const row = await db.prisma.titleEmbedding.findUniqueOrThrow({ where: { titleId: ids[0]! } });
    expect(row.model).toBe(encoder.modelKey);
    expect(row.dimension).toBe(16);
    expect(row.textHash).toBe(textHash(titleText(titles[0]!)));
    const [expected] = await encoder.encode([titleText(titles[0]!)]);
    expect(Array.from(bytesToVector(row.vector, 16))).toEqual(Array.from(expected!).map((v) => expect.closeTo(v, 6)));
  });

  it('skips every title on a second run', async () => {
    expect(await updateTitleEmbeddings(db.prisma, encoder)).toEqual({ embedded: 0, skipped: 5 });
  });

  it('re-embeds only the title whose tags changed', async () => {
    const before = await loadTitleEmbeddings(db.prisma);
    await db.prisma.title.update({ where: { id: ids[3]! }, data: { tags: ['space', 'monsters'] } });
    expect(await updateTitleEmbeddings(db.prisma, encoder)).toEqual({ embedded: 1, skipped: 4 });

    const after = await loadTitleEmbeddings(db.prisma);
    expect(after.size).toBe(5);
    for (const [id, vector] of after) {
      if (id === ids[3]) expect(Array.from(vector)).not.toEqual(Array.from(before.get(id)!));
      else expect(Array.from(vector)).toEqual(Array.from(before.get(id)!));
    }
  });

  it('re-embeds everything when the model changes, and loads vectors of one model only', async () => {
    await db.prisma.titleEmbedding.update({ where: { titleId: ids[1]! }, data: { model: 'some-older-model#000000000000' } });
    expect(Array.from((await loadTitleEmbeddings(db.prisma, { model: encoder.modelKey })).keys()).sort()).toEqual([ids[0]!, ids[2]!, ids[3]!, ids[4]!].sort());
    expect(await updateTitleEmbeddings(db.prisma, encoder)).toEqual({ embedded: 1, skipped: 4 });
    const vectors = await loadTitleEmbeddings(db.prisma, { model: encoder.modelKey });
    expect(vectors.size).toBe(5);
    for (const vector of vectors.values()) expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });
});
