/**
 * A per-member sliding-window limit: at most `limit` events in any `windowMs`. Pure apart from the
 * clock passed in; memory is bounded by pruning members whose window has passed. The one rate limit
 * of the project: the bot's commands, autocomplete searches and reaction writes, and each catalogue provider's
 * requests, get an instance.
 */
export class MemberRateLimiter {
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

  /** Counts one event of the member; returns 0 when allowed, else the milliseconds until the next one is. */
  take(memberId: string): number {
    const wait = this.waitMs(memberId);
    if (wait === 0) this.hits.get(memberId)!.push(this.now());
    return wait;
  }

  /** Milliseconds until the member may have another event (0: now), without counting one. */
  waitMs(memberId: string): number {
    const now = this.now();
    const since = now - this.windowMs;
    const recent = (this.hits.get(memberId) ?? []).filter((t) => t > since);
    if (++this.calls % 1000 === 0) this.prune(since);
    this.hits.set(memberId, recent);
    return recent.length >= this.limit ? recent[0]! + this.windowMs - now : 0;
  }

  private prune(since: number): void {
    for (const [member, times] of this.hits) if (times.every((t) => t <= since)) this.hits.delete(member);
  }
}
