import type { BackendPreference } from './backend.ts';
import type { SessionOptions } from './sessions.ts';

/** Training settings. Defaults ({@link defaultTrainOptions}) were tuned on a validation split of ml-latest-small. */
export interface TrainOptions extends SessionOptions {
  /**
   * `spectral` (default): the linear autoencoder solved in closed form (src/model/spectral.ts).
   * `linear`: the linear low-rank autoencoder with self-exclusion trained by Adam (src/model/linear.ts).
   * `mult-dae`: the tanh Mult-DAE with a softmax likelihood (the first architecture, src/model/mult-dae.ts).
   */
  architecture: 'spectral' | 'linear' | 'mult-dae';
  /** Standard deviation of the linear model's initial weights. */
  initScale: number;
  /** Hidden size d of the user/title space; served vectors have d + 1 components (bias folded in). */
  dimension: number;
  /**
   * Upper bound on epochs; early stopping on validation nDCG usually ends sooner. For `spectral`: the number of
   * subspace-iteration passes over the rating matrix.
   */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Input dropout rate (the "denoising" in Mult-DAE; the linear model does not use it). */
  dropout: number;
  /** Seeds weight init, dropout masks, batch order and the validation carve. */
  seed: number;
  /**
   * L2 penalty on all weight matrices: per batch for the Mult-DAE, per pass over all users for the linear model.
   * For `spectral`: the ridge strength as a fraction of the largest eigenvalue of X^T X (so it scales with the
   * data).
   */
  l2: number;
  /**
   * Share of each user's titles held out of training to pick the best epoch; 0 trains on everything for `epochs`.
   * `spectral` has no epochs to pick and always trains on everything.
   */
  validationFraction: number;
  /** Stop after this many epochs without a better validation nDCG. */
  patience: number;
  /** k of the validation nDCG@k. */
  validationK: number;
  /** At most this many users are scored for validation (keeps big datasets cheap). */
  validationUsers: number;
  backend: BackendPreference;
  /**
   * Also learn text projections inside the network (title rows = free embedding + projected text).
   * Off by default: with free embeddings the projection gets little signal and costs time. Cold titles
   * get their vectors from the text map fitted after training either way.
   */
  textProjection: boolean;
  /**
   * `spectral` only: weight of the content term (src/model/content-term.ts), relative to the warm titles' mean
   * self-score. Scores gain this x (the member's titles' standardised text) . (the title's): titles that read like
   * the member's rise. 0: no content term, vectors of d + 1 components.
   */
  contentWeight: number;
  /**
   * `spectral` only: share of the Gram matrix's trace given to the content rows (src/model/content-term.ts,
   * `contentGramRows`) added to it before the decomposition, so titles that read alike share its directions.
   * 0: the Gram matrix of ratings, sessions and windows only.
   */
  contentRowsShare: number;
  /**
   * `spectral` only: threads the sparse passes run on (src/model/parallel-gram.ts; small data stays in one). Not a
   * model setting: the result is the same up to float64 rounding. 1 by default; the worker passes the machine's
   * cores (`TRAIN_THREADS`), since this folder reads no settings.
   */
  trainThreads: number;
}

/**
 * Production defaults: the closed-form linear autoencoder (src/model/README.md says why). The gradient-trained
 * architectures start from their own settings ({@link architectureDefaults}); explicit options override both.
 */
export const defaultTrainOptions: TrainOptions = {
  architecture: 'spectral',
  initScale: 0.03,
  dimension: 384,
  epochs: 6,
  batchSize: 128,
  learningRate: 2e-3,
  dropout: 0.5,
  seed: 42,
  // l2, dimension, sessionGapMinutes, sessionWeight, windowLength and windowWeight: chosen by `npx tsx bench/tune.ts`
  // on a validation carve of tuning seed 101's training split (validation nDCG@10 0.2021; BENCHMARKS.md, "Quality"),
  // never on a test split. The content term that search found (`--content-only`: contentWeight 0.35 at d 512, 0.2084)
  // is off by default: it makes lists markedly less varied and vectors 38 % longer, and every serving figure was
  // measured without it (src/model/README.md, BENCHMARKS.md "Quality").
  l2: 0.12,
  validationFraction: 0.1,
  patience: 6,
  validationK: 10,
  validationUsers: 2000,
  backend: 'auto',
  textProjection: false,
  weighting: 'binary',
  recencyHalfLifeDays: undefined,
  sessionGapMinutes: 5,
  sessionWeight: 2,
  windowLength: 20,
  windowWeight: 1,
  contentWeight: 0,
  contentRowsShare: 0,
  trainThreads: 1,
};

/** What each architecture changes in {@link defaultTrainOptions} (values tuned for it on ml-latest-small). */
export const architectureDefaults: Record<TrainOptions['architecture'], Partial<TrainOptions>> = {
  spectral: {},
  linear: { dimension: 256, epochs: 60, l2: 100 },
  'mult-dae': { dimension: 256, epochs: 30, batchSize: 32, learningRate: 5e-3, l2: 0.01, patience: 5 },
};

/** The options training will use: the architecture's defaults under the given ones. */
export function resolveTrainOptions(options: Partial<TrainOptions>): TrainOptions {
  const architecture = options.architecture ?? defaultTrainOptions.architecture;
  const known = Object.keys(architectureDefaults);
  if (!known.includes(architecture)) throw new TrainingInputError(`Training option architecture must be one of ${known.join(', ')} (got ${String(architecture)}).`);
  return { ...defaultTrainOptions, ...architectureDefaults[architecture], ...options, architecture };
}

/** A dataset or option that training cannot use; the message says what to fix. */
export class TrainingInputError extends Error {
  override name = 'TrainingInputError';
}

/** The architectures `trainModel` can train, by their option value. */
export type Architecture = TrainOptions['architecture'];

/** Checks the options that every architecture reads; throws a {@link TrainingInputError} naming the first bad one. */
export function validateOptions(options: TrainOptions): void {
  const positive: (keyof TrainOptions)[] = ['dimension', 'epochs', 'batchSize', 'learningRate', 'validationK', 'validationUsers'];
  for (const key of positive) {
    const value = options[key];
    if (typeof value !== 'number' || !(value > 0)) throw new TrainingInputError(`Training option ${key} must be a positive number (got ${String(value)}).`);
  }
  if (!(options.dropout >= 0 && options.dropout < 1)) throw new TrainingInputError(`Training option dropout must be in [0, 1) (got ${options.dropout}).`);
  if (!(options.sessionGapMinutes > 0)) throw new TrainingInputError(`Training option sessionGapMinutes must be a positive number of minutes (got ${String(options.sessionGapMinutes)}).`);
  if (!(options.sessionWeight >= 0 && Number.isFinite(options.sessionWeight))) {
    throw new TrainingInputError(`Training option sessionWeight must be 0 (sessions off) or a positive number (got ${String(options.sessionWeight)}).`);
  }
  if (!(Number.isInteger(options.windowLength) && options.windowLength >= 0)) {
    throw new TrainingInputError(`Training option windowLength must be a whole number of ratings, 0 for no windows (got ${String(options.windowLength)}).`);
  }
  if (!(options.windowWeight >= 0 && Number.isFinite(options.windowWeight))) {
    throw new TrainingInputError(`Training option windowWeight must be 0 (windows off) or a positive number (got ${String(options.windowWeight)}).`);
  }
  if (!(options.contentRowsShare >= 0 && Number.isFinite(options.contentRowsShare))) {
    throw new TrainingInputError(`Training option contentRowsShare must be 0 (no content rows) or a positive number (got ${String(options.contentRowsShare)}).`);
  }
  if (!(options.contentWeight >= 0 && Number.isFinite(options.contentWeight))) {
    throw new TrainingInputError(`Training option contentWeight must be 0 (no content term) or a positive number (got ${String(options.contentWeight)}).`);
  }
  if (!(Number.isInteger(options.trainThreads) && options.trainThreads >= 1)) {
    throw new TrainingInputError(`Training option trainThreads must be a whole number of threads, at least 1 (got ${String(options.trainThreads)}).`);
  }
  if (!(options.validationFraction >= 0 && options.validationFraction < 0.5)) {
    throw new TrainingInputError(`Training option validationFraction must be in [0, 0.5) (got ${options.validationFraction}).`);
  }
}
