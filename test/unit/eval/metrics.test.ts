import { describe, expect, it } from 'vitest';
import { averagePrecisionAt, catalogueCoverage, hitAt, intraListDiversity, ndcgAt, precisionAt, recallAt, reciprocalRankAt, summarise, topK } from '../../../src/eval/metrics.ts';

// Ranked list 10,20,30,40,50 with relevant {20,50,99}: hits at ranks 2 and 5.
const ranked = [10, 20, 30, 40, 50];
const relevant = new Set([20, 50, 99]);

describe('ranking metrics on a hand-checked list', () => {
  it('precision@k divides the hits by k', () => {
    expect(precisionAt(ranked, relevant, 5)).toBeCloseTo(2 / 5);
    expect(precisionAt(ranked, relevant, 1)).toBe(0);
  });

  it('recall@k divides by min(k, |relevant|)', () => {
    expect(recallAt(ranked, relevant, 5)).toBeCloseTo(2 / 3);
    expect(recallAt(ranked, relevant, 2)).toBeCloseTo(1 / 2);
  });

  it('nDCG@k uses 1/log2(rank+1) and an ideal list of min(k, |relevant|) hits', () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(6);
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAt(ranked, relevant, 5)).toBeCloseTo(dcg / ideal, 10);
    expect(ndcgAt([20, 50, 99], relevant, 3)).toBeCloseTo(1, 10);
    expect(ndcgAt(ranked, new Set(), 5)).toBe(0);
  });

  it('AP@k averages precision at each hit over min(k, |relevant|)', () => {
    expect(averagePrecisionAt(ranked, relevant, 5)).toBeCloseTo((1 / 2 + 2 / 5) / 3, 10);
  });

  it('MRR and hit rate look at the first hit within k', () => {
    expect(reciprocalRankAt(ranked, relevant, 5)).toBeCloseTo(1 / 2);
    expect(reciprocalRankAt(ranked, relevant, 1)).toBe(0);
    expect(hitAt(ranked, relevant, 2)).toBe(1);
    expect(hitAt(ranked, relevant, 1)).toBe(0);
  });

  it('coverage counts distinct titles in the top k over the catalogue size', () => {
    expect(
      catalogueCoverage(
        [
          [1, 2, 3],
          [3, 4, 5],
        ],
        10,
        2,
      ),
    ).toBeCloseTo(4 / 10);
  });

  it('summarise averages over users with relevant titles and scores a missing list as 0', () => {
    const lists = new Map([[1, [20, 10]]]);
    const rel = new Map([
      [1, new Set([20])],
      [2, new Set([7])],
      [3, new Set<number>()],
    ]);
    const s = summarise(lists, rel, 2, 100);
    expect(s.users).toBe(2);
    expect(s.ndcg).toBeCloseTo(0.5);
    expect(s.hitRate).toBeCloseTo(0.5);
    expect(s.precision).toBeCloseTo(0.25);
    expect(s.coverage).toBeCloseTo(0.02);
  });
});

describe('topK', () => {
  it('returns the best indices first, skips excluded ones and breaks ties by index', () => {
    const scores = [0.1, 0.9, 0.5, 0.9, -1, 0.7];
    expect(topK(scores, 3)).toEqual([1, 3, 5]);
    expect(topK(scores, 3, new Set([1]))).toEqual([3, 5, 2]);
    expect(topK(scores, 10)).toEqual([1, 3, 5, 2, 0, 4]);
    expect(topK(scores, 0)).toEqual([]);
  });

  it('agrees with a full sort on random scores', () => {
    let x = 7;
    const scores = Array.from({ length: 500 }, () => (x = (x * 48271) % 2147483647) / 2147483647);
    const expected = scores
      .map((s, i) => [s, i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, 25)
      .map(([, i]) => i);
    expect(topK(scores, 25)).toEqual(expected);
  });
});

describe('intraListDiversity', () => {
  const v = (...xs: number[]) => Float32Array.from(xs);
  const vectors = new Map([
    [1, v(1, 0)],
    [2, v(1, 0)],
    [3, v(0, 1)],
    [4, v(1, 1)],
  ]);
  it('is 1 - mean pairwise cosine per list, averaged over lists of two or more titles', () => {
    // [1,2]: cosine 1 -> 0. [1,3]: cosine 0 -> 1. [1,3,4]: cosines 0, 0.7071, 0.7071 -> 1 - 0.4714. [5] alone: skipped.
    const value = intraListDiversity([[1, 2], [1, 3], [1, 3, 4], [5]], (id) => vectors.get(id), 10);
    expect(value).toBeCloseTo((0 + 1 + (1 - (2 * Math.SQRT1_2) / 3)) / 3, 5);
  });
  it('looks at the top k only and counts a title without a vector as unlike the others', () => {
    expect(intraListDiversity([[1, 2, 3]], (id) => vectors.get(id), 2)).toBe(0);
    expect(intraListDiversity([[1, 9]], (id) => vectors.get(id), 10)).toBe(1);
    expect(intraListDiversity([], (id) => vectors.get(id), 10)).toBe(0);
  });
});
