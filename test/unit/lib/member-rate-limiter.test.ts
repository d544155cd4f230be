import { describe, expect, it } from 'vitest';
import { MemberRateLimiter } from '../../../src/lib/member-rate-limiter.ts';

describe('MemberRateLimiter.waitMs', () => {
  it('tells the wait without counting an event', () => {
    let now = 0;
    const limiter = new MemberRateLimiter(1, 1000, () => now);
    expect(limiter.waitMs('a')).toBe(0);
    expect(limiter.waitMs('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    now = 250;
    expect(limiter.waitMs('a')).toBe(750);
    expect(limiter.take('a')).toBe(750);
  });
});
