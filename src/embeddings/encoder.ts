import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The model used when none is named: a small sentence-transformer, downloaded on first use where there is internet. */
export const DEFAULT_EMBEDDING_MODEL = 'Xenova/all-MiniLM-L6-v2';
export const DEFAULT_MODELS_DIR = 'data/models';
/**
 * Texts per inference call. Measured on the project's own model (bench/embeddings.ts): 16 beat 32, 64
 * and 256, because each batch pads to its longest text and transformers.js' mean pooling walks every
 * padded position for every dimension.
 */
export const DEFAULT_BATCH_SIZE = 16;

/** Files a model needs in the transformers.js layout (fp32 weights). */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

/** Turns texts into normalised vectors of one fixed dimension. */
export interface TitleEncoder {
  /** The model as asked for: a hub id such as "Xenova/all-MiniLM-L6-v2", or an absolute model directory. */
  readonly modelName: string;
  /**
   * What stored embeddings record as their model: {@link modelName} plus "#" and the start of the
   * weights' sha256, so a model remade in the same place does not pass for the old one.
   */
  readonly modelKey: string;
  readonly dimension: number;
  /** One unit-length vector per text, in order (all zeros for a text with no known word). */
  encode(texts: readonly string[]): Promise<Float32Array[]>;
  /** Frees the ONNX session. */
  dispose(): Promise<void>;
}

export interface TitleEncoderOptions {
  /** Hub model id (looked up under `modelsDir`, downloaded there if allowed) or a model directory. Maps to EMBEDDING_MODEL. */
  model?: string;
  /** Root of local models and cache of downloaded ones. Maps to MODELS_DIR. */
  modelsDir?: string;
  /** Whether a missing model may be downloaded from the Hugging Face hub. Maps to ALLOW_REMOTE_MODELS. */
  allowRemoteModels?: boolean;
  /** Texts per inference call (default {@link DEFAULT_BATCH_SIZE}). */
  batchSize?: number;
}

/** No model could be found or fetched; the message says which, where it looked and how to provide one. */
export class EmbeddingModelUnavailableError extends Error {
  override name = 'EmbeddingModelUnavailableError';
}

/** Where a model comes from: a directory on disk, or a hub id resolved under the models directory. */
export interface ModelLocation {
  kind: 'directory' | 'hub';
  /** What transformers.js is given: the absolute directory, or the hub id. */
  name: string;
  /** The directory the model's files are (or will be cached) in. */
  dir: string;
}

/**
 * Decides whether `model` names a directory (absolute, starting with ".", with two or more slashes,
 * or holding a config.json) or a hub id, which lives under `modelsDir` (the same folder serves as download cache).
 */
export function locateModel(model: string, modelsDir: string): ModelLocation {
  const trimmed = model.trim();
  if (!trimmed) throw new EmbeddingModelUnavailableError('The embedding model name is empty; set EMBEDDING_MODEL or pass --model.');
  // Hub ids are "name" or "owner/name"; anything with more slashes can only be a path.
  const pathLike = isAbsolute(trimmed) || trimmed.startsWith('.') || trimmed.split(/[\\/]/).length > 2;
  if (pathLike || existsSync(join(trimmed, 'config.json'))) {
    const dir = resolve(trimmed);
    return { kind: 'directory', name: dir, dir };
  }
  return { kind: 'hub', name: trimmed, dir: resolve(modelsDir, trimmed) };
}

/** Which of the model's files are missing from `dir`. */
export function missingModelFiles(dir: string): string[] {
  return MODEL_FILES.filter((file) => !existsSync(join(dir, file)));
}

function unavailable(location: ModelLocation, modelsDir: string, reason: string): EmbeddingModelUnavailableError {
  const dir = location.dir;
  const looked = MODEL_FILES.map((f) => join(dir, f)).join(', ');
  const makeModelDir = location.kind === 'directory' ? dir : resolve(modelsDir, 'tastebud');
  return new EmbeddingModelUnavailableError(
    `Embedding model "${location.name}" is not available: ${reason}. Looked for ${looked}. ` +
      `To provide one: make the project's own model with \`tastebud embeddings make-model --movies <movies.csv> --tags <tags.csv> --out ${makeModelDir}\` ` +
      `and use it (EMBEDDING_MODEL=${makeModelDir} or --model ${makeModelDir}); or copy a model in the transformers.js layout ` +
      `(${MODEL_FILES.join(', ')}) into ${dir}; or, on a machine with internet and ALLOW_REMOTE_MODELS=true, let it download into ${resolve(modelsDir)}.`,
  );
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// transformers.js reads its settings from one global `env` while loading; loads take turns so two
// encoders with different settings cannot see each other's.
let loading: Promise<unknown> = Promise.resolve();

/**
 * Loads a feature-extraction pipeline (mean pooling, L2 normalisation, fp32 weights) for `options.model`
 * and probes its dimension. Throws {@link EmbeddingModelUnavailableError} when the model is neither on
 * disk nor downloadable.
 */
export async function createTitleEncoder(options: TitleEncoderOptions = {}): Promise<TitleEncoder> {
  const modelsDir = resolve(options.modelsDir ?? DEFAULT_MODELS_DIR);
  const allowRemoteModels = options.allowRemoteModels ?? true;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a whole number of 1 or more; got ${batchSize}.`);
  const location = locateModel(options.model ?? DEFAULT_EMBEDDING_MODEL, modelsDir);

  const missing = missingModelFiles(location.dir);
  if (location.kind === 'directory') {
    if (!existsSync(location.dir) || !statSync(location.dir).isDirectory()) throw unavailable(location, modelsDir, 'the directory does not exist');
    if (missing.length > 0) throw unavailable(location, modelsDir, `the directory lacks ${missing.join(', ')}`);
  } else if (missing.length > 0 && !allowRemoteModels) {
    throw unavailable(location, modelsDir, `it is not in ${location.dir} and downloading is off (ALLOW_REMOTE_MODELS=false)`);
  }

  const load = loading.then(async () => {
    const { env, LogLevel, pipeline } = await import('@huggingface/transformers');
    env.allowLocalModels = true;
    env.localModelPath = modelsDir;
    env.cacheDir = modelsDir;
    env.allowRemoteModels = allowRemoteModels;
    // Its per-file "not found locally" warnings would clutter the CLI's output; failures still throw.
    env.logLevel = LogLevel.ERROR;
    return pipeline('feature-extraction', location.name, {
      dtype: 'fp32',
      cache_dir: modelsDir,
      local_files_only: !allowRemoteModels,
    });
  });
  loading = load.catch(() => undefined);
  let extractor: Awaited<typeof load>;
  try {
    extractor = await load;
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    if (missingModelFiles(location.dir).length > 0) {
      throw unavailable(location, modelsDir, allowRemoteModels ? `downloading it failed (${cause})` : `loading it failed (${cause})`);
    }
    throw new Error(`Embedding model "${location.name}" in ${location.dir} failed to load: ${cause}`, { cause: error });
  }

  const run = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const output = await extractor([...texts], { pooling: 'mean', normalize: true });
    const [rows, dim] = output.dims as [number, number];
    const data = output.data as Float32Array;
    const vectors: Float32Array[] = [];
    for (let r = 0; r < rows; r++) {
      const vector = data.slice(r * dim, (r + 1) * dim);
      // A text without one known word pools to zeros, which normalising turns into NaN.
      if (vector.some((v) => !Number.isFinite(v))) vector.fill(0);
      vectors.push(vector);
    }
    return vectors;
  };

  let dimension: number;
  try {
    const probe = await run(['probe']);
    dimension = probe[0]?.length ?? 0;
  } catch (error) {
    await extractor.dispose();
    throw new Error(`Embedding model "${location.name}" loaded but could not embed a test text: ${(error as Error).message}`, { cause: error });
  }
  const weights = join(location.dir, 'onnx', 'model.onnx');
  const fingerprint = existsSync(weights) ? (await sha256File(weights)).slice(0, 12) : 'unknown';

  return {
    modelName: location.name,
    modelKey: `${location.name}#${fingerprint}`,
    dimension,
    async encode(texts) {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        out.push(...(await run(texts.slice(start, start + batchSize))));
      }
      return out;
    },
    dispose: () => extractor.dispose(),
  };
}
