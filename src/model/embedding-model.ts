import { historyWeights, normaliseWeights, type HistoryWeighting } from './history.ts';
import type { Rating, TrainedModel } from './types.ts';

/** The tanh Mult-DAE trained by `trainMultDae` (src/model/mult-dae.ts): the first architecture. */
export const MULT_DAE_ARCHITECTURE = 'mult-dae-text-v1';
/** The linear low-rank denoising autoencoder trained by `trainLinear` (src/model/linear.ts): same parts, no tanh, raw input. */
export const LINEAR_ARCHITECTURE = 'linear-ae-v1';
/** The linear autoencoder solved in closed form by `trainSpectral` (src/model/spectral.ts): served exactly like the linear one. */
export const SPECTRAL_ARCHITECTURE = 'linear-ae-closed-form-v1';

/** How the hidden vector is formed from the weighted sum of encoder rows. */
export type Encoding = 'tanh-l2' | 'linear';

/**
 * Everything a trained model of any architecture needs at serving time (the Mult-DAE, the linear and the
 * closed-form linear autoencoder share these parts); produced by training or by deserialisation.
 */
export interface EmbeddingWeights {
  backend: string;
  /** Hidden size d; served vectors have d + 1 components (the last one carries the title bias). */
  hidden: number;
  titleIds: number[];
  /** titleIds.length x (hidden + 1): decoder row plus the title's output bias. */
  titleVectors: Float32Array;
  /** titleIds.length x hidden: encoder row per title (free embedding + projected text). */
  encoderRows: Float32Array;
  encoderBias: Float32Array;
  weighting: HistoryWeighting;
  /** Training record kept with the model (loss per epoch, validation metric, options). */
  training: Record<string, unknown>;
  /**
   * `tanh-l2` (default, the Mult-DAE): history weights L2-normalised, tanh after the sum.
   * `linear` (the linear autoencoder): raw history weights, no activation.
   */
  encoding?: Encoding;
  /** Architecture name recorded with the model; by default derived from the encoding. */
  architecture?: string;
}

/**
 * A trained model of any architecture: a vector per title and an encoder that turns any history into a user
 * vector in the same space. The user vector is sum_j w_j * encoderRow_j + bias (for the Mult-DAE: tanh of it,
 * with the history weights L2-normalised), followed by a constant 1 that meets each title's bias, so
 * score(user, title) = dot(userVector, titleVector) is exactly the trained network's score.
 */
export class EmbeddingModel implements TrainedModel {
  readonly architecture: string;
  readonly backend: string;
  readonly dimension: number;
  readonly titleIds: readonly number[];
  readonly titleVectors: Float32Array;
  readonly weights: EmbeddingWeights;
  private readonly rowOf: Map<number, number>;

  constructor(weights: EmbeddingWeights) {
    this.weights = weights;
    this.architecture = architectureOf(weights);
    this.backend = weights.backend;
    this.dimension = weights.hidden + 1;
    this.titleIds = weights.titleIds;
    this.titleVectors = weights.titleVectors;
    this.rowOf = new Map(weights.titleIds.map((id, row) => [id, row]));
  }

  /** Row of a title in {@link titleVectors}, or undefined for a title the model has never seen. */
  rowOfTitle(titleId: number): number | undefined {
    return this.rowOf.get(titleId);
  }

  userVector(history: readonly Pick<Rating, 'titleId' | 'value' | 'ratedAt'>[]): Float32Array {
    const d = this.weights.hidden;
    const linear = this.weights.encoding === 'linear';
    const raw = historyWeights(history, this.rowOf, this.weights.weighting);
    const input = linear ? raw : normaliseWeights(raw);
    const acc = new Float64Array(d);
    const rows = this.weights.encoderRows;
    for (const [row, w] of input) {
      const base = row * d;
      for (let i = 0; i < d; i++) acc[i]! += w * rows[base + i]!;
    }
    const out = new Float32Array(d + 1);
    for (let i = 0; i < d; i++) {
      const pre = acc[i]! + this.weights.encoderBias[i]!;
      out[i] = linear ? pre : Math.tanh(pre);
    }
    out[d] = 1;
    return out;
  }

  serialize(): Map<string, Uint8Array> {
    return serializeModel(this.weights);
  }
}

function architectureOf(weights: EmbeddingWeights): string {
  return weights.architecture ?? (weights.encoding === 'linear' ? LINEAR_ARCHITECTURE : MULT_DAE_ARCHITECTURE);
}

const FORMAT = 'tastebud-mult-dae';
const FORMAT_VERSION = 1;

interface Meta {
  format: string;
  formatVersion: number;
  architecture: string;
  backend: string;
  hidden: number;
  titleCount: number;
  weighting: HistoryWeighting;
  training: Record<string, unknown>;
  /** Absent in models stored before the linear autoencoder existed: those are `tanh-l2`. */
  encoding?: Encoding;
  /** FNV-1a 32-bit hash of each binary part, so a damaged part is caught instead of served. */
  checksums: Record<string, number>;
}

// Views, not copies: the store writes parts one at a time while the model lives on, and a copy of every matrix of
// both models at once made saving the peak of a retrain. The weights are never written to after training.
const bytesOf = (array: Float32Array | Int32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Turns model weights into the named parts stored as ModelArtifact rows. */
export function serializeModel(weights: EmbeddingWeights): Map<string, Uint8Array> {
  const binary = new Map<string, Uint8Array>([
    ['titleIds.i32', bytesOf(Int32Array.from(weights.titleIds))],
    ['titleVectors.f32', bytesOf(weights.titleVectors)],
    ['encoderRows.f32', bytesOf(weights.encoderRows)],
    ['encoderBias.f32', bytesOf(weights.encoderBias)],
  ]);
  const meta: Meta = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    architecture: architectureOf(weights),
    backend: weights.backend,
    hidden: weights.hidden,
    titleCount: weights.titleIds.length,
    weighting: weights.weighting,
    training: weights.training,
    encoding: weights.encoding ?? 'tanh-l2',
    checksums: Object.fromEntries([...binary].map(([name, bytes]) => [name, fnv1a(bytes)])),
  };
  return new Map([['meta.json', new TextEncoder().encode(JSON.stringify(meta))], ...binary]);
}

/** A stored model whose parts are missing, damaged or inconsistent with each other. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

function floats(bytes: Uint8Array, expected: number, name: string): Float32Array {
  if (bytes.byteLength !== expected * 4) {
    throw new ModelFormatError(`Model part ${name} holds ${bytes.byteLength} bytes but the model metadata implies ${expected * 4}; the parts do not belong together.`);
  }
  // A view when the bytes are aligned (artifacts read in slices always are): a second copy of every vector
  // would cost a one-shot CLI call tens of MB at its peak.
  const out = bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, expected) : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new ModelFormatError(`Model part ${name} contains a non-finite value at index ${i}.`);
  }
  return out;
}

/**
 * Rebuilds a model of any architecture, from any stored version, from {@link serializeModel} parts. Throws {@link ModelFormatError} naming the problem for a
 * missing part, an unknown format, a checksum mismatch, sizes that disagree with the metadata, or a
 * duplicate title id: never returns a silently wrong model.
 */
export function deserializeModel(parts: Map<string, Uint8Array>): EmbeddingModel {
  const part = (name: string): Uint8Array => {
    const bytes = parts.get(name);
    if (!bytes) throw new ModelFormatError(`Model part ${name} is missing (have: ${[...parts.keys()].join(', ') || 'none'}).`);
    return bytes;
  };
  let meta: Meta;
  try {
    meta = JSON.parse(new TextDecoder().decode(part('meta.json'))) as Meta;
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    throw new ModelFormatError(`Model part meta.json is not valid JSON: ${(error as Error).message}`);
  }
  if (meta.format !== FORMAT || meta.formatVersion !== FORMAT_VERSION) {
    throw new ModelFormatError(`Model format ${String(meta.format)} v${String(meta.formatVersion)} is not ${FORMAT} v${FORMAT_VERSION}; retrain the model.`);
  }
  const { hidden, titleCount } = meta;
  const encoding = meta.encoding ?? 'tanh-l2';
  if (encoding !== 'tanh-l2' && encoding !== 'linear') throw new ModelFormatError(`Model metadata names an unknown encoding ${String(encoding)}; expected tanh-l2 or linear.`);
  if (!Number.isInteger(hidden) || hidden < 1 || !Number.isInteger(titleCount) || titleCount < 0) {
    throw new ModelFormatError(`Model metadata has an invalid size (hidden=${String(hidden)}, titleCount=${String(titleCount)}).`);
  }
  for (const [name, expected] of Object.entries(meta.checksums ?? {})) {
    if (fnv1a(part(name)) !== expected) throw new ModelFormatError(`Model part ${name} is damaged (checksum mismatch).`);
  }
  for (const name of ['titleIds.i32', 'titleVectors.f32', 'encoderRows.f32', 'encoderBias.f32']) {
    if (!(name in (meta.checksums ?? {}))) throw new ModelFormatError(`Model metadata has no checksum for part ${name}.`);
  }
  const idBytes = part('titleIds.i32');
  if (idBytes.byteLength !== titleCount * 4) {
    throw new ModelFormatError(`Model part titleIds.i32 holds ${idBytes.byteLength / 4} ids but the metadata says ${titleCount} titles.`);
  }
  const titleIds = Array.from(new Int32Array(idBytes.buffer.slice(idBytes.byteOffset, idBytes.byteOffset + idBytes.byteLength)));
  if (new Set(titleIds).size !== titleIds.length) throw new ModelFormatError('Model part titleIds.i32 repeats a title id.');
  return new EmbeddingModel({
    backend: meta.backend,
    hidden,
    titleIds,
    titleVectors: floats(part('titleVectors.f32'), titleCount * (hidden + 1), 'titleVectors.f32'),
    encoderRows: floats(part('encoderRows.f32'), titleCount * hidden, 'encoderRows.f32'),
    encoderBias: floats(part('encoderBias.f32'), hidden, 'encoderBias.f32'),
    weighting: meta.weighting,
    training: meta.training ?? {},
    encoding,
    ...(typeof meta.architecture === 'string' ? { architecture: meta.architecture } : {}),
  });
}
