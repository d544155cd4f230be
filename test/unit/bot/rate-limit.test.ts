import { describe, expect, it } from 'vitest';
import { MemberRateLimiter } from '../../../src/lib/member-rate-limiter.ts';
import { AutocompleteThrottle, type AutocompleteChoice } from '../../../src/bot/rate-limit.ts';

describe('AutocompleteThrottle', () => {
  const choices = (q: string): AutocompleteChoice[] => [{ name: `${q} (1999)`, value: q }];

  it('searches within the budget, reuses an answer for the same question without spending budget, and answers nothing for a new question past it', async () => {
    let now = 0;
    const throttle = new AutocompleteThrottle(new MemberRateLimiter(2, 10_000, () => now), { cacheMs: 60_000 });
    const searched: string[] = [];
    const ask = (member: string, q: string) => throttle.answer(member, q, async () => (searched.push(q), choices(q)));
    expect(await ask('a', 'ti')).toEqual({ choices: choices('ti'), source: 'search' });
    expect(await ask('a', 'tit')).toEqual({ choices: choices('tit'), source: 'search' });
    expect(await ask('a', 'titl')).toEqual({ choices: [], source: 'throttled' });
    // Backspace to a question already answered: from the cache, even past the budget.
    expect(await ask('a', 'tit')).toEqual({ choices: choices('tit'), source: 'cache' });
    // Another member has a budget and a cache of their own.
    expect(await ask('b', 'titl')).toEqual({ choices: choices('titl'), source: 'search' });
    now = 10_001;
    expect(await ask('a', 'titl')).toEqual({ choices: choices('titl'), source: 'search' });
    expect(searched).toEqual(['ti', 'tit', 'titl', 'titl']);
  });

  it('does not keep empty answers (a failed or late search), and bounds the cache', async () => {
    const throttle = new AutocompleteThrottle(new MemberRateLimiter(100, 10_000), { maxEntries: 2 });
    let answer: AutocompleteChoice[] = [];
    const ask = (q: string) => throttle.answer('a', q, async () => answer);
    expect((await ask('x')).source).toBe('search');
    answer = choices('x');
    expect(await ask('x')).toEqual({ choices: choices('x'), source: 'search' });
    expect((await ask('x')).source).toBe('cache');
    await ask('y');
    await ask('z');
    // 'x' was the least recently used of three: evicted.
    expect((await ask('x')).source).toBe('search');
  });
});
