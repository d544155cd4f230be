import { describe, expect, it } from 'vitest';
import { MemberQueue } from '../../../../src/bot/listeners/reactions.ts';
import { MemberRateLimiter } from '../../../../src/lib/member-rate-limiter.ts';
import { seededRandom } from '../../../../src/lib/random.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MemberQueue', () => {
  it("runs one member's events in arrival order even when an earlier one is slower, and other members alongside", async () => {
    const queue = new MemberQueue();
    const log: string[] = [];
    const job =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await tick(ms);
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
      };
    await Promise.allSettled([queue.run('alice', job('a1 remove', 40, true)), queue.run('alice', job('a2 add', 1)), queue.run('bob', job('b1', 5))]);
    // Bob did not wait for Alice; Alice's second event started only after her first ended, though it failed.
    expect(log.indexOf('end b1')).toBeLessThan(log.indexOf('end a1 remove'));
    expect(log.indexOf('start a2 add')).toBeGreaterThan(log.indexOf('end a1 remove'));
  });
});

describe('MemberQueue with a budget', () => {
  it('runs the budget at once; then events wait, a later one with the same key replaces a waiting one, and they run in order of latest arrival', async () => {
    const queue = new MemberQueue({ limiter: new MemberRateLimiter(2, 50) });
    const ran: string[] = [];
    const event = (name: string, key: string) => queue.run('alice', async () => void ran.push(name), { key });
    const first = [event('m1 add 😍', 'm1|😍'), event('m2 add 👍', 'm2|👍')];
    await Promise.all(first);
    expect(ran).toEqual(['m1 add 😍', 'm2 add 👍']);
    const waiting = [event('m3 add 😐', 'm3|😐'), event('m1 remove 😍', 'm1|😍'), event('m3 remove 😐', 'm3|😐'), event('m4 add 👎', 'm4|👎')];
    expect(queue.waitingCount()).toBe(3);
    // Bob has his own budget and does not wait for Alice.
    await queue.run('bob', async () => void ran.push('bob'), { key: 'm1|😍' });
    expect(ran).toEqual(['m1 add 😍', 'm2 add 👍', 'bob']);
    await Promise.all(waiting);
    expect(ran.slice(3)).toEqual(['m1 remove 😍', 'm3 remove 😐', 'm4 add 👎']);
    expect(queue.waitingCount()).toBe(0);
  });

  it('keeps the latest-held-reaction outcome of any event sequence: held reactions and ratings equal running every event', async () => {
    const emoji = { '😍': 5, '👍': 4, '😐': 3, '👎': 1 } as const;
    type Event = { action: 'add' | 'remove'; message: number; emoji: keyof typeof emoji };
    // A store as the SQL decides: held (message, emoji) rows stamped when written; a title's rating is its newest held rating emoji.
    const store = () => {
      let clock = 0;
      const held = new Map<string, number>();
      return {
        apply(e: Event) {
          const k = `${e.message}|${e.emoji}`;
          if (e.action === 'add') held.set(k, ++clock);
          else held.delete(k);
        },
        ratings(messagesPerTitle: number) {
          const newest = new Map<number, { at: number; value: number }>();
          for (const [k, at] of held) {
            const [message, e] = k.split('|') as [string, keyof typeof emoji];
            const title = Math.floor(Number(message) / messagesPerTitle);
            const best = newest.get(title);
            if (!best || at > best.at) newest.set(title, { at, value: emoji[e] });
          }
          return [...newest].map(([title, r]) => `${title}=${r.value}`).sort();
        },
        held: () => [...held.keys()].sort(),
      };
    };
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const events: Event[] = Array.from({ length: 60 }, () => ({
        action: random() < 0.6 ? 'add' : 'remove',
        message: Math.floor(random() * 8),
        emoji: (Object.keys(emoji) as (keyof typeof emoji)[])[Math.floor(random() * 4)]!,
      }));
      const direct = store();
      for (const e of events) direct.apply(e);
      const throttled = store();
      const queue = new MemberQueue({ limiter: new MemberRateLimiter(3, 4) });
      await Promise.all(events.map((e) => queue.run('m', async () => throttled.apply(e), { key: `${e.message}|${e.emoji}` })));
      expect(throttled.held()).toEqual(direct.held());
      // Two messages per title, as when a title was suggested twice.
      expect(throttled.ratings(2)).toEqual(direct.ratings(2));
    }
  });

  it('past maxWaiting hands the oldest waiting event to its drop (reconciliation) and still runs the rest; flush runs what waits at once', async () => {
    const queue = new MemberQueue({ limiter: new MemberRateLimiter(1, 60_000), maxWaiting: 2 });
    const ran: string[] = [];
    const dropped: string[] = [];
    const event = (key: string) => queue.run('alice', async () => void ran.push(key), { key, drop: () => dropped.push(key) });
    await event('a');
    const rest = ['b', 'c', 'd'].map(event);
    expect(dropped).toEqual(['b']);
    expect(queue.waitingCount()).toBe(2);
    // The budget is spent for a minute: only a flush (the bot stopping) runs them now.
    await queue.flush();
    await Promise.all(rest);
    expect(ran).toEqual(['a', 'c', 'd']);
  });
});
