export { initBackend, type BackendPreference } from './backend.ts';
export { trainModel, defaultTrainOptions, TrainingInputError, seededRandom, type TrainOptions, type TrainHooks, type EpochMetrics } from './train.ts';
export { DaeModel, ModelFormatError, ARCHITECTURE, type DaeWeights } from './dae-model.ts';
export { historyWeights, normaliseWeights, type HistoryWeighting } from './history.ts';
export type { Rating, RatingsDataset, TrainedModel } from './types.ts';

import { deserializeDae, type DaeModel } from './dae-model.ts';

/**
 * Rebuilds a trained model from the parts {@link TrainedModel.serialize} produced. Throws a
 * ModelFormatError naming the missing, damaged or mismatched part rather than returning a wrong model.
 */
export function deserializeModel(parts: Map<string, Uint8Array>): DaeModel {
  return deserializeDae(parts);
}
