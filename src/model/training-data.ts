import { shuffleInPlace } from '../lib/random.ts';
import { historyWeights, isColumns, userHistories } from './history.ts';
import { TrainingInputError, validateOptions, type TrainOptions } from './options.ts';
import type { TextMatrix } from './text-map.ts';
import type { RatingsDataset, SparseRow } from './types.ts';

/**
 * Checks that training can use `dataset` and `options` (a {@link TrainingInputError} names the first problem)
 * and returns the dataset row of every title id.
 */
export function validate(dataset: RatingsDataset, options: TrainOptions): Map<number, number> {
  if (dataset.titleIds.length === 0) throw new TrainingInputError('The dataset has no titles; import titles before training.');
  if (dataset.ratings.length === 0) throw new TrainingInputError('The dataset has no ratings; a model needs at least one rating to learn from.');
  const rowOf = new Map<number, number>();
  dataset.titleIds.forEach((id, row) => {
    if (!Number.isInteger(id)) throw new TrainingInputError(`Title id ${id} is not an integer.`);
    if (rowOf.has(id)) throw new TrainingInputError(`Title id ${id} appears twice in dataset.titleIds.`);
    rowOf.set(id, row);
  });
  const check = (userId: number, titleId: number, value: number) => {
    if (!rowOf.has(titleId)) throw new TrainingInputError(`A rating by user ${userId} refers to title ${titleId}, which is not in dataset.titleIds.`);
    if (!(value >= 0.5 && value <= 5)) throw new TrainingInputError(`A rating by user ${userId} of title ${titleId} is ${value}; ratings must be 0.5 to 5.`);
  };
  const { ratings } = dataset;
  if (isColumns(ratings)) for (let i = 0; i < ratings.length; i++) check(ratings.userIds[i]!, ratings.titleIds[i]!, ratings.values[i]!);
  else for (const r of ratings) check(r.userId, r.titleId, r.value);
  validateOptions(options);
  return rowOf;
}

/** Title text matrix (titles x textDim, zero rows where text is unknown), or undefined with no text at all. */
export function textMatrix(dataset: RatingsDataset): TextMatrix | undefined {
  const text = dataset.titleText;
  if (!text || text.size === 0) return undefined;
  const first = text.values().next().value as Float32Array;
  const dim = first.length;
  if (dim === 0) return undefined;
  const values = new Float32Array(dataset.titleIds.length * dim);
  dataset.titleIds.forEach((id, row) => {
    const v = text.get(id);
    if (!v) return;
    if (v.length !== dim) throw new TrainingInputError(`Title ${id} has a text embedding of length ${v.length}; others have ${dim}. Re-embed all titles with one encoder.`);
    values.set(v, row * dim);
  });
  return { values, dim };
}

/** One validation user: the sparse input row kept for training and the title rows held out of it. */
export interface ValidationUser {
  input: SparseRow;
  heldOut: Set<number>;
}

/** Users' sparse input rows for training, the validation carve (held-out titles per user) and how often each title row is rated in training. */
export interface CarvedData {
  train: SparseRow[];
  validation: ValidationUser[];
  ratedCount: Int32Array;
}

/**
 * Groups ratings by user into sparse weighted rows and holds out `validationFraction` of the titles of
 * users with at least 5 titles (up to `validationUsers` users) to choose the best epoch.
 */
export function carveTraining(dataset: RatingsDataset, rowOf: ReadonlyMap<number, number>, opts: TrainOptions, random: () => number): CarvedData {
  const n = dataset.titleIds.length;
  const train: SparseRow[] = [];
  const validation: ValidationUser[] = [];
  const ratedCount = new Int32Array(n);
  for (const history of userHistories(dataset.ratings)) {
    const weights = historyWeights(history, rowOf, opts);
    const rows = [...weights.keys()].sort((a, b) => a - b);
    let heldOut = new Set<number>();
    // Users with fewer than 5 titles give too little signal to hold any out.
    if (opts.validationFraction > 0 && rows.length >= 5 && validation.length < opts.validationUsers) {
      const count = Math.max(1, Math.round(rows.length * opts.validationFraction));
      heldOut = new Set(shuffleInPlace([...rows], random).slice(0, count));
    }
    const kept = rows.filter((row) => !heldOut.has(row));
    const sparse = { rows: Int32Array.from(kept), weights: Float32Array.from(kept, (row) => weights.get(row)!) };
    for (const row of kept) ratedCount[row]! += 1;
    train.push(sparse);
    if (heldOut.size > 0) validation.push({ input: sparse, heldOut });
  }

  return { train, validation, ratedCount };
}
