import { initBackend } from './backend.ts';
import type { EmbeddingModel } from './embedding-model.ts';
import { linearTrainer } from './linear.ts';
import { multDaeTrainer } from './mult-dae.ts';
import { resolveTrainOptions, type Architecture, type TrainOptions } from './options.ts';
import { spectralTrainer } from './spectral.ts';
import type { TrainHooks, Trainer } from './trainer.ts';
import { validate } from './training-data.ts';
import type { RatingsDataset } from './types.ts';

/** One trainer per architecture (a file each); `resolveTrainOptions` rejects any other architecture name. */
const trainers: Record<Architecture, Trainer> = {
  spectral: spectralTrainer,
  linear: linearTrainer,
  'mult-dae': multDaeTrainer,
};

/**
 * Trains a model of `options.architecture` (default `spectral`) on `dataset` and returns a servable model.
 * Options and data are checked here once (a `TrainingInputError` names the problem), then the architecture's
 * trainer runs. Honours `hooks.signal` between batches and passes.
 */
export async function trainModel(dataset: RatingsDataset, options: Partial<TrainOptions> = {}, hooks: TrainHooks = {}): Promise<EmbeddingModel> {
  const opts = resolveTrainOptions(options);
  const rowOf = validate(dataset, opts);
  const backend = await initBackend(opts.backend);
  return trainers[opts.architecture].train(dataset, opts, { rowOf, backend, hooks });
}
