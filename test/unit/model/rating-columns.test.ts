import { describe, expect, it } from 'vitest';
import { hashHoldoutSplit, partitionHashHoldout } from '../../../src/eval/split.ts';
import { seededRandom } from '../../../src/lib/random.ts';
import { eachRating, ratingsByUser, userHistories } from '../../../src/model/history.ts';
import { sessionRows, windowRows } from '../../../src/model/sessions.ts';
import { trainModel } from '../../../src/model/train.ts';
import type { Rating, RatingColumns } from '../../../src/model/types.ts';

/** Users in shuffled order, half-step stars, times with sessions and pauses, some titles rated twice. */
function ratingsCase(seed: number): { ratings: Rating[]; titleIds: number[] } {
  const random = seededRandom(seed);
  const titleIds = Array.from({ length: 60 }, (_, i) => 1000 + i);
  const ratings: Rating[] = [];
  for (let n = 0; n < 1500; n++) {
    const userId = 1 + Math.floor(random() * 70);
    const titleId = titleIds[Math.floor(random() * titleIds.length)]!;
    ratings.push({ userId, titleId, value: 0.5 * (1 + Math.floor(random() * 10)), ratedAt: 1.7e12 + Math.floor(random() * 5e8) });
  }
  return { ratings, titleIds };
}

const columnsOf = (ratings: readonly Rating[]): RatingColumns => ({
  length: ratings.length,
  userIds: Int32Array.from(ratings, (r) => r.userId),
  titleIds: Int32Array.from(ratings, (r) => r.titleId),
  values: Float64Array.from(ratings, (r) => r.value),
  ratedAt: Float64Array.from(ratings, (r) => r.ratedAt),
});

const plain = (rows: ReturnType<typeof sessionRows>) => rows.map((r) => ({ rows: [...r.rows], weights: [...r.weights] }));

describe('ratings held as columns', () => {
  const { ratings, titleIds } = ratingsCase(3);
  const columns = columnsOf(ratings);
  const rowOf = new Map(titleIds.map((id, row) => [id, row]));

  it('give the same users, histories and rows as the objects', () => {
    expect([...eachRating(columns)]).toEqual(ratings);
    expect([...userHistories(columns)]).toEqual([...ratingsByUser(ratings).values()]);
    const options = { weighting: 'rating' as const, sessionGapMinutes: 600, sessionWeight: 2, windowLength: 6, windowWeight: 1 };
    const sessions = plain(sessionRows(columns, rowOf, options));
    expect(sessions.length).toBeGreaterThan(70);
    expect(sessions).toEqual(plain(sessionRows(ratings, rowOf, options)));
    expect(plain(windowRows(columns, rowOf, options))).toEqual(plain(windowRows(ratings, rowOf, options)));
  });

  it('train the same model as the objects', async () => {
    const options = { dimension: 6, epochs: 3, backend: 'cpu' as const };
    const fromObjects = await trainModel({ ratings, titleIds }, options);
    const fromColumns = await trainModel({ ratings: columns, titleIds }, options);
    expect(fromColumns.titleVectors).toEqual(fromObjects.titleVectors);
    expect(fromColumns.weights.encoderRows).toEqual(fromObjects.weights.encoderRows);
  });

  it('split by the hash hold-out like the objects, in input order', () => {
    const rule = { fraction: 0.2, seed: 9 };
    const objects = hashHoldoutSplit(ratings, rule);
    const reordered = columnsOf(ratings);
    const split = partitionHashHoldout(reordered, rule);
    expect(split.test.length).toBeGreaterThan(0);
    expect(split.test).toEqual(objects.test);
    expect([...eachRating(split.train)]).toEqual(objects.train);
    // The columns still hold every rating: the training part first, then the held-out one.
    expect([...eachRating(reordered)]).toEqual([...objects.train, ...objects.test]);
  });

  it('are checked like objects before training', async () => {
    const bad = columnsOf([...ratings.slice(0, 10), { userId: 1, titleId: 5, value: 4, ratedAt: 0 }]);
    await expect(trainModel({ ratings: bad, titleIds }, { backend: 'cpu' })).rejects.toThrow(/refers to title 5/);
  });
});
