import { describe, expect, it } from 'vitest';
import { SAMPLE_TITLE_TEXTS } from '../../../src/embeddings/tiny-model.ts';
import { buildVocabulary, learnWordVectors, symmetricEigen } from '../../../src/embeddings/word-vectors.ts';
import { basicTokens, words } from '../../../src/embeddings/words.ts';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe('words', () => {
  it('lower-cases, strips accents and splits punctuation like BERT', () => {
    expect(basicTokens("Amélie (2001). Sci-Fi, Léon's")).toEqual(['amelie', '(', '2001', ')', '.', 'sci', '-', 'fi', ',', 'leon', "'", 's']);
    expect(words('Monsters, Inc. (2001)')).toEqual(['monsters', 'inc', '2001']);
  });
});

describe('buildVocabulary', () => {
  it('counts each word once per document, drops rare words and orders by frequency then alphabetically', () => {
    const docs = [['b', 'a', 'a'], ['a', 'c'], ['c', 'b'], ['d']];
    expect(buildVocabulary(docs, 2)).toEqual({ words: ['a', 'b', 'c'], documentFrequency: [2, 2, 2] });
    expect(buildVocabulary(docs, 1, 2).words).toEqual(['a', 'b']);
  });

  it('rejects a minCount below 1', () => {
    expect(() => buildVocabulary([], 0)).toThrow(/minCount must be a whole number of 1 or more/);
  });
});

describe('symmetricEigen', () => {
  it('finds eigenpairs with M v = lambda v', () => {
    const m = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const { values, vectors } = symmetricEigen(m, 3);
    for (let e = 0; e < 3; e++) {
      for (let r = 0; r < 3; r++) {
        let mv = 0;
        for (let k = 0; k < 3; k++) mv += m[r * 3 + k]! * vectors[k * 3 + e]!;
        expect(mv).toBeCloseTo(values[e]! * vectors[r * 3 + e]!, 9);
      }
    }
    expect([...values].reduce((a, b) => a + b, 0)).toBeCloseTo(12, 9);
  });
});

describe('learnWordVectors', () => {
  const docs = SAMPLE_TITLE_TEXTS.map(words);
  const model = learnWordVectors(docs, { dimension: 8, minCount: 1 });
  const vector = (word: string) => {
    const i = model.vocabulary.indexOf(word);
    expect(i, `${word} in vocabulary`).toBeGreaterThanOrEqual(0);
    return model.vectors.subarray(i * model.dimension, (i + 1) * model.dimension);
  };

  it('puts words that share titles closer than words that never do', () => {
    expect(cosine(vector('toy'), vector('pixar'))).toBeGreaterThan(cosine(vector('toy'), vector('mafia')) + 0.3);
    expect(cosine(vector('jedi'), vector('space'))).toBeGreaterThan(cosine(vector('jedi'), vector('fish')) + 0.3);
  });

  it('weighs words found in every title least', () => {
    const norm = (v: Float32Array) => Math.hypot(...v);
    expect(norm(vector('genres'))).toBeLessThan(norm(vector('pixar')));
  });

  it('is reproducible for a given seed', () => {
    const again = learnWordVectors(docs, { dimension: 8, minCount: 1 });
    expect(Array.from(again.vectors)).toEqual(Array.from(model.vectors));
  });

  it('fills dimensions beyond the vocabulary with zeros and rejects text with no repeated word', () => {
    const small = learnWordVectors(
      [
        ['a', 'b'],
        ['a', 'c'],
      ],
      { dimension: 5, minCount: 1 },
    );
    expect(small.vectors.length).toBe(15);
    expect(() => learnWordVectors([['a'], ['b']], { minCount: 2 })).toThrow(/No word occurs in at least 2 of the 2 documents/);
  });
});
