/** Plain data shared by training, evaluation, the index and the recommendation service. No I/O here. */

/** One rating as the model sees it: any user (dataset or Discord) and any title, by database id. */
export interface Rating {
  userId: number;
  titleId: number;
  /** 0.5 to 5 in half steps. */
  value: number;
  /** Milliseconds since the epoch; newer ratings may weigh more. */
  ratedAt: number;
}

/**
 * Ratings held column by column: 24 bytes a rating, where a {@link Rating} object costs about 130 in V8 (the
 * object, two boxed doubles, the array slot). What the retrain loads, so that ml-32m's 32M ratings fit the heap.
 * Row i is (userIds[i], titleIds[i], values[i], ratedAt[i]).
 */
export interface RatingColumns {
  readonly length: number;
  readonly userIds: Int32Array;
  readonly titleIds: Int32Array;
  readonly values: Float64Array;
  readonly ratedAt: Float64Array;
}

/** Ratings as objects or as columns: everything that reads a dataset's ratings takes either. */
export type RatingList = readonly Rating[] | RatingColumns;

/** What training reads: all ratings in memory, plus optional title text vectors for cold titles. */
export interface RatingsDataset {
  ratings: Rating[] | RatingColumns;
  /** Every title that may be recommended, including titles nobody rated yet. */
  titleIds: number[];
  /** Text embedding per title id (normalised), when known. */
  titleText?: Map<number, Float32Array>;
}

/**
 * A trained model: a vector per title and a way to turn any user's ratings into a vector in the same
 * space, without retraining. score(user, title) = dot(userVector, titleVector).
 */
export interface TrainedModel {
  readonly architecture: string;
  readonly backend: string;
  readonly dimension: number;
  /** Row i of titleVectors belongs to titleIds[i]. */
  readonly titleIds: readonly number[];
  /** titleIds.length x dimension, row-major. */
  readonly titleVectors: Float32Array;
  userVector(history: readonly Pick<Rating, 'titleId' | 'value' | 'ratedAt'>[]): Float32Array;
  /** Named binary parts that {@link ModelCodec.deserialize} turns back into an equal model. */
  serialize(): Map<string, Uint8Array>;
}

/** One training row in sparse form: the dataset rows of its titles (ascending) and their input weights. */
export interface SparseRow {
  rows: Int32Array;
  weights: Float32Array;
}
