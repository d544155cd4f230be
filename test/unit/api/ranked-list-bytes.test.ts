import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RANKED_LIST_CACHE, rankedListBytes } from '../../../src/api/answers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Lists shaped as the recommender makes them: names and genres are the catalogue's, reasons are new strings. */
function makeLists(count: number, items: number) {
  const genres = ['Drama', 'Comedy'];
  const names = Array.from({ length: 200 }, (_, i) => `Some title number ${i} (1999)`);
  return Array.from({ length: count }, (_, l) => ({
    personal: true,
    total: 100,
    stamp: `${l}:1733000000000:0::1733000000001`,
    list: Array.from({ length: items }, (_, i) => ({
      titleId: l * items + i,
      name: names[i % 200]!,
      year: 1999,
      genres,
      kind: 'movie',
      score: i / items,
      reason: `because you liked ${names[(i + l) % 200]}`,
      becauseTitleId: i,
    })),
  }));
}

describe('the ranked-list cache bound', () => {
  it('estimates the heap a kept list holds within a third of what V8 measures', () => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const lists = makeLists(1_000, 20);
    gc();
    const measured = process.memoryUsage().heapUsed - before;
    const estimated = lists.reduce((sum, list) => sum + rankedListBytes(list), 0);
    expect(estimated / measured).toBeGreaterThan(0.67);
    expect(estimated / measured).toBeLessThan(1.5);
  });

  it('keeps thousands of first pages but bounds whole 100-title lists to about a thousand', () => {
    const [firstPage] = makeLists(1, 20);
    const [whole] = makeLists(1, 100);
    expect(RANKED_LIST_CACHE.maxBytes / rankedListBytes(firstPage!)).toBeGreaterThan(4_000);
    expect(RANKED_LIST_CACHE.maxBytes / rankedListBytes(whole!)).toBeLessThan(1_200);
  });
});
