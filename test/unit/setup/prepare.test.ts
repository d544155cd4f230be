import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../../../src/embeddings/encoder.ts';
import { bar } from '../../../src/lib/progress-bar.ts';
import { chooseEmbeddingModel, findMovieLensDir, missingMovieLens } from '../../../src/setup/prepare.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tastebud-try-setup-'));
  await mkdir(join(root, 'partial'));
  await writeFile(join(root, 'partial', 'movies.csv'), 'movieId,title,genres\n');
  await mkdir(join(root, 'full'));
  for (const file of ['movies.csv', 'links.csv', 'tags.csv', 'ratings.csv']) await writeFile(join(root, 'full', file), '');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeModel(dir: string): Promise<void> {
  for (const file of MODEL_FILES) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), '{}');
  }
}

describe('finding MovieLens', () => {
  it('takes the first candidate holding all four files', () => {
    expect(findMovieLensDir([join(root, 'missing'), join(root, 'partial'), join(root, 'full')])).toBe(join(root, 'full'));
    expect(findMovieLensDir([join(root, 'partial')])).toBeUndefined();
  });

  it('says where it looked and how to get the files', () => {
    const error = missingMovieLens([join(root, 'a'), join(root, 'a'), join(root, 'b')]);
    expect(error.message).toContain(`${join(root, 'a')} and ${join(root, 'b')}`);
    expect(error.message).toContain("'tastebud data download movielens'");
    expect(error.message).toContain('MOVIELENS_DIR');
  });
});

describe('choosing the embedding model', () => {
  it('uses the configured model when its files are on disk', async () => {
    const models = join(root, 'models-configured');
    await writeModel(join(models, 'Xenova', 'all-MiniLM-L6-v2'));
    expect(chooseEmbeddingModel('Xenova/all-MiniLM-L6-v2', models)).toEqual({ model: 'Xenova/all-MiniLM-L6-v2', dir: join(models, 'Xenova', 'all-MiniLM-L6-v2'), needsMaking: false });
  });

  it('falls back to the project’s own model, to be made when absent and reused once made', async () => {
    const models = join(root, 'models-own');
    expect(chooseEmbeddingModel('Xenova/all-MiniLM-L6-v2', models)).toEqual({ model: join(models, 'tastebud'), dir: join(models, 'tastebud'), needsMaking: true });
    await writeModel(join(models, 'tastebud'));
    expect(chooseEmbeddingModel('Xenova/all-MiniLM-L6-v2', models).needsMaking).toBe(false);
  });
});

describe('bar', () => {
  it('fills cells in proportion and clamps', () => {
    expect(bar(0.5, 10)).toBe('[#####.....]  50%');
    expect(bar(2, 4)).toBe('[####] 100%');
    expect(bar(Number.NaN, 4)).toBe('[....]   0%');
  });
});
