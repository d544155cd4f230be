import { seededRandom } from '../lib/random.ts';
import { initBackend } from './backend.ts';
import { contentGramRows, withContentTerm } from './content-term.ts';
import { fillColdTitles } from './cold-titles.ts';
import { EmbeddingModel, SPECTRAL_ARCHITECTURE } from './embedding-model.ts';
import { resolveTrainOptions, type TrainOptions } from './options.ts';
import { sessionRows, windowRows } from './sessions.ts';
import { SparseRowMatrix } from './sparse-rows.ts';
import { decompose, type Spectrum, type WarmBasis } from './subspace.ts';
import { commonWeights, type TrainContext, type TrainHooks, type Trainer, type WarmStart } from './trainer.ts';
import { carveTraining, textMatrix, validate } from './training-data.ts';
import type { RatingsDataset, SparseRow } from './types.ts';
import { WarmColumns } from './warm-columns.ts';

/**
 * Trains the closed-form linear autoencoder (see src/model/README.md): scores = x W with
 * W = V diag(s / (s + lambda)) V^T, served as encoder rows = title rows = V diag(sqrt(s / (s + lambda))),
 * where V holds the top-d eigenvectors of the Gram matrix X^T X of the training users' histories and s its
 * eigenvalues. That W minimises the autoencoder's squared error plus
 * lambda |W|^2 among rank-d weights, so we compute it instead of approaching it with SGD. The eigenvectors come
 * from a randomised subspace iteration (src/model/subspace.ts) whose passes over the rating matrix are sparse
 * products, cost ratings x k; the k x titles products are TensorFlow.js matMuls and the small k x k
 * eigenproblems run in ml-matrix. `epochs` caps the passes (it stops sooner once the eigenvalues settle);
 * lambda is `l2` times the largest eigenvalue, so it scales with the data (a new server's few ratings are not
 * over-shrunk).
 */
async function trainSpectral(dataset: RatingsDataset, opts: TrainOptions, ctx: TrainContext): Promise<EmbeddingModel> {
  const [model] = await trainSpectralVariants(dataset, opts, ctx, [{ l2: opts.l2, dimension: opts.dimension }]);
  return model!;
}

export const spectralTrainer: Trainer = { architecture: 'spectral', train: trainSpectral };

/**
 * Default-architecture models for several `(l2, dimension)` pairs from one decomposition (bench/tune.ts's search);
 * every other option as `trainModel`. Only the closed form can share the work this way.
 */
export async function trainSpectralModels(
  dataset: RatingsDataset,
  options: Partial<TrainOptions>,
  variants: readonly { l2: number; dimension: number }[],
  hooks: TrainHooks = {},
): Promise<EmbeddingModel[]> {
  const opts = resolveTrainOptions({ ...options, architecture: 'spectral' });
  const rowOf = validate(dataset, opts);
  return trainSpectralVariants(dataset, opts, { rowOf, backend: await initBackend(opts.backend), hooks }, variants);
}

/**
 * One model per `(l2, dimension)` variant from a single decomposition at the largest dimension asked for: the
 * eigenpairs do not depend on l2, and the top d of a rank-D subspace iteration (D >= d) are the top d. What
 * bench/tune.ts uses to search l2 and d cheaply; `trainSpectral` is the one-variant case.
 */
async function trainSpectralVariants(
  dataset: RatingsDataset,
  opts: TrainOptions,
  { rowOf, backend, hooks }: TrainContext,
  variants: readonly { l2: number; dimension: number }[],
): Promise<EmbeddingModel[]> {
  const widest = Math.max(...variants.map((v) => Math.round(v.dimension)));
  const rows = gramRows(dataset, rowOf, opts);
  const start = warmStartRows(hooks.warmStart, dataset.titleIds, rows.columns, widest);
  const spectrum = await decompose(rows.matrix, rows.users, rows.columns, widest, opts, hooks, start);
  return variants.map((variant) => {
    const d = Math.round(variant.dimension);
    const kept = Math.min(d, spectrum.values.length);
    const m = spectrum.columns.size;
    const truncated = { ...spectrum, values: spectrum.values.slice(0, kept), vectors: spectrum.vectors.slice(0, kept * m) };
    return assemble(dataset, { ...opts, l2: variant.l2, dimension: d }, rows, truncated, backend);
  });
}

/**
 * The first `d` encoder components of a warm-start model as unit rows over these warm columns (d x columns,
 * row-major): eigenvectors scaled per component, so they span the earlier fit's eigenspace. A title the earlier
 * model does not know gets 0 (the passes fill it in). The tolerance is the movement that fit stopped at (a model
 * stored before it was recorded: 0, i.e. the cold rule). Undefined without a usable spectral model.
 */
function warmStartRows(model: WarmStart | undefined, titleIds: readonly number[], columns: WarmColumns, d: number): WarmBasis | undefined {
  const encoderRows = model?.weights?.encoderRows;
  const hidden = model?.weights?.hidden ?? 0;
  if (!model || model.architecture !== SPECTRAL_ARCHITECTURE || !encoderRows || hidden <= 0) return undefined;
  const reached = model.weights?.training?.finalMovement;
  const m = columns.size;
  const rowOf = new Map(model.titleIds.map((id, row) => [id, row]));
  const from = Int32Array.from(columns.warm, (row) => rowOf.get(titleIds[row]!) ?? -1);
  const out = new Float32Array(Math.min(d, hidden) * m);
  let kept = 0;
  for (let j = 0; j < Math.min(d, hidden); j++) {
    let norm = 0;
    for (let c = 0; c < m; c++) {
      const v = from[c]! < 0 ? 0 : encoderRows[from[c]! * hidden + j]!;
      out[kept * m + c] = v;
      norm += v * v;
    }
    if (!(norm > 0)) continue;
    const scale = 1 / Math.sqrt(norm);
    for (let c = 0; c < m; c++) out[kept * m + c]! *= scale;
    kept += 1;
  }
  return kept > 0 ? { rows: out.subarray(0, kept * m), tolerance: typeof reached === 'number' && Number.isFinite(reached) ? reached : 0 } : undefined;
}

/** Every row of the Gram matrix in one sparse matrix, and what the training record says about them. */
interface GramRows {
  matrix: SparseRowMatrix;
  columns: WarmColumns;
  ratedCount: Int32Array;
  users: number;
  sessions: number;
  windows: number;
}

/**
 * The users' rows, then their session and window rows (src/model/sessions.ts), packed into one sparse matrix.
 * The per-row arrays are garbage once this returns: at ml-32m's shape they are millions of small typed arrays.
 */
function gramRows(dataset: RatingsDataset, rowOf: ReadonlyMap<number, number>, opts: TrainOptions): GramRows {
  // No validation carve: the hyperparameters are chosen by bench/tune.ts on carves of the tuning seeds' training data.
  const full = carveTraining(dataset, rowOf, { ...opts, validationFraction: 0 }, seededRandom(opts.seed));
  const sessions = sessionRows(dataset.ratings, rowOf, opts);
  const windows = windowRows(dataset.ratings, rowOf, opts);
  const columns = new WarmColumns(full.ratedCount);
  const content = contentGramRows(dataset, columns.warm, opts.contentRowsShare, squaredSum([full.train, sessions, windows]));
  const matrix = SparseRowMatrix.from([full.train, sessions, windows, content], columns);
  return { matrix, columns, ratedCount: full.ratedCount, users: full.train.length, sessions: sessions.length, windows: windows.length };
}

/** trace of the Gram matrix of these rows: the sum of their squared weights. */
function squaredSum(groups: readonly (readonly SparseRow[])[]): number {
  let sum = 0;
  for (const group of groups) for (const row of group) for (const w of row.weights) sum += w * w;
  return sum;
}

/** The served model from a spectrum: shrunk rows for the warm titles, text-mapped rows for the cold ones. */
function assemble(dataset: RatingsDataset, opts: TrainOptions, gram: GramRows, spectrum: Spectrum, backend: string): EmbeddingModel {
  const d = Math.round(opts.dimension);
  // Both sides carry sqrt(s / (s + lambda)): the product is W, and title vectors live in the same shrunk space
  // as the user vectors, which is what the HNSW index and similar() compare.
  const rows = shrunkRows(spectrum, opts.l2);
  const { warm } = spectrum.columns;
  const n = dataset.titleIds.length;
  const m = warm.length;
  const titleVectors = new Float32Array(n * (d + 1));
  const encoderRows = new Float32Array(n * d);
  const kept = spectrum.values.length;
  warm.forEach((row, col) => {
    for (let j = 0; j < kept; j++) {
      titleVectors[row * (d + 1) + j] = rows[j * m + col]!;
      encoderRows[row * d + j] = rows[j * m + col]!;
    }
  });
  const cold = fillColdTitles(textMatrix(dataset), gram.ratedCount, titleVectors, encoderRows, d, 'rare-titles');
  // After the cold fill: a cold title's content rows are its own text, not a prediction from it.
  const parts = withContentTerm({ titleVectors, encoderRows, d }, dataset, warm, opts.contentWeight);
  return new EmbeddingModel({
    ...commonWeights(dataset, opts, backend),
    hidden: parts.hidden,
    titleVectors: parts.titleVectors,
    encoderRows: parts.encoderRows,
    encoderBias: new Float32Array(parts.hidden),
    encoding: 'linear',
    architecture: SPECTRAL_ARCHITECTURE,
    training: {
      options: { ...opts },
      users: gram.users,
      sessions: gram.sessions,
      windows: gram.windows,
      ratings: dataset.ratings.length,
      trainedTitles: m,
      coldTitles: cold,
      contentDimensions: parts.contentDimensions,
      lossHistory: spectrum.lossHistory,
      bestEpoch: spectrum.lossHistory.length,
      epochSeconds: spectrum.epochSeconds,
      epochCpuSeconds: spectrum.epochCpuSeconds,
      passThreads: spectrum.threads,
      warmStarted: spectrum.warmStarted,
      // null, not NaN, after a single pass: the record is stored as JSON.
      finalMovement: Number.isFinite(spectrum.movement) ? spectrum.movement : null,
    },
  });
}

/** d x columns: eigenvector j scaled by sqrt(s_j / (s_j + lambda)), lambda = shrinkage * s_max. */
function shrunkRows(spectrum: Spectrum, shrinkage: number): Float32Array {
  const m = spectrum.columns.size;
  const out = new Float32Array(spectrum.vectors.length);
  const lambda = shrinkage * (spectrum.values[0] ?? 0);
  spectrum.values.forEach((s, j) => {
    const f = s > 0 ? Math.sqrt(s / (s + lambda)) : 0;
    for (let c = 0; c < m; c++) out[j * m + c] = spectrum.vectors[j * m + c]! * f;
  });
  return out;
}
