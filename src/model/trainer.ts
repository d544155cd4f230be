import type { EmbeddingModel, EmbeddingWeights } from './embedding-model.ts';
import type { Architecture, TrainOptions } from './options.ts';
import type { RatingsDataset } from './types.ts';

/** Per-epoch numbers passed to {@link TrainHooks.onEpoch}. */
export interface EpochMetrics {
  seconds: number;
  validationNdcg?: number;
}

export interface TrainHooks {
  onEpoch?(epoch: number, loss: number, metrics?: EpochMetrics): void | Promise<void>;
  signal?: AbortSignal;
  /**
   * `spectral` only: an earlier model of that architecture (the retrain's gate fit, for its refit) whose encoder
   * rows seed the subspace iteration, so it settles in fewer passes; the other architectures ignore it. The answer
   * does not depend on it beyond the iteration's tolerance (test/unit/model/warm-start.test.ts).
   */
  warmStart?: WarmStart;
}

/** What a warm start reads of an earlier model: its title ids and encoder rows (an `EmbeddingModel` has both). */
export interface WarmStart {
  readonly architecture: string;
  readonly titleIds: readonly number[];
  readonly weights?: { readonly encoderRows?: Float32Array; readonly hidden?: number; readonly training?: Readonly<Record<string, unknown>> };
}

/** What the dispatcher has already prepared for a trainer: checked title rows, the live backend, the caller's hooks. */
export interface TrainContext {
  /** Dataset row of every title id (from `validate`). */
  rowOf: Map<number, number>;
  /** Name of the TensorFlow.js backend in use, recorded with the model. */
  backend: string;
  hooks: TrainHooks;
}

/** One architecture's training: options already resolved and validated, returns a servable model. */
export interface Trainer {
  readonly architecture: Architecture;
  train(dataset: RatingsDataset, opts: TrainOptions, ctx: TrainContext): Promise<EmbeddingModel>;
}

/** Throws the abort reason once `hooks.signal` has fired; trainers call it between batches. */
export function throwIfAborted(hooks: TrainHooks): void {
  if (hooks.signal?.aborted) throw hooks.signal.reason ?? new Error('Training was aborted.');
}

/** The parts of a trained model's weights that every trainer fills the same way from the dataset and options. */
export function commonWeights(dataset: RatingsDataset, opts: TrainOptions, backend: string): Pick<EmbeddingWeights, 'backend' | 'hidden' | 'titleIds' | 'weighting'> {
  return {
    backend,
    hidden: Math.round(opts.dimension),
    titleIds: [...dataset.titleIds],
    weighting: { weighting: opts.weighting, recencyHalfLifeDays: opts.recencyHalfLifeDays },
  };
}
