import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeModel, type MadeModel } from './make-model.ts';

/** A dozen titles in three clear groups (animation, gangsters, space), enough for a model whose neighbours make sense. */
export const SAMPLE_TITLE_TEXTS: readonly string[] = [
  'Toy Story (1995). Genres: Animation, Children, Comedy. Tags: pixar, toys, friendship.',
  'Toy Story 2 (1999). Genres: Animation, Children, Comedy. Tags: pixar, toys, sequel.',
  'Finding Nemo (2003). Genres: Animation, Children. Tags: pixar, fish, ocean.',
  'Monsters, Inc. (2001). Genres: Animation, Children, Comedy. Tags: pixar, monsters, friendship.',
  'The Godfather (1972). Genres: Crime, Drama. Tags: mafia, family, classic.',
  'The Godfather: Part II (1974). Genres: Crime, Drama. Tags: mafia, family, sequel.',
  'Goodfellas (1990). Genres: Crime, Drama. Tags: mafia, gangster, violence.',
  'Scarface (1983). Genres: Crime, Drama. Tags: gangster, drugs, violence.',
  'Star Wars (1977). Genres: Action, Adventure, Sci-Fi. Tags: space, jedi, classic.',
  'The Empire Strikes Back (1980). Genres: Action, Adventure, Sci-Fi. Tags: space, jedi, sequel.',
  'Alien (1979). Genres: Horror, Sci-Fi. Tags: space, monsters, suspense.',
  'Interstellar (2014). Genres: Sci-Fi, Drama. Tags: space, time travel, family.',
];

/** A model made in a fresh temporary directory; `remove()` deletes it. */
export interface TinyModel extends MadeModel {
  remove(): Promise<void>;
}

/**
 * Makes a small real model (the same files `tastebud embeddings make-model` writes) from `texts` in a
 * new temporary directory, in well under a second: for tests that must run the real transformers.js
 * loading and inference path without any download.
 */
export async function makeTinyModel(texts: readonly string[] = SAMPLE_TITLE_TEXTS, options: { dimension?: number } = {}): Promise<TinyModel> {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-model-'));
  try {
    const made = await makeModel(texts, dir, { dimension: options.dimension ?? 16, minCount: 1 });
    return { ...made, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
