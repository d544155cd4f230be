import { TitleIndex } from '../../../src/index/title-index.ts';
import type { TrainedModel } from '../../../src/model/types.ts';
import { MemoryCatalog } from '../../../src/recommend/catalog.ts';
import type { RatedTitle, TitleInfo, UserHistory, UserSource } from '../../../src/recommend/types.ts';
import { seededRandom as random } from '../../../src/lib/random.ts';

export const GENRES = ['Action', 'Drama', 'Comedy', 'Horror'] as const;
export const DIMENSION = 6;
export const DAY = 86_400_000;

/**
 * A small catalogue where each genre owns one axis of the vector space, so "similar" and "liked" are
 * predictable: title i has genre GENRES[i % 4]; every 10th title is a show; title 1 is "Heat".
 */
export function world(titleCount = 120) {
  const next = random(11);
  const titles: TitleInfo[] = [];
  const ids: number[] = [];
  const vectors = new Float32Array(titleCount * DIMENSION);
  for (let i = 0; i < titleCount; i++) {
    const id = i + 1;
    const genre = GENRES[i % GENRES.length]!;
    ids.push(id);
    titles.push({
      id,
      name: id === 1 ? 'Heat' : `${genre} title ${id}`,
      year: 1990 + (i % 30),
      genres: i % 8 === 0 ? [genre, 'Thriller'] : [genre],
      kind: i % 10 === 9 ? 'show' : 'movie',
      ratingCount: Math.round(next() * 300),
      ratingMean: 2 + next() * 3,
    });
    const axis = i % GENRES.length;
    for (let d = 0; d < DIMENSION; d++) vectors[i * DIMENSION + d] = (d === axis ? 1 + next() : 0) + (next() - 0.5) * 0.3;
  }
  const model: TrainedModel = {
    architecture: 'test-centroid',
    backend: 'none',
    dimension: DIMENSION,
    titleIds: ids,
    titleVectors: vectors,
    /** Mean of title vectors weighted by how far each rating sits from 3 stars. */
    userVector(history) {
      const out = new Float32Array(DIMENSION);
      for (const r of history) {
        const row = ids.indexOf(r.titleId);
        if (row < 0) continue;
        for (let d = 0; d < DIMENSION; d++) out[d]! += ((r.value - 3) * vectors[row * DIMENSION + d]!) / history.length;
      }
      return out;
    },
    serialize: () => new Map([['vectors', new Uint8Array(vectors.buffer.slice(0))]]),
  };
  const index = TitleIndex.build(ids, vectors, DIMENSION, { efConstruction: 100 });
  const catalog = new MemoryCatalog(titles);
  return { model, index, catalog, titles };
}

/** A user source over a fixed map of histories. */
export function usersOf(...histories: UserHistory[]): UserSource {
  const byId = new Map(histories.map((h) => [h.userId, h]));
  return { history: async (userId) => byId.get(userId) };
}

/** Ids of titles with a given genre, in id order. */
export function idsOf(genre: string, titles: TitleInfo[]): number[] {
  return titles.filter((t) => t.genres.includes(genre)).map((t) => t.id);
}

export function ratings(titleIds: number[], value: number, ratedAt = 1_700_000_000_000): RatedTitle[] {
  return titleIds.map((titleId) => ({ titleId, value, ratedAt }));
}
