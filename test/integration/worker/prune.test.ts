import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneRetention } from '../../../jobs/prune.ts';
import { QUEUE } from '../../../src/queue/names.ts';
import { forgottenReactionToken } from '../../../src/ratings/forgotten.ts';
import { forgetMember } from '../../../src/members/forget-me.ts';
import { applyReaction } from '../../../src/ratings/store.ts';
import { recordSuggestions } from '../../../src/suggestions/records.ts';
import { PRUNE_SCHEDULER_ID } from '../../../src/worker/queues.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../../src/worker/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { dropPrefix, testWorkerOptions, uniquePrefix, waitFor } from './support.ts';

const prefix = uniquePrefix('prune');
const DAY = 86_400_000;
const alice = { discordId: '410000000000000001', displayName: 'alice' };
const bob = { discordId: '410000000000000002', displayName: 'bob' };
const carol = { discordId: '410000000000000003', displayName: 'carol' };
let db: TestDatabase;
let runtime: WorkerRuntime;
let titleIds: number[];

/** Message ids by what each one is for. */
const M = {
  bobRates: '920000000000000001',
  nobody: '920000000000000002',
  carolHides: '920000000000000003',
  recent: '920000000000000004',
  pastWindow: '920000000000000005',
  tenDays: '920000000000000006',
  twentyDays: '920000000000000007',
} as const;

async function ageSuggestion(messageId: string, days: number): Promise<void> {
  await db.prisma.suggestion.update({ where: { messageId }, data: { createdAt: new Date(Date.now() - days * DAY) } });
}

const bobRating = async () => (await db.prisma.rating.findFirst({ where: { titleId: titleIds[0]!, user: { externalId: bob.discordId } }, select: { value: true } }))?.value ?? null;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.title.createMany({ data: Array.from({ length: 7 }, (_, i) => ({ name: `Film ${i}`, genres: ['Drama'], searchName: `film ${i}` })) });
  titleIds = (await db.prisma.title.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((t) => t.id);
  const ids = Object.values(M);
  await recordSuggestions(
    db.prisma,
    alice,
    ids.map((messageId, i) => ({ messageId, channelId: '820000000000000001', guildId: null, titleId: titleIds[i]!, position: i, modelVersionId: null, reason: 'popular in Drama' })),
  );
  await applyReaction(db.prisma, { messageId: M.bobRates, member: bob, emoji: { name: '👍' }, action: 'add' });
  await applyReaction(db.prisma, { messageId: M.carolHides, member: carol, emoji: { name: '🙈' }, action: 'add' });
  // alice held reactions here when she left: tokens stay only while reconciliation could still see the message.
  await applyReaction(db.prisma, { messageId: M.recent, member: alice, emoji: { name: '😍' }, action: 'add' });
  await applyReaction(db.prisma, { messageId: M.pastWindow, member: alice, emoji: { name: '😍' }, action: 'add' });
  await forgetMember(db.prisma, alice.discordId);
  for (const [messageId, days] of [
    [M.bobRates, 400],
    [M.nobody, 200],
    [M.carolHides, 200],
    [M.recent, 1],
    [M.pastWindow, 30],
    [M.tenDays, 10],
    [M.twentyDays, 20],
  ] as const) {
    await ageSuggestion(messageId, days);
  }
  // Outbox: one event delivered two days ago, one a minute ago, one (300 days old) never delivered.
  await db.prisma.outboxEvent.deleteMany();
  const event = (dispatchedAt: Date | null) => ({ kind: 'user-embedding', payload: { userId: 999 }, createdAt: new Date(Date.now() - 300 * DAY), dispatchedAt });
  await db.prisma.outboxEvent.createMany({ data: [event(new Date(Date.now() - 2 * DAY)), event(new Date(Date.now() - 60_000)), event(null)] });

  runtime = await startWorkerRuntime(testWorkerOptions(db, prefix, { queues: [QUEUE.prune], retention: { suggestionRetentionDays: 180, reconcileWindowDays: 14 }, pruneEveryMs: 300 }));
});

afterAll(async () => {
  await runtime?.close();
  await dropPrefix(prefix);
  await db?.drop();
});

const remaining = async () => (await db.prisma.suggestion.findMany({ select: { messageId: true }, orderBy: { messageId: 'asc' } })).map((s) => s.messageId);

describe('retention prune (scheduled BullMQ job)', () => {
  it('runs on its schedule: old delivered outbox rows go, undelivered and recent ones stay; only suggestions nobody needs go', async () => {
    const schedulers = await runtime.queues.get(QUEUE.prune)!.getJobSchedulers();
    expect(schedulers).toEqual([expect.objectContaining({ key: PRUNE_SCHEDULER_ID, every: 300 })]);
    await waitFor(async () => !(await remaining()).includes(M.nobody), 'the scheduled prune to run', 20_000, 100);

    // 200 days, nobody reacted: gone. 400 days but bob's 👍 is his rating, 200 days but carol's 🙈 hides: kept.
    expect(await remaining()).toEqual([M.bobRates, M.carolHides, M.recent, M.pastWindow, M.tenDays, M.twentyDays].sort());
    expect(await bobRating()).toBe(4);
    expect(await db.prisma.hiddenTitle.count({ where: { user: { externalId: carol.discordId } } })).toBe(1);
    const outbox = await db.prisma.outboxEvent.findMany({ select: { dispatchedAt: true } });
    expect(outbox).toHaveLength(2);
    expect(outbox.filter((e) => e.dispatchedAt === null)).toHaveLength(1);
    // The token of the message past the reconcile window went; the recent one stays.
    const tokens = await db.prisma.forgottenReaction.findMany({ select: { messageId: true, token: true } });
    expect(tokens).toEqual([{ messageId: M.recent, token: forgottenReactionToken(M.recent, alice.discordId, '😍') }]);

    // The kept record still does its work: bob takes his 👍 back on the 400-day-old message, his rating goes.
    await applyReaction(db.prisma, { messageId: M.bobRates, member: bob, emoji: { name: '👍' }, action: 'remove' });
    expect(await bobRating()).toBeNull();
    // Nobody holds anything there now, so the next run may prune it.
    await waitFor(async () => !(await remaining()).includes(M.bobRates), 'the next scheduled prune', 20_000, 100);
  });

  it('never prunes inside the reconcile window, even with a shorter retention', async () => {
    const result = await pruneRetention({ prisma: db.prisma }, { suggestionRetentionDays: 5, reconcileWindowDays: 14 });
    const left = await remaining();
    expect(left).toContain(M.tenDays);
    expect(left).toContain(M.recent);
    expect(left).not.toContain(M.twentyDays);
    expect(left).not.toContain(M.pastWindow);
    expect(left).toContain(M.carolHides);
    expect(result.suggestions).toBeGreaterThanOrEqual(1);
  });
});
