import { describe, expect, it } from 'vitest';
import { appendContent, CONTENT_DIMENSIONS, contentGramRows, contentRows } from '../../../src/model/content-term.ts';
import { trainModel } from '../../../src/model/index.ts';
import type { Rating, RatingsDataset } from '../../../src/model/types.ts';

// 8 titles, two "genres" (title % 2) plus one genre every title has; users rate three titles of one parity.
function dataset(): RatingsDataset {
  const ratings: Rating[] = [];
  for (let user = 0; user < 12; user++) {
    for (let i = 0; i < 3; i++) ratings.push({ userId: user, titleId: (user % 2) + 2 * ((user + i) % 3), value: 4, ratedAt: i });
  }
  const titleIds = Array.from({ length: 8 }, (_, t) => t);
  const titleText = new Map(titleIds.filter((t) => t !== 7).map((t) => [t, Float32Array.from([t % 2, 1 - (t % 2), 1])] as const));
  return { ratings, titleIds, titleText };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((sum, v, i) => sum + v * b[i]!, 0);

describe('contentRows', () => {
  it('standardises each text component over the warm titles, drops constant ones, and gives unit rows (zero without text)', () => {
    const content = contentRows(dataset(), [0, 1, 2, 3])!;
    expect(content.dim).toBe(3);
    const row = (t: number) => content.rows.subarray(t * 3, t * 3 + 3);
    // Components 0 and 1 are +-1 after standardising; the genre every title has carries no information.
    expect(Array.from(row(0)).map((v) => +v.toFixed(4))).toEqual([-0.7071, 0.7071, 0]);
    expect(Array.from(row(5)).map((v) => +v.toFixed(4))).toEqual([0.7071, -0.7071, 0]);
    expect(Array.from(row(7))).toEqual([0, 0, 0]);
  });

  it(`keeps the top ${CONTENT_DIMENSIONS} principal directions of longer text vectors`, () => {
    const base = dataset();
    const titleText = new Map([...base.titleIds].map((t) => [t, Float32Array.from({ length: 40 }, (_, c) => Math.sin(t * 7 + c * c))] as const));
    const content = contentRows({ ...base, titleText }, [0, 1, 2, 3, 4, 5])!;
    expect(content.dim).toBe(CONTENT_DIMENSIONS);
    expect(Math.hypot(...content.rows.subarray(0, CONTENT_DIMENSIONS))).toBeCloseTo(1, 5);
  });
});

describe('contentGramRows', () => {
  it('adds share x trace to the Gram matrix as c F F^T over the warm titles with text', () => {
    const data = dataset();
    const warm = [0, 1, 2, 3, 4, 5];
    const rows = contentGramRows(data, warm, 0.25, 12);
    const content = contentRows(data, warm)!;
    expect(rows).toHaveLength(content.dim);
    // (sum over the extra rows of row^T row)[i][j] = c F_i . F_j, with c x trace(F F^T) = 0.25 x 12 (six unit rows).
    const gram = (i: number, j: number) => rows.reduce((sum, r) => sum + r.weights[r.rows.indexOf(i)]! * r.weights[r.rows.indexOf(j)]!, 0);
    const c = (0.25 * 12) / warm.length;
    expect(gram(0, 2)).toBeCloseTo(c * dot(content.rows.subarray(0, 3), content.rows.subarray(6, 9)), 5);
    expect(gram(0, 1)).toBeCloseTo(c * dot(content.rows.subarray(0, 3), content.rows.subarray(3, 6)), 5);
    expect(warm.reduce((sum, t) => sum + gram(t, t), 0)).toBeCloseTo(0.25 * 12, 4);
    expect(contentGramRows(data, warm, 0, 12)).toEqual([]);
    expect(contentGramRows({ ...data, titleText: new Map() }, warm, 0.25, 12)).toEqual([]);
  });

  it('changes the spectral model only when asked, and rejects a negative share', async () => {
    const options = { architecture: 'spectral' as const, dimension: 3, epochs: 30, l2: 0.1, sessionWeight: 0, windowWeight: 0, backend: 'cpu' as const, seed: 2 };
    const plain = await trainModel(dataset(), options);
    const shared = await trainModel(dataset(), { ...options, contentRowsShare: 0.5 });
    expect(shared.dimension).toBe(plain.dimension);
    expect(Array.from(shared.weights.encoderRows)).not.toEqual(Array.from(plain.weights.encoderRows));
    await expect(trainModel(dataset(), { contentRowsShare: -1, backend: 'cpu' })).rejects.toThrow(/contentRowsShare must be 0/);
  });
});

describe('appendContent', () => {
  it('adds weight x F_i . F_j to every encoder-row . title-vector product and keeps the bias last', () => {
    const parts = { titleVectors: Float32Array.from([1, 2, 9, 3, 4, 8]), encoderRows: Float32Array.from([1, 2, 3, 4]), d: 2 };
    const content = { rows: Float32Array.from([1, 0, 0.6, 0.8]), dim: 2 };
    const out = appendContent(parts, content, 4);
    expect(out.hidden).toBe(4);
    expect(Array.from(out.titleVectors.subarray(0, 5))).toEqual([1, 2, 2, 0, 9]);
    const score = (i: number, j: number) => dot(out.encoderRows.subarray(i * 4, i * 4 + 4), out.titleVectors.subarray(j * 5, j * 5 + 4));
    expect(score(0, 1)).toBeCloseTo(1 * 3 + 2 * 4 + 4 * 0.6, 5);
  });
});

describe('the spectral model with a content term', () => {
  it('serves the collaborative score plus contentWeight x mean self-score x (sum of the history content) . title content', async () => {
    const data = dataset();
    const options = { architecture: 'spectral' as const, dimension: 3, epochs: 30, l2: 0.1, sessionWeight: 0, windowWeight: 0, backend: 'cpu' as const, seed: 2 };
    const plain = await trainModel(data, { ...options, contentWeight: 0 });
    const withContent = await trainModel(data, { ...options, contentWeight: 0.5 });
    expect(plain.dimension).toBe(4);
    expect(withContent.dimension).toBe(4 + 3);
    expect(withContent.weights.training.contentDimensions).toBe(3);
    const warm = [0, 1, 2, 3, 4, 5];
    const selfScore = warm.reduce((sum, t) => sum + dot(plain.weights.encoderRows.subarray(t * 3, t * 3 + 3), plain.weights.encoderRows.subarray(t * 3, t * 3 + 3)), 0) / warm.length;
    const content = contentRows(data, warm)!;
    const history = [0, 2].map((titleId) => ({ titleId, value: 4, ratedAt: 0 }));
    const profile = [0, 1, 2].map((c) => content.rows[0 * 3 + c]! + content.rows[2 * 3 + c]!);
    for (const title of [1, 4, 7]) {
      const row = (m: typeof plain, t: number) => m.titleVectors.subarray(t * m.dimension, (t + 1) * m.dimension);
      const expected = dot(plain.userVector(history), row(plain, title)) + 0.5 * selfScore * dot(profile, content.rows.subarray(title * 3, title * 3 + 3));
      expect(dot(withContent.userVector(history), row(withContent, title))).toBeCloseTo(expected, 4);
    }
  });

  it('rejects a negative content weight', async () => {
    await expect(trainModel(dataset(), { contentWeight: -1, backend: 'cpu' })).rejects.toThrow(/contentWeight must be 0/);
  });
});
