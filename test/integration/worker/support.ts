import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PrismaClient } from '../../../src/db/client.ts';
import { DaeModel } from '../../../src/model/dae-model.ts';
import { seededRandom } from '../../../src/model/train.ts';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A BullMQ prefix no other test file uses. */
export function uniquePrefix(area: string): string {
  return `tbtest-${area}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every Redis key under the prefix (queues, dedup keys, schedulers). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface GeneratedCatalogue {
  titleIds: number[];
  /** Titles of each genre cluster. */
  byGenre: Map<string, number[]>;
  userIds: number[];
}

/**
 * A small catalogue where taste is learnable: titles fall into genre clusters and every dataset user
 * rates titles of one cluster (plus a little noise), so a trained model clearly beats random weights.
 */
export async function seedCatalogue(prisma: PrismaClient, options: { titles?: number; users?: number; genres?: number; perUser?: number; seed?: number } = {}): Promise<GeneratedCatalogue> {
  const titles = options.titles ?? 60;
  const users = options.users ?? 40;
  const genres = Array.from({ length: options.genres ?? 4 }, (_, g) => `Genre${g}`);
  const perUser = options.perUser ?? 10;
  const random = seededRandom(options.seed ?? 7);
  await prisma.title.createMany({
    data: Array.from({ length: titles }, (_, i) => ({ name: `Film ${i}`, searchName: `film ${i}`, year: 1980 + (i % 40), genres: [genres[i % genres.length]!], ratingCount: 10, ratingMean: 3.5 })),
  });
  const titleRows = await prisma.title.findMany({ select: { id: true, genres: true }, orderBy: { id: 'asc' } });
  const byGenre = new Map<string, number[]>();
  for (const t of titleRows) byGenre.set(t.genres[0]!, [...(byGenre.get(t.genres[0]!) ?? []), t.id]);
  await prisma.user.createMany({ data: Array.from({ length: users }, (_, u) => ({ source: 'dataset' as const, externalId: String(u + 1) })) });
  const userRows = await prisma.user.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  const ratings: { userId: number; titleId: number; value: number; source: 'import' }[] = [];
  userRows.forEach((user, u) => {
    const own = byGenre.get(genres[u % genres.length]!)!;
    const chosen = new Set<number>();
    while (chosen.size < Math.min(perUser, own.length)) chosen.add(own[Math.floor(random() * own.length)]!);
    if (random() < 0.5) chosen.add(titleRows[Math.floor(random() * titleRows.length)]!.id);
    for (const titleId of chosen) ratings.push({ userId: user.id, titleId, value: 4 + Math.round(random() * 2) / 2, source: 'import' });
  });
  await prisma.rating.createMany({ data: ratings });
  return { titleIds: titleRows.map((t) => t.id), byGenre, userIds: userRows.map((u) => u.id) };
}

/** A Mult-DAE with random weights: a deliberately bad (but valid and servable) model. */
export function randomDaeModel(titleIds: readonly number[], hidden: number, seed: number): DaeModel {
  const random = seededRandom(seed);
  const values = (length: number) => Float32Array.from({ length }, () => random() * 2 - 1);
  return new DaeModel({
    backend: 'test-random',
    hidden,
    titleIds: [...titleIds],
    titleVectors: values(titleIds.length * (hidden + 1)),
    encoderRows: values(titleIds.length * hidden),
    encoderBias: new Float32Array(hidden),
    weighting: { weighting: 'binary' },
    training: { lossHistory: [] },
  });
}

/** Polls until `check` returns a truthy value or the timeout passes (then throws with `what`). */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
