import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TitleIndex } from '../../../src/index/title-index.ts';
import type { TrainedModel } from '../../../src/model/types.ts';
import {
  activeModelVersion,
  ARTIFACT_CHUNK_BYTES,
  ArtifactIntegrityError,
  loadGateModel,
  loadModelVersion,
  loadTitleVectors,
  ModelStoreError,
  promoteModelVersion,
  replaceArtifact,
  rollbackModelVersion,
  saveModelVersion,
  setModelStatus,
} from '../../../src/model-store/store.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/** A model that is only its title vectors; enough to exercise storage without TF.js. */
function vectorModel(titleIds: number[], titleVectors: Float32Array, dimension: number): TrainedModel {
  return {
    architecture: 'vectors-only',
    backend: 'none',
    dimension,
    titleIds,
    titleVectors,
    userVector: () => new Float32Array(dimension),
    serialize: () =>
      new Map([
        ['meta.json', new TextEncoder().encode(JSON.stringify({ titleIds, dimension }))],
        ['vectors.bin', new Uint8Array(titleVectors.buffer.slice(0))],
      ]),
  };
}

function deserialize(parts: Map<string, Uint8Array>): TrainedModel {
  const meta = JSON.parse(new TextDecoder().decode(parts.get('meta.json'))) as { titleIds: number[]; dimension: number };
  const raw = parts.get('vectors.bin')!;
  return vectorModel(meta.titleIds, new Float32Array(raw.slice().buffer), meta.dimension);
}

const dimension = 5;
function randomModel(count: number, seed: number) {
  let s = seed;
  const next = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const ids = Array.from({ length: count }, (_, i) => 10 + i);
  const vectors = Float32Array.from({ length: count * dimension }, next);
  const model = vectorModel(ids, vectors, dimension);
  return { model, index: TitleIndex.build(ids, vectors, dimension, { efConstruction: 50 }) };
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('model store', () => {
  it('saves a version with its artifacts and loads them back equal', async () => {
    const { model, index } = randomModel(200, 7);
    const id = await saveModelVersion(db.prisma, {
      model,
      index,
      metrics: { recallAt10: 0.31 },
      params: { epochs: 3 },
      lossHistory: [0.9, 0.5, 0.4],
      trainingRatings: 1000,
      trainingUsers: 50,
      durationMs: 1234.4,
    });
    const artifacts = await db.prisma.modelArtifact.findMany({ where: { versionId: id }, select: { name: true, size: true, sha256: true } });
    expect(artifacts.map((a) => a.name).sort()).toEqual(['index', 'model/meta.json', 'model/vectors.bin', 'title-ids', 'title-vectors']);
    expect(artifacts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256) && a.size > 0)).toBe(true);

    const loaded = await loadModelVersion(db.prisma, id, deserialize);
    expect(loaded.version).toMatchObject({ id, status: 'candidate', architecture: 'vectors-only', dimension, trainingRatings: 1000, trainingUsers: 50, trainingTitles: 200, durationMs: 1234 });
    expect(loaded.version.metrics).toEqual({ recallAt10: 0.31 });
    expect(loaded.version.lossHistory).toEqual([0.9, 0.5, 0.4]);
    expect(loaded.model.titleIds).toEqual(model.titleIds);
    expect(Array.from(loaded.model.titleVectors)).toEqual(Array.from(model.titleVectors));
    expect(loaded.index.versionId).toBe(id);
    expect(loaded.index.titleIds).toEqual(model.titleIds);
    const query = [0.3, -0.2, 0.5, 0.1, -0.4];
    expect(loaded.index.search(query, 10)).toEqual(index.search(query, 10));
    const vectors = await loadTitleVectors(db.prisma, id);
    expect(vectors.titleIds).toEqual(model.titleIds);
    expect(Array.from(vectors.vectors)).toEqual(Array.from(model.titleVectors));
  });

  it('reads artifacts larger than one read slice (1 MiB) back byte for byte, with or without the graph', async () => {
    // 60,000 titles x 5 dimensions x 4 bytes = 1.2 MB: two slices, the second partial.
    const { model, index } = randomModel(60_000, 11);
    const id = await saveModelVersion(db.prisma, { model, index });
    for (const graph of [true, false]) {
      const loaded = await loadModelVersion(db.prisma, id, deserialize, { graph });
      expect(loaded.model.titleVectors).toEqual(model.titleVectors);
      expect(loaded.index.vectorOf(10 + 59_999)).toEqual(model.titleVectors.subarray(59_999 * dimension));
    }
  });

  it('writes parts larger than one write chunk in chunks and reads them back byte-identical', async () => {
    // Three chunks and an odd tail, so a lost, repeated or reordered chunk changes the bytes or the size.
    const size = 2 * ARTIFACT_CHUNK_BYTES + 12_345;
    let s = 99;
    const big = Uint8Array.from({ length: size }, () => (s = (s * 16807) % 2147483647) & 0xff);
    const { model, index } = randomModel(300, 13);
    const withBig = (base: TrainedModel, name: string, bytes: Uint8Array): TrainedModel => ({ ...base, serialize: () => new Map([...base.serialize(), [name, bytes]]) });
    // The gate fit carries a second, differently sized big part: chunks of one artifact must not leak into the next.
    const gateBig = big.subarray(7, ARTIFACT_CHUNK_BYTES + 9);
    const id = await saveModelVersion(db.prisma, { model: withBig(model, 'big.bin', big), index, gateModel: withBig(model, 'gate-big.bin', gateBig) });

    let seen: Map<string, Uint8Array> | undefined;
    const capture = (parts: Map<string, Uint8Array>) => ((seen = new Map(parts)), deserialize(parts));
    await loadModelVersion(db.prisma, id, capture);
    expect(seen!.get('big.bin')!.byteLength).toBe(size);
    expect(Buffer.from(seen!.get('big.bin')!).equals(Buffer.from(big))).toBe(true);
    await loadGateModel(db.prisma, id, capture);
    expect(Buffer.from(seen!.get('gate-big.bin')!).equals(Buffer.from(gateBig))).toBe(true);
    const row = await db.prisma.modelArtifact.findUniqueOrThrow({ where: { versionId_name: { versionId: id, name: 'model/big.bin' } }, select: { size: true, sha256: true } });
    expect(row).toEqual({ size, sha256: createHash('sha256').update(big).digest('hex') });

    // Replacing an artifact (what reindex does with the graph) goes through the same chunked write.
    await replaceArtifact(db.prisma, id, 'model/big.bin', gateBig);
    await loadModelVersion(db.prisma, id, capture);
    expect(Buffer.from(seen!.get('big.bin')!).equals(Buffer.from(gateBig))).toBe(true);
    await expect(replaceArtifact(db.prisma, id, 'model/none.bin', gateBig)).rejects.toThrow(/has no "model\/none.bin" artifact to replace/);
  });

  it('detects an artifact whose bytes no longer match the checksum', async () => {
    // An artifact the loader reads (the spare title-vectors copy is checked by loadTitleVectors).
    const { model, index } = randomModel(20, 3);
    const id = await saveModelVersion(db.prisma, { model, index });
    const row = await db.prisma.modelArtifact.findUniqueOrThrow({ where: { versionId_name: { versionId: id, name: 'model/vectors.bin' } } });
    const tampered = new Uint8Array(row.data);
    tampered[0] = tampered[0]! ^ 0xff;
    await db.prisma.modelArtifact.update({ where: { versionId_name: { versionId: id, name: 'model/vectors.bin' } }, data: { data: tampered } });
    await expect(loadModelVersion(db.prisma, id, deserialize)).rejects.toThrow(ArtifactIntegrityError);
    await expect(loadModelVersion(db.prisma, id, deserialize)).rejects.toThrow(/"model\/vectors.bin" of model version \d+ does not match its sha256/);
    await db.prisma.modelArtifact.update({ where: { versionId_name: { versionId: id, name: 'model/vectors.bin' } }, data: { data: tampered.subarray(4) } });
    await expect(loadModelVersion(db.prisma, id, deserialize)).rejects.toThrow(/has 396 bytes, but 400 were stored/);
  });

  it('rejects an unknown or incomplete version clearly', async () => {
    await expect(loadModelVersion(db.prisma, 999_999, deserialize)).rejects.toThrow('No model version 999999.');
    const { model, index } = randomModel(20, 4);
    const id = await saveModelVersion(db.prisma, { model, index });
    await db.prisma.modelArtifact.delete({ where: { versionId_name: { versionId: id, name: 'index' } } });
    await expect(loadModelVersion(db.prisma, id, deserialize)).rejects.toThrow(/has no "index" artifact/);
  });

  it('keeps exactly one version active through promotions, concurrent promotions and rollback', async () => {
    const versions: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { model, index } = randomModel(10, 20 + i);
      versions.push(await saveModelVersion(db.prisma, { model, index }));
    }
    const [a, b, c, d] = versions as [number, number, number, number];
    const activeIds = async () => (await db.prisma.modelVersion.findMany({ where: { status: 'active' } })).map((v) => v.id);

    await promoteModelVersion(db.prisma, a);
    expect(await activeIds()).toEqual([a]);
    await promoteModelVersion(db.prisma, b);
    expect(await activeIds()).toEqual([b]);
    expect((await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: a } })).status).toBe('retired');

    await Promise.all([promoteModelVersion(db.prisma, c), promoteModelVersion(db.prisma, d)]);
    const afterRace = await activeIds();
    expect(afterRace).toHaveLength(1);
    expect((await activeModelVersion(db.prisma))!.id).toBe(afterRace[0]);

    const winner = afterRace[0]!;
    const restored = await rollbackModelVersion(db.prisma, 'worse recall in production');
    expect(await activeIds()).toEqual([restored.id]);
    expect(restored.id).not.toBe(winner);
    const rolledBack = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: winner } });
    expect(rolledBack).toMatchObject({ status: 'rejected', statusReason: 'worse recall in production' });
  });

  it('guards status changes', async () => {
    const { model, index } = randomModel(10, 30);
    const id = await saveModelVersion(db.prisma, { model, index, status: 'training' });
    await expect(promoteModelVersion(db.prisma, id)).rejects.toThrow(/is training; only a finished version/);
    await setModelStatus(db.prisma, id, 'candidate', 'passed evaluation');
    await promoteModelVersion(db.prisma, id);
    await expect(setModelStatus(db.prisma, id, 'retired')).rejects.toThrow(ModelStoreError);
    expect((await activeModelVersion(db.prisma))!.id).toBe(id);
  });
});
