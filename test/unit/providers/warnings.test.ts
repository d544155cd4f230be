import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/providers/http.ts';
import { ProviderWarnings } from '../../../src/providers/warnings.ts';

describe('ProviderWarnings', () => {
  it('logs one warning per provider per minute and counts the ones it held back', () => {
    const lines: [Record<string, unknown>, string][] = [];
    let now = 0;
    const warnings = new ProviderWarnings({ warn: ((obj: Record<string, unknown>, msg: string) => lines.push([obj, msg])) as never }, 60_000, () => now);
    const down = new ProviderError('tmdb', 'unavailable', 'tmdb is failing (HTTP 500 on search/movie).');
    expect([warnings.warn(down), warnings.warn(down), warnings.warn(new ProviderError('rawg', 'timeout', 'rawg did not answer.'))]).toEqual([true, false, true]);
    now = 59_999;
    expect(warnings.warn(down)).toBe(false);
    now = 60_000;
    expect(warnings.warn(down)).toBe(true);
    expect(lines.map(([obj]) => [obj.provider, obj.suppressed])).toEqual([
      ['tmdb', 0],
      ['rawg', 0],
      ['tmdb', 2],
    ]);
    expect(lines[0]![1]).toBe('tmdb is failing (HTTP 500 on search/movie). Answering from the local catalogue.');
  });
});
