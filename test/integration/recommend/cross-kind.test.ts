/**
 * Recommendations across kinds through the product path: ratings and text embeddings in PostgreSQL, the real
 * retrain job and default trainer, the active version loaded as the bot loads it. Games have text embeddings but
 * no ratings at all; members who rated only movies ask for games.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetrain } from '../../../jobs/retrain.ts';
import { searchNameOf } from '../../../src/catalog/names.ts';
import { createLogger } from '../../../src/log.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { trainModel } from '../../../src/model/train.ts';
import { loadActiveRecommender } from '../../../src/recommend/prisma-sources.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const GENRES = ['Sci-Fi', 'Romance', 'Horror'] as const;
const TEXT_DIM = 12;
let db: TestDatabase;
const gamesByGenre = new Map<string, number[]>();
let sciFiFan = 0;
let romanceFan = 0;

/** A text vector near its genre's axis (the shared space text embeddings give movies and games alike). */
function textVector(genre: number, i: number): Uint8Array<ArrayBuffer> {
  const v = new Float32Array(TEXT_DIM);
  v[genre] = 1;
  v[3 + (i % (TEXT_DIM - 3))] = 0.35;
  const norm = Math.hypot(...v);
  return new Uint8Array(v.map((x) => x / norm).buffer);
}

async function addTitle(kind: 'movie' | 'game', genre: number, i: number): Promise<number> {
  const name = `${GENRES[genre]} ${kind} ${i}`;
  const title = await db.prisma.title.create({ data: { kind, name, year: 2000 + (i % 20), genres: [GENRES[genre]!], searchName: searchNameOf(name) } });
  await db.prisma.titleEmbedding.create({ data: { titleId: title.id, model: 'test-text', textHash: `h${title.id}`, dimension: TEXT_DIM, vector: textVector(genre, i) } });
  return title.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const movies: number[][] = [[], [], []];
  for (let i = 0; i < 60; i++) movies[i % 3]!.push(await addTitle('movie', i % 3, i));
  for (let i = 0; i < 15; i++) {
    const genre = GENRES[i % 3]!;
    gamesByGenre.set(genre, [...(gamesByGenre.get(genre) ?? []), await addTitle('game', i % 3, i)]);
  }
  // Background viewers: each loves one genre's movies and dislikes another's; nobody rates a game.
  const viewers = await db.prisma.user.createManyAndReturn({ data: Array.from({ length: 90 }, (_, u) => ({ source: 'dataset' as const, externalId: String(u + 1) })), select: { id: true } });
  await db.prisma.rating.createMany({
    data: viewers.flatMap(({ id }, u) => {
      const loves = u % 3;
      const dislikes = (u + 1) % 3;
      const liked = movies[loves]!.filter((_, j) => (j + u) % 2 === 0).map((titleId) => ({ userId: id, titleId, value: 5, source: 'import' as const }));
      const disliked = movies[dislikes]!.filter((_, j) => (j + u) % 4 === 0).map((titleId) => ({ userId: id, titleId, value: 1.5, source: 'import' as const }));
      return [...liked, ...disliked];
    }),
  });
  const member = async (externalId: string, loves: number, dislikes: number) => {
    const { id } = await db.prisma.user.create({ data: { source: 'discord', externalId } });
    await db.prisma.rating.createMany({
      data: [
        ...movies[loves]!.slice(0, 6).map((titleId) => ({ userId: id, titleId, value: 5, source: 'command' as const })),
        ...movies[dislikes]!.slice(0, 3).map((titleId) => ({ userId: id, titleId, value: 1, source: 'command' as const })),
      ],
    });
    return id;
  };
  sciFiFan = await member('100000000000000001', 0, 1);
  romanceFan = await member('100000000000000002', 1, 2);
  const result = await runRetrain(
    {
      prisma: db.prisma,
      databaseUrl: db.url,
      deserialize: deserializeModel,
      train: trainModel,
      backend: 'cpu',
      hnsw: { m: 8, efConstruction: 50, ef: 50 },
      publish: async () => {},
      progress: async () => {},
      logger: createLogger({ logLevel: 'silent' }),
    },
    { requestedBy: 'test', train: { dimension: 8, epochs: 15 } },
  );
  expect(result.status).toBe('promoted');
}, 240_000);

afterAll(async () => {
  await db?.drop();
});

describe('/recommend kind:game for members who rated only movies', () => {
  it("offers the games whose text fits each member's movie taste", async () => {
    const { recommender } = await loadActiveRecommender(db.prisma, deserializeModel);
    for (const [member, genre] of [
      [sciFiFan, 'Sci-Fi'],
      [romanceFan, 'Romance'],
    ] as const) {
      const picks = await recommender.recommend(member, { count: 3, kind: 'game' });
      expect(picks).toHaveLength(3);
      expect(picks.every((p) => p.kind === 'game')).toBe(true);
      // All three from the member's favourite genre: 5 such games among 15.
      expect(picks.map((p) => p.genres[0])).toEqual([genre, genre, genre]);
      expect(picks.every((p) => gamesByGenre.get(genre)!.includes(p.titleId))).toBe(true);
    }
  });

  it('says the pick comes from their taste in movies, by the description', async () => {
    const { recommender } = await loadActiveRecommender(db.prisma, deserializeModel);
    const [pick] = await recommender.recommend(sciFiFan, { count: 1, kind: 'game' });
    expect(pick!.reason).toMatch(/^you have rated no games yet: its description fits your taste in movies/);
    // Asking for the kind they did rate keeps the ordinary reasons.
    const [movie] = await recommender.recommend(sciFiFan, { count: 1, kind: 'movie' });
    expect(movie!.reason).not.toMatch(/rated no/);
  });

  it('blends in what is popular among players once games have ratings, and says so', async () => {
    // An import brought rating counts (as Goodbooks does for books); the model is not retrained.
    const [horror, sciFi] = [gamesByGenre.get('Horror')![0]!, gamesByGenre.get('Sci-Fi')![1]!];
    await db.prisma.title.update({ where: { id: horror }, data: { ratingCount: 400, ratingMean: 4 } });
    await db.prisma.title.update({ where: { id: sciFi }, data: { ratingCount: 50, ratingMean: 4 } });
    const { recommender } = await loadActiveRecommender(db.prisma, deserializeModel);
    const picks = await recommender.recommend(sciFiFan, { count: 3, kind: 'game' });
    expect(picks.slice(0, 2).map((p) => p.titleId)).toEqual([horror, sciFi]);
    expect(picks[0]!.reason).toMatch(/^you have rated no games yet: popular among players/);
    // The Sci-Fi one is also the member's taste; the reason says both.
    expect(picks[1]!.reason).toMatch(/^you have rated no games yet: popular among players and close to your taste in movies/);
    // Titles nobody rated are there by their description alone.
    const unrated = picks.slice(2);
    expect(unrated.every((p) => /^you have rated no games yet: its description fits your taste in movies/.test(p.reason))).toBe(true);
  });
});
