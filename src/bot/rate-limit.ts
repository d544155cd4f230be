/**
 * A per-user sliding-window limit on commands: at most `limit` in any `windowMs`. Pure apart from the
 * clock passed in; memory is bounded by pruning users whose window has passed.
 */
export class CommandRateLimiter {
  private readonly hits = new Map<string, number[]>();
  private calls = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Rate limit must be a positive whole number; got ${limit}.`);
    if (!(windowMs > 0)) throw new RangeError(`Rate limit window must be positive; got ${windowMs} ms.`);
  }

  /** Counts one command of the user; returns 0 when allowed, else the milliseconds until the next one is. */
  take(userId: string): number {
    const now = this.now();
    const since = now - this.windowMs;
    const recent = (this.hits.get(userId) ?? []).filter((t) => t > since);
    if (++this.calls % 1000 === 0) this.prune(since);
    if (recent.length >= this.limit) {
      this.hits.set(userId, recent);
      return recent[0]! + this.windowMs - now;
    }
    recent.push(now);
    this.hits.set(userId, recent);
    return 0;
  }

  private prune(since: number): void {
    for (const [user, times] of this.hits) if (times.every((t) => t <= since)) this.hits.delete(user);
  }
}
