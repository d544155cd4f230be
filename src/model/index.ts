/**
 * The recommender model: training (`train.ts` dispatches to one `Trainer` per architecture: `spectral.ts`, the
 * default closed form, `linear.ts`, `mult-dae.ts`), the shared preparation (`options.ts`, `training-data.ts`,
 * `sessions.ts`, `history.ts`, `cold-titles.ts`, `text-map.ts`) and the servable `EmbeddingModel` with its stored
 * format (`embedding-model.ts`: every stored version of every architecture loads through `deserializeModel`).
 * README.md in this folder maps the files and says why each architecture is what it is. Code here may import
 * only `src/lib`, `src/eval/metrics.ts` (ranking metrics for validation) and this folder, never the bot, CLI,
 * worker or database layers: callers pass data in. Importers that must not load TensorFlow.js (serving) import
 * `embedding-model.ts` directly rather than this file.
 */
export { initBackend, type BackendPreference } from './backend.ts';
export { trainModel } from './train.ts';
export { defaultTrainOptions, TrainingInputError, type Architecture, type TrainOptions } from './options.ts';
export type { EpochMetrics, TrainHooks, Trainer } from './trainer.ts';
export { deserializeModel, EmbeddingModel, ModelFormatError, type EmbeddingWeights } from './embedding-model.ts';
export { historyWeights, normaliseWeights, type HistoryWeighting } from './history.ts';
export type { Rating, RatingsDataset, TrainedModel } from './types.ts';
