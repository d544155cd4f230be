import { encodeOnnxModel, TENSOR_TYPE } from './onnx-model.ts';
import type { WordVectors } from './word-vectors.ts';

/** Special tokens, in the order of their ids (0..4); their rows are zero so they do not move a mean. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Longest input in tokens; longer texts are truncated by the tokenizer. */
export const MAX_TOKENS = 512;

/** The files of a model in the transformers.js layout, by path relative to the model directory. */
export type ModelFiles = Map<string, Uint8Array>;

const utf8 = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The token list of the model: special tokens first, then the learned words in their order. */
export function modelVocabulary(words: readonly string[]): string[] {
  const specials = new Set<string>(SPECIAL_TOKENS);
  const clash = words.find((w) => specials.has(w));
  if (clash) throw new Error(`The word list contains the special token ${clash}; words must be plain lower-case words.`);
  return [...SPECIAL_TOKENS, ...words];
}

/** A WordPiece tokenizer.json (BERT normaliser and pre-tokenizer, [CLS] ... [SEP] template) over `vocabulary`. */
export function tokenizerJson(vocabulary: readonly string[]): object {
  const id = (token: string) => vocabulary.indexOf(token);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries((['[CLS]', '[SEP]'] as const).map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, i) => [token, i])),
    },
  };
}

/** tokenizer_config.json; naming the special tokens is what lets batched (padded) calls work. */
export function tokenizerConfigJson(): object {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    tokenize_chinese_chars: true,
    strip_accents: null,
    model_max_length: MAX_TOKENS,
    clean_up_tokenization_spaces: true,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
}

/** config.json: a "bert" model as far as transformers.js is concerned. */
export function modelConfigJson(vocabularySize: number, dimension: number): object {
  return {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: dimension,
    vocab_size: vocabularySize,
    max_position_embeddings: MAX_TOKENS,
    pad_token_id: 0,
    tastebud: {
      kind: 'static-word-vectors',
      description: 'PPMI + truncated SVD word vectors learned from the catalogue; made by `tastebud embeddings make-model`.',
    },
  };
}

/**
 * An ONNX graph that is a single Gather of the embedding table by `input_ids` (int64 [batch, seq]),
 * with an `attention_mask` input (the pipeline always feeds it; pooling uses it outside the graph)
 * and output `last_hidden_state` [batch, seq, dimension].
 */
export function onnxModelBytes(table: Float32Array, vocabularySize: number, dimension: number): Uint8Array {
  if (table.length !== vocabularySize * dimension) {
    throw new Error(`Embedding table has ${table.length} values; expected ${vocabularySize} x ${dimension}.`);
  }
  const raw = new Uint8Array(table.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < table.length; i++) view.setFloat32(i * 4, table[i]!, true);
  const ids = (name: string) => ({ name, elemType: TENSOR_TYPE.INT64, dims: ['batch_size', 'sequence_length'] });
  return encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 13,
    producerName: 'tastebud',
    producerVersion: '0.1.0',
    graph: {
      name: 'static_word_vectors',
      nodes: [{ name: 'lookup', opType: 'Gather', input: ['embeddings', 'input_ids'], output: ['last_hidden_state'], intAttributes: { axis: 0 } }],
      initializers: [{ name: 'embeddings', dataType: TENSOR_TYPE.FLOAT, dims: [vocabularySize, dimension], rawData: raw }],
      inputs: [ids('input_ids'), ids('attention_mask')],
      outputs: [{ name: 'last_hidden_state', elemType: TENSOR_TYPE.FLOAT, dims: ['batch_size', 'sequence_length', dimension] }],
    },
  });
}

/**
 * Every file of a transformers.js model for `wordVectors`: config.json, tokenizer.json,
 * tokenizer_config.json and onnx/model.onnx. Pure: write them with {@link writeModelFiles}.
 */
export function buildStaticModelFiles(wordVectors: WordVectors): ModelFiles {
  const { vocabulary: words, dimension, vectors } = wordVectors;
  if (vectors.length !== words.length * dimension) {
    throw new Error(`Word vectors hold ${vectors.length} values; expected ${words.length} words x ${dimension}.`);
  }
  const vocabulary = modelVocabulary(words);
  const table = new Float32Array(vocabulary.length * dimension);
  table.set(vectors, SPECIAL_TOKENS.length * dimension);
  return new Map<string, Uint8Array>([
    ['config.json', utf8(modelConfigJson(vocabulary.length, dimension))],
    ['tokenizer.json', utf8(tokenizerJson(vocabulary))],
    ['tokenizer_config.json', utf8(tokenizerConfigJson())],
    ['onnx/model.onnx', onnxModelBytes(table, vocabulary.length, dimension)],
  ]);
}
