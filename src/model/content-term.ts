import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { textMatrix } from './training-data.ts';
import type { RatingsDataset, SparseRow } from './types.ts';

/** Most components the content term adds to every vector: longer text vectors keep their top principal directions. */
export const CONTENT_DIMENSIONS = 32;

/** Each title's content row (titles x dim, zero rows for titles without text). */
export interface ContentRows {
  rows: Float32Array;
  dim: number;
}

/**
 * The titles' content rows for the content term of the default model: each text vector standardised per component
 * over the warm titles (centred, unit variance, so a genre half the catalogue shares counts for little and a rare
 * one for much), cut to its top {@link CONTENT_DIMENSIONS} principal directions when longer, then scaled to unit
 * length. Undefined when the dataset has no title text.
 */
export function contentRows(dataset: RatingsDataset, warm: readonly number[]): ContentRows | undefined {
  const text = textMatrix(dataset);
  if (!text) return undefined;
  const { values, dim } = text;
  const n = dataset.titleIds.length;
  const hasText = (row: number) => values.subarray(row * dim, (row + 1) * dim).some((v) => v !== 0);
  const fitted = warm.filter(hasText);
  if (fitted.length < 2) return undefined;
  const mean = new Float64Array(dim);
  const square = new Float64Array(dim);
  for (const row of fitted) {
    for (let c = 0; c < dim; c++) {
      const v = values[row * dim + c]!;
      mean[c]! += v / fitted.length;
      square[c]! += (v * v) / fitted.length;
    }
  }
  const scale = Float64Array.from(mean, (m, c) => {
    const variance = square[c]! - m * m;
    return variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
  });
  const standard = new Float32Array(n * dim);
  for (let row = 0; row < n; row++) {
    if (!hasText(row)) continue;
    for (let c = 0; c < dim; c++) standard[row * dim + c] = (values[row * dim + c]! - mean[c]!) * scale[c]!;
  }
  const reduced = dim > CONTENT_DIMENSIONS ? principalProjection(standard, dim, fitted, CONTENT_DIMENSIONS) : { rows: standard, dim };
  for (let row = 0; row < n; row++) {
    const v = reduced.rows.subarray(row * reduced.dim, (row + 1) * reduced.dim);
    const norm = Math.hypot(...v);
    if (norm > 0) for (let c = 0; c < v.length; c++) v[c]! /= norm;
  }
  return reduced;
}

/** Every row projected on the top `keep` principal directions of the `fitted` rows (already centred). */
function principalProjection(rows: Float32Array, dim: number, fitted: readonly number[], keep: number): ContentRows {
  const covariance = new Matrix(dim, dim);
  for (const row of fitted) {
    for (let a = 0; a < dim; a++) {
      const va = rows[row * dim + a]!;
      if (va === 0) continue;
      for (let b = 0; b < dim; b++) covariance.set(a, b, covariance.get(a, b) + va * rows[row * dim + b]!);
    }
  }
  const evd = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const order = evd.realEigenvalues
    .map((v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0])
    .slice(0, keep);
  const basis = order.map(([, i]) => evd.eigenvectorMatrix.getColumn(i));
  const n = rows.length / dim;
  const out = new Float32Array(n * keep);
  for (let row = 0; row < n; row++) {
    basis.forEach((direction, k) => {
      let dot = 0;
      for (let c = 0; c < dim; c++) dot += rows[row * dim + c]! * direction[c]!;
      out[row * keep + k] = dot;
    });
  }
  return { rows: out, dim: keep };
}

/**
 * Title vectors (titles x (d + 1), last component the bias) and encoder rows (titles x d) with every title's
 * content row times sqrt(weight) appended after the first d components, so the served score gains
 * weight x (sum of the member's titles' content rows) . (title's content row): W becomes W + weight F F^T, still one
 * inner product of a user vector and a title vector.
 */
export function appendContent(
  parts: { titleVectors: Float32Array; encoderRows: Float32Array; d: number },
  content: ContentRows,
  weight: number,
): { titleVectors: Float32Array; encoderRows: Float32Array; hidden: number } {
  const { d } = parts;
  const hidden = d + content.dim;
  const n = parts.encoderRows.length / d;
  const titleVectors = new Float32Array(n * (hidden + 1));
  const encoderRows = new Float32Array(n * hidden);
  const root = Math.sqrt(weight);
  for (let row = 0; row < n; row++) {
    titleVectors.set(parts.titleVectors.subarray(row * (d + 1), row * (d + 1) + d), row * (hidden + 1));
    titleVectors[row * (hidden + 1) + hidden] = parts.titleVectors[row * (d + 1) + d]!;
    encoderRows.set(parts.encoderRows.subarray(row * d, (row + 1) * d), row * hidden);
    for (let c = 0; c < content.dim; c++) {
      const v = root * content.rows[row * content.dim + c]!;
      titleVectors[row * (hidden + 1) + d + c] = v;
      encoderRows[row * hidden + d + c] = v;
    }
  }
  return { titleVectors, encoderRows, hidden };
}

/**
 * The content term added to a model's parts (see {@link appendContent}) with weight `contentWeight` x the mean
 * self-score of the warm titles (mean squared norm of their encoder rows, the mean diagonal of W for the closed
 * form), so the weight is relative to the collaborative scores and does not depend on the data's size. Unchanged
 * parts when the weight is 0 or there is no title text.
 */
export function withContentTerm(
  parts: { titleVectors: Float32Array; encoderRows: Float32Array; d: number },
  dataset: RatingsDataset,
  warm: readonly number[],
  contentWeight: number,
): { titleVectors: Float32Array; encoderRows: Float32Array; hidden: number; contentDimensions: number } {
  const unchanged = { titleVectors: parts.titleVectors, encoderRows: parts.encoderRows, hidden: parts.d, contentDimensions: 0 };
  if (!(contentWeight > 0) || warm.length === 0) return unchanged;
  const content = contentRows(dataset, warm);
  if (!content) return unchanged;
  let selfScore = 0;
  for (const row of warm) {
    for (let c = 0; c < parts.d; c++) selfScore += parts.encoderRows[row * parts.d + c]! ** 2 / warm.length;
  }
  return { ...appendContent(parts, content, contentWeight * selfScore), contentDimensions: content.dim };
}

/**
 * The content rows as extra rows of the Gram matrix (one row per content component, over the warm titles with
 * text), scaled so they add `share` x `gramTrace` to its trace: G becomes G + c F F^T before the decomposition, so
 * titles that read alike share directions of the subspace (and its ridge shrinkage) instead of only gaining the
 * additive content term afterwards. Entries are titles x components, so the sparse passes still cost ratings x d
 * plus titles x 32 x d. Empty when the share is 0 or there is no title text.
 */
export function contentGramRows(dataset: RatingsDataset, warm: readonly number[], share: number, gramTrace: number): SparseRow[] {
  if (!(share > 0) || warm.length === 0) return [];
  const content = contentRows(dataset, warm);
  if (!content) return [];
  const { rows, dim } = content;
  // Content rows have unit length (or are zero), so trace(F F^T) over the warm titles is the count of non-zero ones.
  const withText = warm.filter((row) => rows.subarray(row * dim, (row + 1) * dim).some((v) => v !== 0));
  if (withText.length === 0) return [];
  const root = Math.sqrt((share * gramTrace) / withText.length);
  return Array.from({ length: dim }, (_, c) => ({
    rows: Int32Array.from(withText),
    weights: Float32Array.from(withText, (row) => root * rows[row * dim + c]!),
  }));
}
