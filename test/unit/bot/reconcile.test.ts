import { describe, expect, it } from 'vitest';
import { diffHeld, Reconciler, type HeldKey, type ReconcileDiscord, type ReconcileStore, type SuggestionRef } from '../../../src/bot/reconcile.ts';
import { createLogger } from '../../../src/log.ts';
import { forgottenReactionToken } from '../../../src/ratings/forgotten.ts';
import { normaliseEmoji } from '../../../src/ratings/scale.ts';

const BOT = '900000000000000000';
const logger = createLogger({ logLevel: 'silent' });

describe('diffHeld', () => {
  it('adds what Discord reports but the database lacks, removes the reverse, keeps the rest', () => {
    const stored: HeldKey[] = [
      { discordId: 'a', emoji: '👍' },
      { discordId: 'b', emoji: '😍' },
    ];
    const reported: HeldKey[] = [
      { discordId: 'a', emoji: '👍' },
      { discordId: 'c', emoji: '👎' },
    ];
    expect(diffHeld(stored, reported)).toEqual({ adds: [{ discordId: 'c', emoji: '👎' }], removes: [{ discordId: 'b', emoji: '😍' }] });
  });

  it('is empty when both sides agree, whatever the order or duplicates', () => {
    const a = [
      { discordId: 'x', emoji: '😐' },
      { discordId: 'y', emoji: '🙈' },
    ];
    expect(diffHeld(a, [...a].reverse().concat(a))).toEqual({ adds: [], removes: [] });
  });
});

/** An in-memory world: Discord's reactions per message and the stored held rows, with applyReaction keeping the latter. */
function world(messages: Record<string, { reactions: Record<string, string[]>; gone?: boolean }>) {
  const stored = new Map<string, HeldKey[]>();
  const forgotten = new Map<string, Set<string>>();
  const applied: { messageId: string; discordId: string; emoji: string; action: string }[] = [];
  const calls = { users: 0, messages: 0 };
  const discord: ReconcileDiscord = {
    async reactions(ref) {
      calls.messages += 1;
      const m = messages[ref.messageId];
      if (!m || m.gone) return 'gone';
      return Object.entries(m.reactions).map(([name, users]) => ({ emoji: { name, id: name.includes(':') ? '1' : null }, count: users.length, me: users.includes(BOT) }));
    },
    async reactionUsers(ref, emojiName, after) {
      calls.users += 1;
      const ids = [...(messages[ref.messageId]!.reactions[emojiName] ?? [])].sort();
      return ids
        .filter((id) => !after || id > after)
        .slice(0, 100)
        .map((id) => ({ id, bot: id === BOT || id.startsWith('bot'), username: `u${id}`, global_name: null }));
    },
  };
  const refs: SuggestionRef[] = Object.keys(messages).map((messageId) => ({ messageId, channelId: 'c' }));
  const store: ReconcileStore = {
    async recentSuggestions(_since, after, limit) {
      const start = after ? refs.findIndex((r) => r.messageId === after) + 1 : 0;
      return refs.slice(start, start + limit);
    },
    async suggestionsByIds(ids) {
      return refs.filter((r) => ids.includes(r.messageId));
    },
    async held(messageId) {
      return [...(stored.get(messageId) ?? [])];
    },
    async forgotten(messageId) {
      return new Set(forgotten.get(messageId));
    },
    async dropForgotten(messageId, tokens) {
      for (const token of tokens) forgotten.get(messageId)?.delete(token);
    },
  };
  const ratings = {
    async applyReaction(input: { messageId: string; member: { discordId: string }; emoji: { name: string | null }; action: 'add' | 'remove' }) {
      const emoji = normaliseEmoji(input.emoji.name!);
      applied.push({ messageId: input.messageId, discordId: input.member.discordId, emoji, action: input.action });
      const rows = (stored.get(input.messageId) ?? []).filter((k) => !(k.discordId === input.member.discordId && k.emoji === emoji));
      if (input.action === 'add') rows.push({ discordId: input.member.discordId, emoji });
      stored.set(input.messageId, rows);
      return { kind: 'ignored', reason: 'not-a-suggestion' } as const;
    },
  };
  let changed = 0;
  const reconciler = new Reconciler({ discord, store, ratings, logger, botUserId: () => BOT, ratingsChanged: () => changed++, retryMs: 20 });
  return { reconciler, stored, forgotten, applied, calls, changed: () => changed };
}

describe('Reconciler', () => {
  it('stores reactions made while away, drops ones removed while away, ignores bots and custom emoji, and a second run changes nothing', async () => {
    const w = world({
      m1: { reactions: { '👍': [BOT, 'alice'], '😍': [BOT], '4\ufe0f\u20e3': ['bob'], 'party:1': ['carol'], '🍕': ['dave'], '👎': ['bot-other'] } },
      m2: { reactions: { '😐': [BOT] } },
    });
    w.stored.set('m2', [{ discordId: 'erin', emoji: '😐' }]);
    const first = await w.reconciler.reconcileRecent(14);
    expect(first).toMatchObject({ messages: 2, adds: 2, removes: 1, gone: 0, failed: 0 });
    expect(w.stored.get('m1')).toEqual(
      expect.arrayContaining([
        { discordId: 'alice', emoji: '👍' },
        { discordId: 'bob', emoji: '4\u20e3' },
      ]),
    );
    expect(w.stored.get('m1')).toHaveLength(2);
    expect(w.stored.get('m2')).toEqual([]);
    expect(w.changed()).toBe(1);
    // Only emoji someone besides the bot holds are paged through: 👍, 4️⃣, 👎 (a bot's) — not 😍 (bot only), not custom or off-scale ones.
    expect(w.calls.users).toBe(3);

    const applied = w.applied.length;
    const second = await w.reconciler.reconcileRecent(14);
    expect(second).toMatchObject({ adds: 0, removes: 0 });
    expect(w.applied.length).toBe(applied);
  });

  it('never adds back a reaction a forgotten member held, until Discord stops showing it; holding it again then counts', async () => {
    const reactions: Record<string, string[]> = { '👍': ['alice', 'bob'], '🙈': ['alice'] };
    const w = world({ m1: { reactions } });
    w.forgotten.set('m1', new Set([forgottenReactionToken('m1', 'alice', '👍'), forgottenReactionToken('m1', 'alice', '🙈')]));
    expect(await w.reconciler.reconcileMessages(['m1'])).toMatchObject({ adds: 1 });
    expect(w.stored.get('m1')).toEqual([{ discordId: 'bob', emoji: '👍' }]);
    expect(w.forgotten.get('m1')!.size).toBe(2);

    // alice takes her 👍 back (while nobody listens), then adds it again: a new act, so it counts.
    reactions['👍'] = ['bob'];
    await w.reconciler.reconcileMessages(['m1']);
    expect(w.forgotten.get('m1')).toEqual(new Set([forgottenReactionToken('m1', 'alice', '🙈')]));
    reactions['👍'] = ['alice', 'bob'];
    expect(await w.reconciler.reconcileMessages(['m1'])).toMatchObject({ adds: 1 });
    expect(w.stored.get('m1')).toEqual(expect.arrayContaining([{ discordId: 'alice', emoji: '👍' }]));
    expect(w.stored.get('m1')!.some((k) => k.emoji === '🙈')).toBe(false);
  });

  it('pages through more than 100 reacting members', async () => {
    const many = Array.from({ length: 250 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    const w = world({ big: { reactions: { '😍': [BOT, ...many] } } });
    const stats = await w.reconciler.reconcileMessages(['big']);
    expect(stats.adds).toBe(250);
    expect(w.calls.users).toBe(3);
  });

  it('leaves deleted messages alone and retries messages whose store failed until it works', async () => {
    const w = world({ gone: { reactions: {}, gone: true }, ok: { reactions: { '👍': ['zed'] } } });
    expect(await w.reconciler.reconcileRecent(14)).toMatchObject({ gone: 1, adds: 1 });

    let down = true;
    const flaky = world({ later: { reactions: { '😐': ['yan'] } } });
    const realHeld = flaky.reconciler['options'].store.held;
    flaky.reconciler['options'].store.held = async (id: string) => {
      if (down) throw new Error('Connection terminated');
      return realHeld(id);
    };
    flaky.reconciler.markUnstored('later');
    expect(flaky.reconciler.pendingCount()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(flaky.stored.get('later')).toBeUndefined();
    down = false;
    await expect.poll(() => flaky.stored.get('later'), { timeout: 2000 }).toEqual([{ discordId: 'yan', emoji: '😐' }]);
    expect(flaky.reconciler.pendingCount()).toBe(0);
    await flaky.reconciler.stop();
  });
});
