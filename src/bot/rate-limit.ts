import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import { LRUCache } from 'lru-cache';

/**
 * A per-member sliding-window limit: at most `limit` events in any `windowMs`. Pure apart from the
 * clock passed in; memory is bounded by pruning members whose window has passed. The one rate limit
 * of the bot: commands, autocomplete searches and reaction writes each get an instance.
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

export type AutocompleteChoice = ApplicationCommandOptionChoiceData;

/** Where an autocomplete answer came from. */
export type AutocompleteSource = 'search' | 'cache' | 'throttled';

/**
 * Keeps autocomplete (one interaction per keystroke) from turning into a search per keystroke: a
 * member's recent answers are reused for the same question for `cacheMs`, and past `limiter`'s
 * budget of searches a new question is answered with no choices (Discord shows "no options"; the
 * next keystroke after the window asks again). Cache hits cost no budget. Memory is bounded by
 * `maxEntries` answers in all.
 */
export class AutocompleteThrottle {
  private readonly answers: LRUCache<string, AutocompleteChoice[]>;
  private calls = 0;

  constructor(
    private readonly limiter: MemberRateLimiter,
    options: { cacheMs?: number; maxEntries?: number } = {},
  ) {
    this.answers = new LRUCache({ max: options.maxEntries ?? 5_000, ttl: options.cacheMs ?? 30_000, ttlAutopurge: false });
  }

  /** Answers `question` (command, option and typed text) for the member, running `search` only when allowed. */
  async answer(memberId: string, question: string, search: () => Promise<AutocompleteChoice[]>): Promise<{ choices: AutocompleteChoice[]; source: AutocompleteSource }> {
    const key = `${memberId}\u0000${question}`;
    // Expired answers are dropped when read or evicted; sweep now and then so idle ones do not sit until `maxEntries`.
    if (++this.calls % 500 === 0) this.answers.purgeStale();
    const cached = this.answers.get(key);
    if (cached) return { choices: cached, source: 'cache' };
    if (this.limiter.take(memberId) > 0) return { choices: [], source: 'throttled' };
    const choices = await search();
    // An empty answer may be a search that failed or ran late: do not keep it.
    if (choices.length > 0) this.answers.set(key, choices);
    return { choices, source: 'search' };
  }
}
