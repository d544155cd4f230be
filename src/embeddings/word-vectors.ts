/**
 * Static word vectors learned from a catalogue's own words: positive pointwise mutual information
 * (PPMI) of words appearing in the same title's text, factorised by a randomized truncated SVD
 * (Halko, Martinsson & Tropp 2011). Words that keep company ("toy", "pixar", "animation") end up
 * close. Each row is then scaled by the word's inverse document frequency, so that a mean of rows
 * (what the encoder's mean pooling computes) is an IDF-weighted average and words found in nearly
 * every title ("genres", "the") barely count. Pure: word lists in, vocabulary and matrix out.
 */
import { seededRandom as random } from '../lib/random.ts';

/** A learned vocabulary and its vectors: row i of `vectors` (length `dimension`) belongs to `vocabulary[i]`. */
export interface WordVectors {
  vocabulary: string[];
  dimension: number;
  vectors: Float32Array;
}

export interface WordVectorOptions {
  /** Size of each vector (default 64). */
  dimension?: number;
  /** Words found in fewer documents are left out (default 2). */
  minCount?: number;
  /** Keep at most this many words, the most frequent first (default 50,000). */
  maxVocabulary?: number;
  /** Seed of the random projection, so the same input always gives the same model (default 42). */
  seed?: number;
  /** Power iterations of the randomized SVD; more is more accurate and slower (default 3). */
  powerIterations?: number;
  /** Context distribution smoothing exponent of PPMI (Levy et al. 2015; default 0.75). */
  contextSmoothing?: number;
}

/** Words and document frequencies, the most frequent first (ties alphabetical, for reproducibility). */
export function buildVocabulary(documents: readonly (readonly string[])[], minCount = 2, maxVocabulary = 50_000): { words: string[]; documentFrequency: number[] } {
  if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError(`minCount must be a whole number of 1 or more; got ${minCount}.`);
  if (!Number.isInteger(maxVocabulary) || maxVocabulary < 1) {
    throw new RangeError(`maxVocabulary must be a whole number of 1 or more; got ${maxVocabulary}.`);
  }
  const df = new Map<string, number>();
  for (const doc of documents) for (const word of new Set(doc)) df.set(word, (df.get(word) ?? 0) + 1);
  const kept = [...df].filter(([, n]) => n >= minCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const top = kept.slice(0, maxVocabulary);
  return { words: top.map(([w]) => w), documentFrequency: top.map(([, n]) => n) };
}

/** Learns word vectors from documents given as word lists (see {@link words}). */
export function learnWordVectors(documents: readonly (readonly string[])[], options: WordVectorOptions = {}): WordVectors {
  const dimension = options.dimension ?? 64;
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 4096) {
    throw new RangeError(`dimension must be a whole number from 1 to 4096; got ${dimension}.`);
  }
  const { words, documentFrequency } = buildVocabulary(documents, options.minCount ?? 2, options.maxVocabulary ?? 50_000);
  const size = words.length;
  if (size === 0) {
    throw new Error(`No word occurs in at least ${options.minCount ?? 2} of the ${documents.length} documents; give more text or lower minCount.`);
  }
  const index = new Map(words.map((w, i) => [w, i]));
  const ppmi = ppmiMatrix(documents, index, size, options.contextSmoothing ?? 0.75);
  const rank = Math.min(dimension, size);
  const { vectors: left, values } = truncatedSvd(ppmi, size, rank, options.powerIterations ?? 3, options.seed ?? 42);

  const out = new Float32Array(size * dimension);
  const docs = documents.length;
  for (let i = 0; i < size; i++) {
    let norm = 0;
    const row = new Float64Array(rank);
    for (let c = 0; c < rank; c++) {
      // Singular values to the power 0.5: the symmetric split Levy et al. found to work best.
      const v = (left[i * rank + c] ?? 0) * Math.sqrt(values[c] ?? 0);
      row[c] = v;
      norm += v * v;
    }
    // Smoothed IDF, > 0 even for a word in every document, so no word vanishes entirely.
    const idf = Math.log((1 + docs) / (1 + (documentFrequency[i] ?? 0))) + 0.01;
    const scale = norm > 0 ? idf / Math.sqrt(norm) : 0;
    for (let c = 0; c < rank; c++) out[i * dimension + c] = (row[c] ?? 0) * scale;
  }
  return { vocabulary: words, dimension, vectors: out };
}

/** A symmetric sparse matrix, one map of column -> value per row. */
type SparseRows = Map<number, number>[];

function ppmiMatrix(documents: readonly (readonly string[])[], index: Map<string, number>, size: number, smoothing: number): SparseRows {
  const counts: SparseRows = Array.from({ length: size }, () => new Map<number, number>());
  for (const doc of documents) {
    const ids = [...new Set(doc.map((w) => index.get(w)).filter((i): i is number => i !== undefined))];
    for (let a = 0; a < ids.length; a++) {
      for (let b = a + 1; b < ids.length; b++) {
        const i = ids[a]!;
        const j = ids[b]!;
        counts[i]!.set(j, (counts[i]!.get(j) ?? 0) + 1);
        counts[j]!.set(i, (counts[j]!.get(i) ?? 0) + 1);
      }
    }
  }
  const rowSum = new Float64Array(size);
  const contextSum = new Float64Array(size);
  let total = 0;
  let smoothedTotal = 0;
  for (let i = 0; i < size; i++) {
    for (const n of counts[i]!.values()) rowSum[i]! += n;
    total += rowSum[i]!;
  }
  for (let i = 0; i < size; i++) {
    contextSum[i] = Math.pow(rowSum[i]!, smoothing);
    smoothedTotal += contextSum[i]!;
  }
  const ppmi: SparseRows = Array.from({ length: size }, () => new Map<number, number>());
  if (total === 0) return ppmi;
  for (let i = 0; i < size; i++) {
    for (const [j, n] of counts[i]!) {
      const pmi = Math.log(n / total / ((rowSum[i]! / total) * (contextSum[j]! / smoothedTotal)));
      if (pmi > 0) ppmi[i]!.set(j, pmi);
    }
  }
  return ppmi;
}

/** A * X for sparse A (size x size) and dense row-major X (size x cols). */
function multiply(a: SparseRows, x: Float64Array, cols: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < a.length; i++) {
    const base = i * cols;
    for (const [j, value] of a[i]!) {
      const from = j * cols;
      for (let c = 0; c < cols; c++) y[base + c]! += value * x[from + c]!;
    }
  }
  return y;
}

/** Orthonormalises the columns of row-major `x` in place (modified Gram-Schmidt); dependent columns become zero. */
function orthonormalize(x: Float64Array, rows: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += x[r * cols + c]! * x[r * cols + p]!;
      for (let r = 0; r < rows; r++) x[r * cols + c]! -= dot * x[r * cols + p]!;
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += x[r * cols + c]! ** 2;
    norm = Math.sqrt(norm);
    const scale = norm > 1e-10 ? 1 / norm : 0;
    for (let r = 0; r < rows; r++) x[r * cols + c]! *= scale;
  }
}

/**
 * The top `rank` singular vectors and values of a symmetric sparse matrix, by randomized range
 * finding with power iterations followed by an exact eigen-decomposition of the small projected matrix.
 */
function truncatedSvd(a: SparseRows, size: number, rank: number, powerIterations: number, seed: number): { vectors: Float64Array; values: Float64Array } {
  const cols = Math.min(size, rank + 10);
  const next = random(seed);
  let y: Float64Array = new Float64Array(size * cols);
  for (let i = 0; i < y.length; i++) y[i] = next() * 2 - 1;
  y = multiply(a, y, cols);
  orthonormalize(y, size, cols);
  for (let q = 0; q < powerIterations; q++) {
    // A is symmetric, so multiplying by A alone is a power step; orthonormalising each time keeps small directions from vanishing in rounding.
    y = multiply(a, y, cols);
    orthonormalize(y, size, cols);
  }
  const q = y;
  // B = Qᵀ A; with A symmetric, Bᵀ = A Q, and B Bᵀ = (AQ)ᵀ(AQ) is small (cols x cols).
  const aq = multiply(a, q, cols);
  const gram = new Float64Array(cols * cols);
  for (let r = 0; r < size; r++) {
    for (let i = 0; i < cols; i++) {
      const v = aq[r * cols + i]!;
      if (v === 0) continue;
      for (let j = i; j < cols; j++) gram[i * cols + j]! += v * aq[r * cols + j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) gram[i * cols + j] = gram[j * cols + i]!;
  const { values: eig, vectors: w } = symmetricEigen(gram, cols);
  const order = [...eig.keys()].sort((i, j) => eig[j]! - eig[i]!).slice(0, rank);
  const vectors = new Float64Array(size * rank);
  const values = new Float64Array(rank);
  order.forEach((e, c) => {
    values[c] = Math.sqrt(Math.max(0, eig[e]!));
  });
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < rank; c++) {
      const e = order[c]!;
      let sum = 0;
      for (let k = 0; k < cols; k++) sum += q[r * cols + k]! * w[k * cols + e]!;
      vectors[r * rank + c] = sum;
    }
  }
  return { vectors, values };
}

/** Eigenvalues and eigenvectors (columns of row-major `vectors`) of a small symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}
