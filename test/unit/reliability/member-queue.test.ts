import { describe, expect, it } from 'vitest';
import { MemberQueue } from '../../../src/bot/listeners/reactions.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MemberQueue', () => {
  it('runs one member\'s events in arrival order even when an earlier one is slower, and other members alongside', async () => {
    const queue = new MemberQueue();
    const log: string[] = [];
    const job = (name: string, ms: number, fail = false) => async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
    };
    await Promise.allSettled([
      queue.run('alice', job('a1 remove', 40, true)),
      queue.run('alice', job('a2 add', 1)),
      queue.run('bob', job('b1', 5)),
    ]);
    // Bob did not wait for Alice; Alice's second event started only after her first ended, though it failed.
    expect(log.indexOf('end b1')).toBeLessThan(log.indexOf('end a1 remove'));
    expect(log.indexOf('start a2 add')).toBeGreaterThan(log.indexOf('end a1 remove'));
  });
});
