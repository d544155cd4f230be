import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddingModelUnavailableError, locateModel } from '../../../src/embeddings/encoder.ts';

describe('locateModel', () => {
  it('looks for hub ids under the models directory', () => {
    expect(locateModel('Xenova/all-MiniLM-L6-v2', '/srv/models')).toEqual({
      kind: 'hub',
      name: 'Xenova/all-MiniLM-L6-v2',
      dir: resolve('/srv/models', 'Xenova/all-MiniLM-L6-v2'),
    });
    expect(locateModel('tastebud', 'data/models')).toEqual({ kind: 'hub', name: 'tastebud', dir: resolve('data/models/tastebud') });
  });

  it('treats absolute, dotted and deeper paths as directories, resolved to absolute paths', () => {
    expect(locateModel('/opt/model', '/srv/models')).toEqual({ kind: 'directory', name: '/opt/model', dir: '/opt/model' });
    expect(locateModel('./model', '/srv/models').dir).toBe(resolve('model'));
    expect(locateModel('data/models/tastebud', '/srv/models')).toMatchObject({ kind: 'directory', dir: resolve('data/models/tastebud') });
  });

  it('rejects an empty name', () => {
    expect(() => locateModel('  ', '/srv/models')).toThrow(EmbeddingModelUnavailableError);
  });
});
