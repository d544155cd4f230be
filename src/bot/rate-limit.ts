import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import { LRUCache } from 'lru-cache';
import { MemberRateLimiter } from '../lib/member-rate-limiter.ts';

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
