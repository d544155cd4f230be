import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxDispatcher, queueSink } from '../../../src/queue/outbox.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { forgetMember } from '../../../src/members/forget-me.ts';
import { memberProfile } from '../../../src/members/members.ts';
import { applyReaction, rateTitle } from '../../../src/ratings/store.ts';
import { recordSuggestions } from '../../../src/suggestions/records.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { TEST_SETTINGS } from '../../support/settings.ts';

const REDIS_URL = TEST_SETTINGS.redisUrl;

let db: TestDatabase;
let queues: Queues;
let prefix: string;
let titleIds: number[];

const alice = { discordId: '100000000000000001', displayName: 'alice' };
const bob = { discordId: '100000000000000002', displayName: 'bob' };

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = `tbtest-ratings-${randomBytes(4).toString('hex')}`;
  queues = createQueues(REDIS_URL, prefix);
  const created = await Promise.all(
    ['Heat', 'Alien', 'Up'].map((name, i) => db.prisma.title.create({ data: { name, year: 1990 + i, genres: i === 1 ? ['Horror', 'Sci-Fi'] : ['Action'], searchName: name.toLowerCase() } })),
  );
  titleIds = created.map((t) => t.id);
  await recordSuggestions(db.prisma, alice, [
    { messageId: '900000000000000001', channelId: '800000000000000001', guildId: null, titleId: titleIds[0]!, position: 0, modelVersionId: null, reason: null },
    { messageId: '900000000000000002', channelId: '800000000000000001', guildId: null, titleId: titleIds[1]!, position: 1, modelVersionId: null, reason: null },
  ]);
});

afterAll(async () => {
  await queues.userEmbedding.obliterate({ force: true });
  await queues.close();
  await db.drop();
});

const rating = (discordId: string, titleId: number) => db.prisma.rating.findFirst({ where: { titleId, user: { externalId: discordId } }, select: { value: true, source: true } });

describe('reactions on suggestion messages', () => {
  it('👍 rates 4, 😍 then replaces it with 5, removing 😍 falls back to the 👍 still held, removing both deletes it', async () => {
    const on = (emoji: string, action: 'add' | 'remove') => applyReaction(db.prisma, { messageId: '900000000000000001', member: bob, emoji: { name: emoji }, action });
    expect(await on('👍', 'add')).toMatchObject({ kind: 'applied', rating: 4, ratingChanged: true });
    expect(await rating(bob.discordId, titleIds[0]!)).toEqual({ value: 4, source: 'reaction' });
    await new Promise((r) => setTimeout(r, 5));
    expect(await on('😍', 'add')).toMatchObject({ rating: 5 });
    expect((await rating(bob.discordId, titleIds[0]!))?.value).toBe(5);
    expect(await on('😍', 'remove')).toMatchObject({ rating: 4 });
    expect((await rating(bob.discordId, titleIds[0]!))?.value).toBe(4);
    expect(await on('👍', 'remove')).toMatchObject({ rating: undefined, ratingChanged: true });
    expect(await rating(bob.discordId, titleIds[0]!)).toBeNull();
  });

  it('keycaps give exact stars and 🙈 hides without rating', async () => {
    const on = (emoji: string, action: 'add' | 'remove') => applyReaction(db.prisma, { messageId: '900000000000000002', member: alice, emoji: { name: emoji }, action });
    expect(await on('2\ufe0f\u20e3', 'add')).toMatchObject({ rating: 2 });
    await on('2\ufe0f\u20e3', 'remove');
    expect(await on('🙈', 'add')).toMatchObject({ hidden: true, ratingChanged: false });
    expect(await db.prisma.hiddenTitle.count({ where: { titleId: titleIds[1]! } })).toBe(1);
    expect(await rating(alice.discordId, titleIds[1]!)).toBeNull();
    await on('🙈', 'remove');
    expect(await db.prisma.hiddenTitle.count({ where: { titleId: titleIds[1]! } })).toBe(0);
  });

  it('ignores other emoji, custom emoji and messages that are not suggestions, writing nothing', async () => {
    const events = await db.prisma.outboxEvent.count();
    expect(await applyReaction(db.prisma, { messageId: '900000000000000001', member: bob, emoji: { name: '🍕' }, action: 'add' })).toEqual({
      kind: 'ignored',
      reason: 'not-on-the-scale',
    });
    expect(await applyReaction(db.prisma, { messageId: '900000000000000001', member: bob, emoji: { name: '👍', id: '123456789012345678' }, action: 'add' })).toMatchObject({
      kind: 'ignored',
    });
    expect(await applyReaction(db.prisma, { messageId: '911111111111111111', member: bob, emoji: { name: '👍' }, action: 'add' })).toEqual({
      kind: 'ignored',
      reason: 'not-a-suggestion',
    });
    expect(await db.prisma.outboxEvent.count()).toBe(events);
  });

  it('a /rate after a reaction is not deleted when the old reaction is removed', async () => {
    const msg = { messageId: '900000000000000002', member: bob, emoji: { name: '👎' } };
    await applyReaction(db.prisma, { ...msg, action: 'add' });
    await rateTitle(db.prisma, bob, titleIds[1]!, 3.5);
    await applyReaction(db.prisma, { ...msg, action: 'remove' });
    expect(await rating(bob.discordId, titleIds[1]!)).toEqual({ value: 3.5, source: 'command' });
    await expect(rateTitle(db.prisma, bob, titleIds[1]!, 7)).rejects.toThrow(/between 1 and 5/);
  });
});

describe('outbox to BullMQ', () => {
  it('every rating change wrote an outbox row, and the dispatcher lands one deduplicated job per user in Redis', async () => {
    const pending = await db.prisma.outboxEvent.findMany({ where: { dispatchedAt: null } });
    expect(pending.length).toBeGreaterThanOrEqual(6);
    const dispatcher = new OutboxDispatcher({ prisma: db.prisma, sink: queueSink(queues) });
    expect(await dispatcher.drain()).toBe(pending.length);
    expect(await db.prisma.outboxEvent.count({ where: { dispatchedAt: null } })).toBe(0);
    const jobs = await queues.userEmbedding.getJobs(['waiting', 'delayed']);
    const users = await db.prisma.user.findMany({ select: { id: true } });
    expect(jobs.map((j) => j.data.userId).sort()).toEqual(users.map((u) => u.id).sort());
    expect(jobs.map((j) => j.deduplicationId).sort()).toEqual(users.map((u) => `user:${u.id}`).sort());
  });

  it('keeps events while Redis is unreachable and delivers them once it is back', async () => {
    const down = createQueues('redis://127.0.0.1:1', prefix);
    const failing = new OutboxDispatcher({ prisma: db.prisma, sink: queueSink(down) });
    await rateTitle(db.prisma, alice, titleIds[2]!, 4.5);
    expect(await failing.drain()).toBe(0);
    await down.close();
    const row = await db.prisma.outboxEvent.findFirst({ where: { dispatchedAt: null } });
    expect(row?.attempts).toBe(1);
    expect(await new OutboxDispatcher({ prisma: db.prisma, sink: queueSink(queues) }).drain()).toBe(1);
  });
});

describe('profile and forget-me', () => {
  it('profile counts ratings and names favourite genres; forget-me deletes every row of the member and reports counts', async () => {
    const profile = await memberProfile(db.prisma, bob.discordId);
    expect(profile).toMatchObject({ ratingCount: 1, recent: [{ name: 'Alien', value: 3.5 }] });
    expect(profile?.favouriteGenres.map((g) => g.genre)).toEqual(['Horror', 'Sci-Fi']);
    await applyReaction(db.prisma, { messageId: '900000000000000001', member: alice, emoji: { name: '😐' }, action: 'add' });
    const result = await forgetMember(db.prisma, alice.discordId);
    expect(result).toEqual({ ratings: 2, hiddenTitles: 0, vectors: 0, suggestions: 2, reactions: 1 });
    expect(await db.prisma.user.count({ where: { externalId: alice.discordId } })).toBe(0);
    // The two messages made for alice stay (others may react on them), linked to nobody and without her reason.
    expect(await db.prisma.suggestion.count({ where: { userId: null, reason: null } })).toBe(2);
    expect(await forgetMember(db.prisma, alice.discordId)).toEqual({ ratings: 0, hiddenTitles: 0, vectors: 0, suggestions: 0, reactions: 0 });
  });
});
