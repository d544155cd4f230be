/**
 * Title text embeddings: what is embedded (`title-text.ts`), the transformers.js encoder (`encoder.ts`), the
 * project's own small text model (`make-model.ts`, `static-model.ts`, `onnx-model.ts`, `word-vectors.ts`) and
 * stored embeddings (`store.ts`, `vector-bytes.ts`).
 *
 * May import `src/lib`, `src/db` and `src/catalog` (title names); never a process or what composes them
 * (`src/bot`, `src/api`, `src/worker`, `jobs/`, `src/app`, `src/setup`, `src/cli`, `src/try`, `src/emulator`), and
 * `src/config.ts` only for types. Enforced by `.dependency-cruiser.cjs` (`npm run lint:deps`).
 */
export { titleText, textHash, DEFAULT_MAX_TAGS, type TitleTextSource, type TitleTextOptions } from './title-text.ts';
export {
  createTitleEncoder,
  locateModel,
  missingModelFiles,
  EmbeddingModelUnavailableError,
  DEFAULT_EMBEDDING_MODEL,
  DEFAULT_MODELS_DIR,
  DEFAULT_BATCH_SIZE,
  MODEL_FILES,
  type TitleEncoder,
  type TitleEncoderOptions,
  type ModelLocation,
} from './encoder.ts';
export { vectorToBytes, bytesToVector } from './vector-bytes.ts';
export { makeTinyModel, SAMPLE_TITLE_TEXTS, type TinyModel } from './tiny-model.ts';
export { makeModel, makeModelFromMovieLens, parseMovieLensTitles, writeModelFiles, type MadeModel, type MovieLensModelOptions } from './make-model.ts';
export { learnWordVectors, buildVocabulary, type WordVectors, type WordVectorOptions } from './word-vectors.ts';
export { buildStaticModelFiles, type ModelFiles } from './static-model.ts';
export { updateTitleEmbeddings, loadTitleEmbeddings, type UpdateEmbeddingsOptions, type UpdateEmbeddingsResult } from './store.ts';
