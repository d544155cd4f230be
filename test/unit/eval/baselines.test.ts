import { describe, expect, it } from 'vitest';
import { itemKnnRecommender, popularityRecommender } from '../../../src/eval/baselines.ts';
import type { Rating } from '../../../src/model/types.ts';

const r = (userId: number, titleId: number): Rating => ({ userId, titleId, value: 4, ratedAt: 0 });
// Titles 1 and 2 always go together; 3 and 4 go together; 5 is the most rated.
const train = [r(1, 1), r(1, 2), r(1, 5), r(2, 1), r(2, 2), r(2, 5), r(3, 3), r(3, 4), r(3, 5), r(4, 3), r(4, 4), r(5, 5)];
const titles = [1, 2, 3, 4, 5, 6];

describe('baselines', () => {
  it("popularity ranks by rating count, ties by id, without the user's titles", () => {
    const pop = popularityRecommender(train, titles);
    expect(pop.recommend([], 3)).toEqual([5, 1, 2]);
    expect(pop.recommend([r(9, 5), r(9, 1)], 3)).toEqual([2, 3, 4]);
  });

  it('item-kNN recommends what co-occurs with the history (cosine over binary columns)', () => {
    const knn = itemKnnRecommender(train, titles, { neighbours: 10 });
    // sim(1,2) = 2/sqrt(2*2) = 1 beats sim(1,5) = 2/sqrt(2*5).
    expect(knn.recommend([r(9, 1)], 2)).toEqual([2, 5]);
    expect(knn.recommend([r(9, 3)], 1)).toEqual([4]);
  });

  it('item-kNN keeps only the configured number of neighbours', () => {
    const knn = itemKnnRecommender(train, titles, { neighbours: 1 });
    expect(knn.recommend([r(9, 1)], 3)[0]).toBe(2);
  });
});
