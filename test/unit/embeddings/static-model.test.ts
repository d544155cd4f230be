import { describe, expect, it } from 'vitest';
import { decodeOnnxModel, TENSOR_TYPE } from '../../../src/embeddings/onnx-model.ts';
import { buildStaticModelFiles, modelVocabulary, SPECIAL_TOKENS } from '../../../src/embeddings/static-model.ts';
const json = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;

describe('static model files', () => {
  const files = buildStaticModelFiles({ vocabulary: ['toy', 'pixar'], dimension: 2, vectors: Float32Array.from([1, 2, 3, 4]) });

  it('writes the four files of the transformers.js layout', () => {
    expect([...files.keys()].sort()).toEqual(['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(json(files.get('config.json'))).toMatchObject({ model_type: 'bert', hidden_size: 2, vocab_size: 7 });
  });

  it('has a WordPiece tokenizer with the special tokens first and named in tokenizer_config.json', () => {
    const tokenizer = json(files.get('tokenizer.json')) as { model: { type: string; vocab: Record<string, number> } };
    expect(tokenizer.model.type).toBe('WordPiece');
    expect(tokenizer.model.vocab).toEqual({ '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4, toy: 5, pixar: 6 });
    expect(json(files.get('tokenizer_config.json'))).toMatchObject({ pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]' });
  });

  it('is a single Gather of a table whose special-token rows are zero', () => {
    type Named = { name: string };
    type Graph = {
      node: (Named & { opType: string; input: string[]; attribute: (Named & { type: number; i: number })[] })[];
      input: Named[];
      output: Named[];
      initializer: (Named & { dims: number[]; dataType: number; rawData: Uint8Array })[];
    };
    const model = decodeOnnxModel(files.get('onnx/model.onnx')!) as { irVersion: number; opsetImport: { version: number }[]; graph: Graph };
    expect(model.irVersion).toBe(8);
    expect(model.opsetImport.map((o) => o.version)).toEqual([13]);
    const { graph } = model;
    expect(graph.node.map((n) => [n.opType, n.input, n.attribute.map((a) => [a.name, a.type, a.i])])).toEqual([['Gather', ['embeddings', 'input_ids'], [['axis', 2, 0]]]]);
    expect(graph.input.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
    expect(graph.output.map((o) => o.name)).toEqual(['last_hidden_state']);
    const table = graph.initializer[0]!;
    expect(table.dims).toEqual([7, 2]);
    expect(table.dataType).toBe(TENSOR_TYPE.FLOAT);
    const raw = table.rawData;
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(Array.from(values)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('rejects words that clash with special tokens and matrices of the wrong size', () => {
    expect(() => modelVocabulary(['[UNK]'])).toThrow(/contains the special token \[UNK\]/);
    expect(() => buildStaticModelFiles({ vocabulary: ['a'], dimension: 2, vectors: new Float32Array(3) })).toThrow(/hold 3 values; expected 1 words x 2/);
    expect(SPECIAL_TOKENS).toHaveLength(5);
  });
});
