import { describe, expect, it } from 'vitest';
import { popularForMember, popularTitles } from '../../../src/recommend/popular.ts';
import { Recommender } from '../../../src/recommend/recommender.ts';
import type { UserHistory } from '../../../src/recommend/types.ts';
import { idsOf, ratings, usersOf, world } from './fixtures.ts';

const { model, index, catalog, titles } = world();
const newcomer: UserHistory = { userId: 8, ratings: [], hidden: [] };
const recommender = new Recommender({ model, index, catalog, users: usersOf(newcomer), versionId: 1 });

describe('one definition of popular', () => {
  it('gives a member without ratings the same list with a model as from the catalogue alone', async () => {
    const withModel = await recommender.recommend(newcomer.userId, { count: 8 });
    const withoutModel = popularForMember(catalog, newcomer, { count: 8 });
    expect(withModel.map((r) => [r.titleId, r.reason])).toEqual(withoutModel.map((r) => [r.titleId, r.reason]));
    expect(recommender.popular(8).map((r) => r.titleId)).toEqual(popularTitles(catalog, 8).map((r) => r.titleId));
  });

  it('filters the same way: rated and hidden titles left out, kind and genre kept', async () => {
    const dramas = idsOf('Drama', titles);
    // Ratings of titles the model does not know leave no usable profile: the member still gets popular titles.
    const member: UserHistory = { userId: 9, ratings: ratings([999_999], 5), hidden: [dramas[0]!] };
    const filtered = new Recommender({ model, index, catalog, users: usersOf(member), versionId: 1 });
    const withModel = await filtered.recommend(member.userId, { count: 5, genre: 'drama' });
    const withoutModel = popularForMember(catalog, member, { count: 5, genre: 'drama' });
    expect(withModel.map((r) => r.titleId)).toEqual(withoutModel.map((r) => r.titleId));
    expect(withoutModel.every((r) => r.genres.includes('Drama') && r.titleId !== dramas[0])).toBe(true);
    expect(popularForMember(catalog, member, { count: 5, kind: 'show' }).every((r) => r.kind === 'show')).toBe(true);
  });
});
