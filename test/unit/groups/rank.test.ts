import { describe, expect, it } from 'vitest';
import { quoteUserText } from '../../../src/bot/messages.ts';
import { fitBar, fitLegend, joinNames } from '../../../src/groups/explain.ts';
import { GroupInputError, memberPercentiles, rankForGroup, type CandidateTitle, type GroupMember, type GroupRankInput } from '../../../src/groups/rank.ts';

/** Ten titles, ids 1..10, popularity rising with the id. */
const candidates: CandidateTitle[] = Array.from({ length: 10 }, (_, i) => ({ titleId: i + 1, name: `Title ${i + 1}`, genres: i % 2 ? ['Drama'] : ['Comedy'], popularity: i }));

/** Members whose raw scores are given per title id (unlisted titles score 0); the scale differs on purpose. */
function member(id: string, scores: Record<number, number>, extra: Partial<GroupMember> = {}): GroupMember & { scores: Record<number, number> } {
  return { id, displayName: id, vector: new Float32Array(1), scores, ...extra };
}

function input(members: ReturnType<typeof member>[], overrides: Partial<GroupRankInput> = {}): GroupRankInput {
  const byId = new Map(members.map((m) => [m.id, m.scores]));
  return {
    members,
    candidates,
    predict: (m, titleId) => byId.get(m.id)?.[titleId] ?? 0,
    count: 3,
    escape: (text) => quoteUserText(text, 40),
    ...overrides,
  };
}

const ids = (list: { titleId: number }[]) => list.map((c) => c.titleId);

// Ana loves 1 and 2, hates 3; Bo loves 3 and 4, is lukewarm on 1; both are fine with 5-7.
const ana = member('Ana', { 1: 10, 2: 9.5, 3: -5, 4: 3, 5: 7, 6: 6.5, 7: 6, 8: 1, 9: 0.5, 10: 0.2 });
const bo = member('Bo', { 1: 0.41, 2: 0.1, 3: 1, 4: 0.95, 5: 0.7, 6: 0.65, 7: 0.6, 8: 0.3, 9: 0.2, 10: 0.05 });

describe('memberPercentiles', () => {
  it('maps scores to 0..1 by rank, ties sharing the mean rank, unscorable titles last', () => {
    expect([...memberPercentiles([3, 1, 2])]).toEqual([1, 0, 0.5]);
    expect([...memberPercentiles([2, 2, 1])]).toEqual([0.75, 0.75, 0]);
    expect([...memberPercentiles([undefined, 5, 4])]).toEqual([0, 1, 0.5]);
  });
});

describe('rankForGroup strategies', () => {
  it('average ranks by mean percentile, so a title one member hates can win', () => {
    const top = ids(rankForGroup(input([ana, bo], { strategy: 'average', count: 8 })));
    // 3 is Ana's last but Bo's first: the mean keeps it in the list.
    expect(top).toContain(3);
  });

  it('least-misery never picks a title any member is at the bottom for', () => {
    const result = rankForGroup(input([ana, bo], { strategy: 'least-misery', count: 5 }));
    expect(ids(result)).not.toContain(3);
    expect(ids(result).slice(0, 3)).toEqual([5, 6, 7]);
    for (const c of result) expect(c.groupScore).toBe(Math.min(...c.perMember.map((p) => p.predicted)));
  });

  it('average-without-misery drops titles below the misery percentile for any member', () => {
    const settings = { miseryPercentile: 0.5, goodPercentile: 0.9 };
    // Title 1 is Ana's favourite but below Bo's median (percentile 4/9): average keeps it, this strategy does not.
    expect(ids(rankForGroup(input([ana, bo], { strategy: 'average', settings })))).toContain(1);
    const result = rankForGroup(input([ana, bo], { settings }));
    for (const c of result) for (const p of c.perMember) expect(p.predicted).toBeGreaterThanOrEqual(0.5);
    expect(ids(result)).toEqual([5, 6, 7]);
  });

  it('average-without-misery fills in least-misery order when too few titles clear the bar', () => {
    const result = rankForGroup(input([ana, bo], { count: 8, settings: { miseryPercentile: 0.5, goodPercentile: 0.9 } }));
    expect(result).toHaveLength(8);
    const safe = result.filter((c) => c.perMember.every((p) => p.predicted >= 0.5));
    expect(result.slice(0, safe.length)).toEqual(safe);
  });

  it('fair leans to the member whose favourites won recently less', () => {
    const settings = { miseryPercentile: 0, goodPercentile: 0.85 };
    const anaWon = rankForGroup(input([ana, bo], { strategy: 'fair', settings, fairHistory: new Map([['Ana', 3]]) }));
    const boWon = rankForGroup(input([ana, bo], { strategy: 'fair', settings, fairHistory: new Map([['Bo', 3]]) }));
    const first = anaWon[0]!.perMember;
    expect(first.find((p) => p.memberId === 'Bo')!.fit).toBe('good'); // one of Bo's favourites first after Ana's wins
    expect(first.find((p) => p.memberId === 'Ana')!.predicted).toBeLessThan(0.5);
    expect(ids(boWon)[0]).toBe(1); // Ana's favourite first after Bo's wins
  });

  it('fair without history alternates between members within the list', () => {
    const settings = { miseryPercentile: 0, goodPercentile: 0.85 };
    const result = rankForGroup(input([ana, bo], { strategy: 'fair', settings, count: 3 }));
    const goodFor = (name: string) => result.filter((c) => c.perMember.find((p) => p.memberId === name)!.fit === 'good').length;
    expect(goodFor('Ana')).toBeGreaterThan(0);
    expect(goodFor('Bo')).toBeGreaterThan(0);
  });

  it('members on different score scales weigh the same', () => {
    const scaled = member('Bo', Object.fromEntries(Object.entries(bo.scores).map(([k, v]) => [k, v * 1000])));
    expect(ids(rankForGroup(input([ana, scaled], { strategy: 'average' })))).toEqual(ids(rankForGroup(input([ana, bo], { strategy: 'average' }))));
  });
});

describe('rankForGroup members, exclusions and bad input', () => {
  it('counts members without ratings as neutral: no say, listed, fit ok', () => {
    const newcomer: GroupMember = { id: 'Cy', displayName: 'Cy', vector: null };
    const withNewcomer = rankForGroup(input([ana, bo], { members: [ana, bo, newcomer] }));
    expect(ids(withNewcomer)).toEqual(ids(rankForGroup(input([ana, bo]))));
    for (const c of withNewcomer) {
      expect(c.neutralMembers).toEqual(['Cy']);
      expect(c.perMember.find((p) => p.memberId === 'Cy')).toEqual({ memberId: 'Cy', predicted: 0.5, fit: 'ok' });
      expect(fitBar(c).endsWith('⬜')).toBe(true);
      // The reason counts only members with ratings and says so, never "all 2 of you" when three joined.
      expect(c.reason).toMatch(/ of the 2 of you with ratings/);
    }
  });

  it('ranks by popularity when nobody has ratings', () => {
    const members: GroupMember[] = [
      { id: 'a', displayName: 'a', vector: null },
      { id: 'b', displayName: 'b', vector: null },
    ];
    const result = rankForGroup({ members, candidates, predict: () => undefined, count: 3, escape: (t) => t });
    expect(ids(result)).toEqual([10, 9, 8]);
    expect(result[0]!.reason).toMatch(/^popular with everyone/);
  });

  it('leaves out seen and hidden titles; include-seen lets seen ones back but never hidden ones', () => {
    const base = input([ana, bo], { strategy: 'average', count: 8, seenTitleIds: [1, 5], hiddenTitleIds: [6] });
    expect(ids(rankForGroup(base))).not.toEqual(expect.arrayContaining([1]));
    for (const id of [1, 5, 6]) expect(ids(rankForGroup(base))).not.toContain(id);
    const rewatch = ids(rankForGroup({ ...base, includeSeen: true }));
    expect(rewatch).toContain(1);
    expect(rewatch).not.toContain(6);
  });

  it('returns fewer titles when the pool is smaller than the count, none for an empty pool', () => {
    expect(rankForGroup(input([ana], { candidates: candidates.slice(0, 2) }))).toHaveLength(2);
    expect(rankForGroup(input([ana], { hiddenTitleIds: candidates.map((c) => c.titleId) }))).toEqual([]);
  });

  it.each([2, 9, 3.5, Number.NaN])('rejects a count of %s with a GroupInputError', (count) => {
    expect(() => rankForGroup(input([ana, bo], { count }))).toThrow(GroupInputError);
    expect(() => rankForGroup(input([ana, bo], { count }))).toThrow(/from 3 to 8/);
  });

  it('rejects no members, a repeated member, an unknown strategy and inverted thresholds', () => {
    expect(() => rankForGroup(input([]))).toThrow(/at least one member/);
    expect(() => rankForGroup(input([ana, ana]))).toThrow(/only once/);
    expect(() => rankForGroup(input([ana], { strategy: 'loudest' as never }))).toThrow(/Unknown strategy "loudest"/);
    expect(() => rankForGroup(input([ana], { settings: { miseryPercentile: 0.9, goodPercentile: 0.5 } }))).toThrow(GroupInputError);
  });
});

describe('reason line and fit bar', () => {
  it('says how many it fits and which loved title the fitting members share, names escaped', () => {
    const loved = { titleId: 99, name: 'Heat (1995)', genres: ['Comedy'] };
    const a = member('an_a*', ana.scores, { lovedTitles: [loved] });
    const b = member('Bo', { ...ana.scores, 1: 11 }, { lovedTitles: [loved] });
    const c = member('Cy', bo.scores);
    const [first] = rankForGroup(input([a, b, c], { strategy: 'average', settings: { goodPercentile: 0.9, miseryPercentile: 0.2 } }));
    expect(first!.titleId).toBe(1);
    expect(first!.reason).toBe('fits 2 of 3 of you; an\\_a\\* and Bo loved Heat (1995)');
    expect(fitBar(first!)).toBe('🟩🟩🟨');
    expect(fitLegend(first!, [a, b, c], (t) => quoteUserText(t, 40))).toBe('🟩 an\\_a\\* · 🟩 Bo · 🟨 Cy');
  });

  it('uses the given title similarity over genre overlap, and falls back to genres', () => {
    const a = member('Ana', ana.scores, { lovedTitles: [{ titleId: 42, name: 'Alien (1979)' }] });
    const similarity = (x: number, y: number) => (x === 42 && y === 1 ? 0.9 : 0);
    const [first] = rankForGroup(input([a], { strategy: 'average', similarity }));
    expect(first!.reason).toBe('fits you well; Ana loved Alien (1979)');
    const [plain] = rankForGroup(input([member('Ana', ana.scores)], { strategy: 'average' }));
    expect(plain!.reason).toBe('fits you well; Comedy');
  });

  it('joins names for two, three and more members', () => {
    expect(joinNames(['A'])).toBe('A');
    expect(joinNames(['A', 'B'])).toBe('A and B');
    expect(joinNames(['A', 'B', 'C'])).toBe('A, B and C');
    expect(joinNames(['A', 'B', 'C', 'D', 'E'])).toBe('A, B and 3 others');
  });
});
