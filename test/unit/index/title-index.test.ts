import { describe, expect, it } from 'vitest';
import { IndexMismatchError, TitleIndex } from '../../../src/index/title-index.ts';
import { seededRandom as random } from '../../../src/lib/random.ts';

/** Vectors with very different norms, where plain cosine and inner product disagree. */
function titleVectors(count: number, dimension: number, seed: number): { ids: number[]; vectors: Float32Array } {
  const next = random(seed);
  const ids = Array.from({ length: count }, (_, i) => 1000 + i * 3);
  const vectors = new Float32Array(count * dimension);
  for (let row = 0; row < count; row++) {
    const scale = 0.2 + next() * 3;
    for (let i = 0; i < dimension; i++) vectors[row * dimension + i] = (next() * 2 - 1) * scale;
  }
  return { ids, vectors };
}

function query(dimension: number, next: () => number): Float32Array {
  return Float32Array.from({ length: dimension }, () => next() * 2 - 1);
}

const dimension = 8;

describe.each(['mips', 'ip'] as const)('TitleIndex in the %s space', (space) => {
  it('finds the same top-k as exact inner product', () => {
    const { ids, vectors } = titleVectors(400, dimension, 1);
    const index = TitleIndex.build(ids, vectors, dimension, { efConstruction: 100, space });
    const next = random(2);
    let agree = 0;
    let total = 0;
    for (let q = 0; q < 30; q++) {
      const vector = query(dimension, next);
      const approximate = index.search(vector, 10);
      const exact = index.exactSearch(vector, 10);
      expect(approximate).toHaveLength(10);
      const exactIds = new Set(exact.map((m) => m.titleId));
      agree += approximate.filter((m) => exactIds.has(m.titleId)).length;
      total += 10;
      // Scores are real inner products, best first.
      const best = approximate[0]!;
      const row = ids.indexOf(best.titleId);
      const dot = Array.from(vector).reduce((sum, v, i) => sum + v * vectors[row * dimension + i]!, 0);
      expect(best.score).toBeCloseTo(dot, 4);
      for (let i = 1; i < approximate.length; i++) expect(approximate[i - 1]!.score).toBeGreaterThanOrEqual(approximate[i]!.score);
    }
    expect(agree / total).toBeGreaterThanOrEqual(0.98);
  });

  it('ranks by inner product, not by cosine', () => {
    // A long vector at a wider angle beats a short one pointing straight at the query.
    const index = TitleIndex.build([1, 2], Float32Array.from([0.1, 0, 3, 2]), 2, { space });
    expect(index.search([1, 0], 1)[0]).toEqual({ titleId: 2, score: 3 });
  });

  it('keeps k results when a filter excludes titles', () => {
    const { ids, vectors } = titleVectors(200, dimension, 3);
    const index = TitleIndex.build(ids, vectors, dimension, { space });
    const results = index.search(query(dimension, random(4)), 10, (id) => id % 2 === 0);
    expect(results).toHaveLength(10);
    expect(results.every((m) => m.titleId % 2 === 0)).toBe(true);
  });

  it('grows capacity as titles are added and replaces a re-added title', () => {
    const index = TitleIndex.empty(dimension, { efConstruction: 50, space });
    const { ids, vectors } = titleVectors(300, dimension, 5);
    ids.forEach((id, row) => index.add(id, vectors.subarray(row * dimension, (row + 1) * dimension)));
    expect(index.size).toBe(300);
    // A far longer vector than any so far forces the norm bound up; search must still be exact-ranked.
    const long = Float32Array.from({ length: dimension }, (_, i) => (i === 0 ? 50 : 0));
    index.add(99_999, long);
    expect(
      index.search(
        Float32Array.from({ length: dimension }, (_, i) => (i === 0 ? 1 : 0)),
        1,
      )[0]!.titleId,
    ).toBe(99_999);
    index.add(
      99_999,
      Float32Array.from({ length: dimension }, (_, i) => (i === 0 ? -50 : 0)),
    );
    expect(index.size).toBe(301);
    expect(index.vectorOf(99_999)![0]).toBe(-50);
    // One vector ten times longer than the rest squeezes the others together after the transform,
    // which costs the graph some recall; it must stay high.
    const next = random(6);
    let agree = 0;
    for (let q = 0; q < 50; q++) {
      const vector = query(dimension, next);
      const found = new Set(index.search(vector, 5).map((m) => m.titleId));
      agree += index.exactSearch(vector, 5).filter((m) => found.has(m.titleId)).length;
    }
    expect(agree / 250).toBeGreaterThanOrEqual(0.9);
  });

  it('round-trips through bytes with its id map, vectors and version', () => {
    const { ids, vectors } = titleVectors(150, dimension, 7);
    const index = TitleIndex.build(ids, vectors, dimension, { m: 8, ef: 40, space });
    const bytes = index.toBytes(42);
    const loaded = TitleIndex.fromBytes(bytes, { dimension, titleIds: ids, versionId: 42 });
    expect(loaded.versionId).toBe(42);
    expect(loaded.titleIds).toEqual(ids);
    expect(loaded.ef).toBe(40);
    expect(loaded.m).toBe(8);
    expect(loaded.space).toBe(space);
    expect(loaded.vectorOf(ids[17]!)).toEqual(vectors.subarray(17 * dimension, 18 * dimension));
    const vector = query(dimension, random(8));
    expect(loaded.search(vector, 10)).toEqual(index.search(vector, 10));
    // The loaded index can still grow.
    loaded.add(1, new Float32Array(dimension).fill(0.1));
    expect(loaded.has(1)).toBe(true);
  });

  it('rejects bytes that do not match the model', () => {
    const { ids, vectors } = titleVectors(50, dimension, 9);
    const bytes = TitleIndex.build(ids, vectors, dimension, { space }).toBytes(5);
    expect(() => TitleIndex.fromBytes(bytes, { dimension: dimension + 1 })).toThrow(/dimension 8 but the model has dimension 9/);
    expect(() => TitleIndex.fromBytes(bytes, { dimension, titleIds: ids.slice(1) })).toThrow(/holds 50 titles but the model has 49/);
    const swapped = [...ids];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(() => TitleIndex.fromBytes(bytes, { dimension, titleIds: swapped })).toThrow(IndexMismatchError);
    expect(() => TitleIndex.fromBytes(bytes, { dimension, versionId: 6 })).toThrow(/version 5, not 6/);
    expect(() => TitleIndex.fromBytes(new Uint8Array(40), { dimension })).toThrow(/bad magic/);
  });

  it('rejects vectors of the wrong dimension', () => {
    const index = TitleIndex.empty(dimension, { space });
    expect(() => index.add(1, [1, 2])).toThrow(/dimension 2; this index holds dimension 8/);
    expect(() => index.search([1], 3)).toThrow(/Query vector has dimension 1/);
    expect(index.search(new Float32Array(dimension), 3)).toEqual([]);
  });
});

describe('exactSearchAmong', () => {
  it('ranks only the given titles, skipping unknown ids and filtered ones', () => {
    const index = TitleIndex.build([1, 2, 3, 4], Float32Array.from([1, 0, 2, 0, 3, 0, 4, 0]), 2);
    expect(index.exactSearchAmong([1, 0], [1, 3, 99, 4], 2, (id) => id !== 4)).toEqual([
      { titleId: 3, score: 3 },
      { titleId: 1, score: 1 },
    ]);
  });
});

describe('TitleIndex.exact', () => {
  it('answers every search by an exact scan, with no graph to save', () => {
    const { ids, vectors } = titleVectors(300, dimension, 7);
    const graph = TitleIndex.build(ids, vectors, dimension);
    const exact = TitleIndex.exact(ids, vectors, dimension);
    const next = random(11);
    for (let q = 0; q < 10; q++) {
      const v = query(dimension, next);
      const odd = (id: number) => id % 2 === 1;
      expect(exact.search(v, 10)).toEqual(graph.exactSearch(v, 10));
      expect(exact.search(v, 10, odd)).toEqual(graph.exactSearch(v, 10, odd));
    }
    expect(exact.vectorOf(ids[5]!)).toEqual(graph.vectorOf(ids[5]!));
    expect(() => exact.toBytes(1)).toThrow(/no graph to save/);
    // It shares the caller's rows; adding to it copies them first, leaving the caller's array alone.
    const before = vectors.slice();
    exact.add(ids[0]!, new Float32Array(dimension).fill(9));
    exact.add(5, new Float32Array(dimension).fill(1));
    expect(vectors).toEqual(before);
    expect(exact.search(new Float32Array(dimension).fill(1), 1)[0]!.titleId).toBe(ids[0]);
  });
});
