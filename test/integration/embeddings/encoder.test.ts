import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTitleEncoder, EmbeddingModelUnavailableError, type TitleEncoder } from '../../../src/embeddings/encoder.ts';
import { writeModelFiles } from '../../../src/embeddings/make-model.ts';
import { buildStaticModelFiles } from '../../../src/embeddings/static-model.ts';
import { makeTinyModel, type TinyModel } from '../../../src/embeddings/tiny-model.ts';
import { basicTokens } from '../../../src/embeddings/words.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);

describe('title encoder on a model made by the project (real transformers.js)', () => {
  let model: TinyModel;
  let modelsDir: string;
  let encoder: TitleEncoder;

  beforeAll(async () => {
    model = await makeTinyModel();
    modelsDir = await mkdtemp(join(tmpdir(), 'tastebud-models-'));
    encoder = await createTitleEncoder({ model: model.dir, modelsDir, allowRemoteModels: false, batchSize: 3 });
  });

  afterAll(async () => {
    await encoder?.dispose();
    await model?.remove();
    if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
  });

  it('reports the model and its dimension', () => {
    expect(encoder.dimension).toBe(16);
    expect(encoder.modelName).toBe(model.dir);
    expect(encoder.modelKey).toMatch(new RegExp(`^${model.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}#[0-9a-f]{12}$`));
  });

  it('returns one unit-length vector per text', async () => {
    const vectors = await encoder.encode(['Toy Story (1995). Tags: pixar.', 'Goodfellas. Tags: mafia.']);
    expect(vectors).toHaveLength(2);
    for (const v of vectors) {
      expect(v).toHaveLength(16);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  it('puts texts that share words closer than unrelated ones', async () => {
    const [toys, nemo, mafia] = await encoder.encode([
      'Toy Story 3. Genres: Animation, Children. Tags: pixar, toys.',
      'Finding Nemo. Tags: pixar, ocean.',
      'Goodfellas. Genres: Crime. Tags: mafia, gangster.',
    ]);
    expect(dot(toys!, nemo!)).toBeGreaterThan(dot(toys!, mafia!) + 0.2);
  });

  it('gives the same vectors batched (padded) as one by one', async () => {
    const texts = [
      'Toy Story',
      'The Godfather: Part II (1974). Genres: Crime, Drama. Tags: mafia, family, sequel.',
      'Alien',
      'space jedi',
      'Scarface drugs',
      'fish',
      'Interstellar (2014). Tags: time travel.',
    ];
    const batched = await encoder.encode(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await encoder.encode([text]);
      expect(Array.from(batched[i]!)).toEqual(Array.from(single!).map((v) => expect.closeTo(v, 5)));
    }
  });

  it('returns a zero vector for text without a known word, and nothing for no texts', async () => {
    const [unknown] = await encoder.encode(['zzzz qqqq']);
    expect(Array.from(unknown!)).toEqual(new Array(16).fill(0));
    expect(await encoder.encode([])).toEqual([]);
  });

  it('tokenizes as the vocabulary builder splits words', async () => {
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const tokenizer = await AutoTokenizer.from_pretrained(model.dir);
    const text = 'Monsters, Inc. (2001) Sci-Fi PIXAR';
    const tokens = tokenizer.tokenize(text);
    const known = new Set(tokenizer.get_vocab().keys());
    expect(tokens).toEqual(basicTokens(text).map((t) => (known.has(t) ? t : '[UNK]')));
  });

  it('finds a hub-style model id under the models directory without downloading', async () => {
    await cp(model.dir, join(modelsDir, 'acme', 'tiny-titles'), { recursive: true });
    const byId = await createTitleEncoder({ model: 'acme/tiny-titles', modelsDir, allowRemoteModels: false });
    try {
      expect(byId.modelName).toBe('acme/tiny-titles');
      const [a] = await byId.encode(['Toy Story']);
      const [b] = await encoder.encode(['Toy Story']);
      expect(Array.from(a!)).toEqual(Array.from(b!).map((v) => expect.closeTo(v, 6)));
    } finally {
      await byId.dispose();
    }
  });
});

describe('the ONNX graph the project writes (protobufjs 7), run by transformers.js', () => {
  it('looks each word up in the table it was given and mean-pools over [CLS] words [SEP]', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tastebud-exact-'));
    // Three words in three dimensions, each row distinct, so a wrong row, order or shape changes the output.
    const vectors = Float32Array.from([3, 0, 0, 0, 4, 0, 1, 2, 2]);
    await writeModelFiles(dir, buildStaticModelFiles({ vocabulary: ['toy', 'pixar', 'mafia'], dimension: 3, vectors }));
    const exact = await createTitleEncoder({ model: dir, allowRemoteModels: false });
    try {
      const [toyPixar, mafia, both] = await exact.encode(['Toy PIXAR', 'mafia', 'toy unknownword mafia']);
      // [CLS] and [SEP] rows are zero; the mean of (3,0,0) and (0,4,0) is along (3,4,0): unit length (0.6, 0.8, 0).
      expect(Array.from(toyPixar!)).toEqual([0.6, 0.8, 0].map((v) => expect.closeTo(v, 6)));
      expect(Array.from(mafia!)).toEqual([1 / 3, 2 / 3, 2 / 3].map((v) => expect.closeTo(v, 6)));
      // (3,0,0) + [UNK] (zero) + (1,2,2) = (4,2,2) over |(4,2,2)| = sqrt(24).
      expect(Array.from(both!)).toEqual([4, 2, 2].map((v) => expect.closeTo(v / Math.sqrt(24), 6)));
    } finally {
      await exact.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('title encoder without a model', () => {
  it('names the model, where it looked and how to provide one when offline', async () => {
    const modelsDir = await mkdtemp(join(tmpdir(), 'tastebud-empty-'));
    try {
      const attempt = createTitleEncoder({ model: 'Xenova/all-MiniLM-L6-v2', modelsDir, allowRemoteModels: false });
      await expect(attempt).rejects.toBeInstanceOf(EmbeddingModelUnavailableError);
      const message = await attempt.catch((error: Error) => error.message);
      expect(message).toContain('"Xenova/all-MiniLM-L6-v2"');
      expect(message).toContain(join(modelsDir, 'Xenova/all-MiniLM-L6-v2', 'config.json'));
      expect(message).toContain(join(modelsDir, 'Xenova/all-MiniLM-L6-v2', 'onnx/model.onnx'));
      expect(message).toContain('tastebud embeddings make-model');
      expect(message).toContain('ALLOW_REMOTE_MODELS=true');
    } finally {
      await rm(modelsDir, { recursive: true, force: true });
    }
  });

  it('says which files a model directory lacks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tastebud-broken-'));
    try {
      const message = await createTitleEncoder({ model: dir, allowRemoteModels: false }).catch((error: Error) => error.message);
      expect(message).toContain(`Embedding model "${dir}" is not available: the directory lacks config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
