import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TitleSearch } from '../../../src/bot/ports.ts';
import type { DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { expectDatabaseMatchesDiscord, memberList, recommend, storedHeld } from '../reliability/harness.ts';
import { captureLogs, startBotWorld, type BotWorld, type LogLine } from './bot-world.ts';

type Member = { id: string; username: string };
const [alice, bob, carol] = memberList(3) as [Member, Member, Member];

/** Counts the title searches the bot really runs, per member asking (set just before each keystroke by the test). */
function countingSearch(counts: Map<string, number>, asking: { member: string }) {
  return (search: TitleSearch): TitleSearch => ({
    search(query, options) {
      counts.set(asking.member, (counts.get(asking.member) ?? 0) + 1);
      return search.search(query, options);
    },
    get: (id) => search.get(id),
  });
}

const applied = (logs: LogLine[], member: Member) => logs.filter((l) => l.msg === 'reaction applied' && l.userId === member.id).length;

describe('autocomplete throttle (a member holding a key down)', () => {
  let world: BotWorld;
  let emu: DiscordEmulator;
  const searches = new Map<string, number>();
  const asking = { member: '' };

  beforeAll(async () => {
    world = await startBotWorld({
      emulator: { members: [alice, bob], interactionDeadlineMs: null },
      bot: { rateLimit: { autocomplete: { limit: 5, windowSeconds: 3 } }, wrapSearch: countingSearch(searches, asking) },
    });
    ({ emu } = world);
  });
  afterAll(() => world?.stop());

  const type = (member: Member, value: string) => {
    asking.member = member.id;
    return emu.autocomplete({ userId: member.id, name: 'search', focused: 'query', value });
  };

  it('runs at most the budget of searches, answers the rest with no choices, reuses answers already given, and leaves other members alone', async () => {
    // Thirty keystrokes arrive at once: "Title 1", "Title 2", ... each a new question.
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => type(alice, `Title ${i + 1}`)));
    expect(searches.get(alice.id)).toBe(5);
    const answered = answers.map((choices, i) => ({ i, choices })).filter((a) => a.choices.length > 0);
    expect(answered).toHaveLength(5);
    expect(answers.filter((c) => c.length === 0)).toHaveLength(25);

    // A question already answered is answered again from the cache, though the budget is spent.
    const again = await type(alice, `Title ${answered[0]!.i + 1}`);
    expect(again).toEqual(answered[0]!.choices);
    expect(searches.get(alice.id)).toBe(5);

    // Bob is not held up by Alice.
    expect((await type(bob, 'Title 7')).length).toBeGreaterThan(0);
    expect(searches.get(bob.id)).toBe(1);

    // Once her window has passed, Alice's new questions are searched again.
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    expect((await type(alice, 'Title 35')).length).toBeGreaterThan(0);
    expect(searches.get(alice.id)).toBe(6);
  });
});

describe('reaction throttle (one member flooding many suggestions)', () => {
  let world: BotWorld;
  let emu: DiscordEmulator;
  const { logger, lines: logs } = captureLogs('debug');

  beforeAll(async () => {
    world = await startBotWorld({
      emulator: { members: [alice, bob, carol], interactionDeadlineMs: null },
      logger,
      bot: { rateLimit: { reactions: { limit: 10, windowSeconds: 1 } } },
    });
    ({ emu } = world);
  });
  afterAll(() => world?.stop());

  it('bounds the writes of the flood, coalesces what waits, keeps other members prompt, and ends with every rating as the latest held reaction', async () => {
    const messages = [...(await recommend(emu, carol.id, 10)), ...(await recommend(emu, carol.id, 10))];
    // Alice rates all twenty 😍, switches each to 👍, then takes five back: 65 events in a few milliseconds.
    let events = 0;
    for (const id of messages) await emu.react({ userId: alice.id, messageId: id, emoji: '😍' }).then(() => events++);
    for (const id of messages) {
      await emu.unreact({ userId: alice.id, messageId: id, emoji: '😍' });
      await emu.react({ userId: alice.id, messageId: id, emoji: '👍' });
      events += 2;
    }
    for (const id of messages.slice(0, 5)) await emu.unreact({ userId: alice.id, messageId: id, emoji: '👍' }).then(() => events++);
    expect(events).toBe(65);

    // Meanwhile Bob rates one suggestion: stored at once, not behind Alice's backlog.
    const bobAt = performance.now();
    await emu.react({ userId: bob.id, messageId: messages[19]!, emoji: '😐' });
    await expect.poll(async () => (await storedHeld(world.db.prisma, [messages[19]!])).some((k) => k.includes(bob.id)), { timeout: 5_000, interval: 20 }).toBe(true);
    expect(performance.now() - bobAt).toBeLessThan(2_000);
    // Alice is still being paced: 10 written at once, then 40 coalesced writes (20 messages x 2 emoji) at 10 a second.
    expect(applied(logs, alice)).toBeLessThan(50);

    await expect.poll(async () => (await storedHeld(world.db.prisma, messages)).filter((k) => k.includes(alice.id)).length, { timeout: 20_000, interval: 100 }).toBe(15);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expectDatabaseMatchesDiscord(emu, world.db.prisma, messages);
    // She holds 👍 on the last fifteen messages; the titles they show (suggested twice, some) are rated 4.
    const shown = await world.db.prisma.suggestion.findMany({ where: { messageId: { in: messages.slice(5) } }, select: { titleId: true } });
    const aliceRatings = await world.db.prisma.rating.findMany({ where: { user: { externalId: alice.id } }, select: { titleId: true, value: true } });
    expect(aliceRatings.map((r) => r.titleId).sort()).toEqual([...new Set(shown.map((s) => s.titleId))].sort());
    expect(new Set(aliceRatings.map((r) => r.value))).toEqual(new Set([4]));
    // Coalesced: 50 writes for her 65 events (a few more if the flood took longer than the 1 s window to send).
    expect(applied(logs, alice)).toBeGreaterThanOrEqual(50);
    expect(applied(logs, alice)).toBeLessThanOrEqual(55);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('reaction throttle past the waiting list', () => {
  let world: BotWorld;
  let emu: DiscordEmulator;
  const { logger, lines: logs } = captureLogs('info');

  beforeAll(async () => {
    world = await startBotWorld({
      emulator: { members: [alice, carol], interactionDeadlineMs: null },
      logger,
      bot: { rateLimit: { reactions: { limit: 2, windowSeconds: 1 } }, reactionWaitingPerMember: 3 },
    });
    ({ emu } = world);
  });
  afterAll(() => world?.stop());

  it('hands the overflow to reconciliation, which reads what the member holds from Discord: no rating is lost', async () => {
    const messages = await recommend(emu, carol.id, 10);
    for (const [i, id] of messages.entries()) await emu.react({ userId: alice.id, messageId: id, emoji: i % 2 ? '👎' : '😍' });
    await expect.poll(async () => (await storedHeld(world.db.prisma, messages)).length, { timeout: 20_000, interval: 100 }).toBe(10);
    await expectDatabaseMatchesDiscord(emu, world.db.prisma, messages);
    expect(logs.some((l) => l.msg === 'reconciled messages')).toBe(true);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});
