import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/lib/random.ts';
import { decideFromReactions, normaliseEmoji, reactionMeaning } from '../../../src/ratings/scale.ts';
import { upsertMember } from '../../../src/members/members.ts';
import { applyReaction, rateTitle } from '../../../src/ratings/store.ts';
import { recordSuggestions } from '../../../src/suggestions/records.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

// The store writes reactions and ratings with hand-written SQL (few round trips per event); these tests hold
// that SQL to the rules as decideFromReactions and the rating store's contract state them.

let db: TestDatabase;
let titleIds: number[];

const alice = { discordId: '110000000000000001', displayName: 'alice' };
const bob = { discordId: '110000000000000002', displayName: 'bob' };
const carol = { discordId: '110000000000000003', displayName: 'carol' };
const suggestion = (messageId: string, titleId: number) => ({ messageId, channelId: '810000000000000001', guildId: null, titleId, position: 0, modelVersionId: null, reason: null });

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.title.createMany({ data: ['Heat', 'Alien', 'Up', 'Ran'].map((name, i) => ({ name, year: 1990 + i, genres: ['Drama'], searchName: name.toLowerCase() })) });
  titleIds = (await db.prisma.title.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((t) => t.id);
  // Two suggestion messages show Heat: one made for alice, one for bob; anyone's reaction on either counts for them.
  await recordSuggestions(db.prisma, alice, [suggestion('910000000000000001', titleIds[0]!), suggestion('910000000000000003', titleIds[1]!)]);
  await recordSuggestions(db.prisma, bob, [suggestion('910000000000000002', titleIds[0]!)]);
});

afterAll(async () => {
  await db.drop();
});

const userIdOf = async (discordId: string) => (await db.prisma.user.findFirstOrThrow({ where: { externalId: discordId }, select: { id: true } })).id;

/** What the member holds on every suggestion of the title, their rating of it, whether it is hidden, and their outbox rows. */
async function stateOf(userId: number, titleId: number) {
  const [held, rating, hidden, events] = await Promise.all([
    db.prisma.suggestionReaction.findMany({ where: { userId, suggestion: { titleId } }, select: { messageId: true, emoji: true, createdAt: true } }),
    db.prisma.rating.findUnique({ where: { userId_titleId: { userId, titleId } }, select: { value: true, source: true } }),
    db.prisma.hiddenTitle.count({ where: { userId, titleId } }),
    db.prisma.outboxEvent.count({ where: { payload: { equals: { userId } } } }),
  ]);
  return { held, rating, hidden: hidden > 0, events };
}

describe('applyReaction (one locking statement, one statement for the rest)', () => {
  it('follows decideFromReactions over random adds, removes, ties and /rate on two suggestions of one title', async () => {
    const random = seededRandom(5);
    const messages = ['910000000000000001', '910000000000000002'];
    const emoji = ['😍', '👍', '😐', '👎', '🙈', '1\ufe0f\u20e3', '2\u20e3', '3\ufe0f\u20e3', '4\u20e3', '5\ufe0f\u20e3', '👍🏽'];
    const titleId = titleIds[0]!;
    const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);
    let userId: number | undefined;
    let ratingChanges = 0;
    for (let step = 0; step < 160; step++) {
      if (userId !== undefined && step % 23 === 11) {
        await rateTitle(db.prisma, carol, titleId, 1 + Math.floor(random() * 9) / 2);
        ratingChanges++;
        continue;
      }
      if (userId !== undefined && step % 17 === 5) {
        // Equal timestamps in the future: the newest held reactions tie and the higher value must win.
        await db.prisma.suggestionReaction.updateMany({ where: { userId }, data: { createdAt: at(step) } });
      }
      const before = userId === undefined ? undefined : await stateOf(userId, titleId);
      const messageId = messages[Math.floor(random() * messages.length)]!;
      const heldHere = before?.held.filter((h) => h.messageId === messageId) ?? [];
      const remove = heldHere.length > 0 && random() < 0.45;
      const name = remove ? heldHere[Math.floor(random() * heldHere.length)]!.emoji : emoji[Math.floor(random() * emoji.length)]!;
      const outcome = await applyReaction(db.prisma, { messageId, member: carol, emoji: { name }, action: remove ? 'remove' : 'add' });
      userId ??= await userIdOf(carol.discordId);
      const after = await stateOf(userId, titleId);

      // The held rows are the ones from before with this event applied.
      const key = `${messageId} ${normaliseEmoji(name)}`;
      const keys = (s: { held: { messageId: string; emoji: string }[] } | undefined) => (s?.held ?? []).map((h) => `${h.messageId} ${h.emoji}`).sort();
      expect(keys(after)).toEqual(remove ? keys(before).filter((k) => k !== key) : [...new Set([...keys(before), key])].sort());
      // The rating store's rules, as the Prisma implementation before these statements applied them.
      const decision = decideFromReactions(after.held);
      const meaning = reactionMeaning(name)!;
      const ratingBefore = before?.rating ?? null;
      let expectedRating = ratingBefore;
      if (decision.rating !== undefined) expectedRating = { value: decision.rating, source: 'reaction' };
      else if (meaning.kind === 'rating' && remove && ratingBefore?.source === 'reaction') expectedRating = null;
      const changed = JSON.stringify(expectedRating) !== JSON.stringify(ratingBefore);
      expect(after.rating, `step ${step}: ${remove ? 'remove' : 'add'} ${name} on ${messageId}`).toEqual(expectedRating);
      expect(after.hidden).toBe(meaning.kind === 'hide' ? decision.hidden : (before?.hidden ?? false));
      expect(outcome).toEqual({
        kind: 'applied',
        titleId,
        userId,
        rating: decision.rating ?? (changed ? undefined : ratingBefore?.value),
        hidden: decision.hidden,
        ratingChanged: changed,
      });
      if (changed) ratingChanges++;
      // A rating change and its outbox row commit together; no change, no row.
      expect(after.events).toBe(ratingChanges);
    }
  });

  it('concurrent reactions of one member on one title (two suggestions) settle as if one after another', async () => {
    const grace = { discordId: '110000000000000008', displayName: 'grace' };
    await rateTitle(db.prisma, grace, titleIds[3]!, 3);
    const userId = await userIdOf(grace.discordId);
    await recordSuggestions(db.prisma, alice, [suggestion('910000000000000004', titleIds[3]!), suggestion('910000000000000005', titleIds[3]!)]);
    for (let round = 0; round < 5; round++) {
      const events = await db.prisma.outboxEvent.count({ where: { payload: { equals: { userId } } } });
      const outcomes = await Promise.all(
        ['😍', '👍', '😐', '👎', '1⃣', '2⃣', '🙈', '4⃣'].map((name, i) =>
          applyReaction(db.prisma, { messageId: `91000000000000000${4 + (i % 2)}`, member: grace, emoji: { name }, action: (round + i) % 3 === 0 ? 'remove' : 'add' }),
        ),
      );
      const after = await stateOf(userId, titleIds[3]!);
      const decision = decideFromReactions(after.held);
      if (decision.rating !== undefined) expect(after.rating).toEqual({ value: decision.rating, source: 'reaction' });
      expect(after.events - events).toBe(outcomes.filter((o) => o.kind === 'applied' && o.ratingChanged).length);
    }
  });

  it('a reaction on a message that is not a suggestion writes nothing, not even the member row', async () => {
    const dave = { discordId: '110000000000000004', displayName: 'dave' };
    expect(await applyReaction(db.prisma, { messageId: '919999999999999999', member: dave, emoji: { name: '👍' }, action: 'add' })).toEqual({ kind: 'ignored', reason: 'not-a-suggestion' });
    expect(await db.prisma.user.count({ where: { externalId: dave.discordId } })).toBe(0);
  });

  it('concurrent reactions of many members all land: every rating stored with its own outbox row', async () => {
    const members = Array.from({ length: 12 }, (_, i) => ({ discordId: String(120000000000000000n + BigInt(i)), displayName: `m${i}` }));
    const outboxBefore = await db.prisma.outboxEvent.count();
    const scale = ['😍', '👍', '😐', '👎'];
    // Each member reacts on two titles at once and twice on one suggestion: the second add decides.
    const outcomes = await Promise.all(
      members.flatMap((member, i) => [
        applyReaction(db.prisma, { messageId: '910000000000000003', member, emoji: { name: scale[i % 4]! }, action: 'add' }),
        applyReaction(db.prisma, { messageId: '910000000000000002', member, emoji: { name: '😍' }, action: 'add' })
          .then(() => new Promise((resolve) => setTimeout(resolve, 5)))
          .then(() => applyReaction(db.prisma, { messageId: '910000000000000002', member, emoji: { name: '👎' }, action: 'add' })),
      ]),
    );
    expect(outcomes.every((o) => o.kind === 'applied' && o.ratingChanged)).toBe(true);
    for (const [i, member] of members.entries()) {
      const userId = await userIdOf(member.discordId);
      const ratings = await db.prisma.rating.findMany({ where: { userId }, select: { titleId: true, value: true }, orderBy: { titleId: 'asc' } });
      expect(ratings).toEqual([
        { titleId: titleIds[0]!, value: 1 },
        { titleId: titleIds[1]!, value: [5, 4, 3, 1][i % 4] },
      ]);
    }
    expect(await db.prisma.outboxEvent.count()).toBe(outboxBefore + members.length * 3);
  });
});

describe('rateTitle and upsertMember (one statement each)', () => {
  it('creates the member, reports the previous value, clears "not interested" and writes one outbox row per call', async () => {
    const erin = { discordId: '110000000000000005', displayName: 'erin' };
    const first = await rateTitle(db.prisma, erin, titleIds[2]!, 4.5);
    expect(first).toMatchObject({ titleId: titleIds[2], value: 4.5, previous: undefined });
    expect(await db.prisma.user.findUnique({ where: { id: first.userId }, select: { displayName: true, source: true } })).toEqual({ displayName: 'erin', source: 'discord' });
    await db.prisma.hiddenTitle.create({ data: { userId: first.userId, titleId: titleIds[2]! } });
    const second = await rateTitle(db.prisma, { discordId: erin.discordId }, titleIds[2]!, 2);
    expect(second).toEqual({ userId: first.userId, titleId: titleIds[2], value: 2, previous: 4.5 });
    expect(await stateOf(first.userId, titleIds[2]!)).toMatchObject({ rating: { value: 2, source: 'command' }, hidden: false, events: 2 });
    const rated = await db.prisma.rating.findUniqueOrThrow({ where: { userId_titleId: { userId: first.userId, titleId: titleIds[2]! } } });
    expect(Math.abs(rated.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('is atomic: a rating that cannot be stored leaves neither a member row nor an outbox row', async () => {
    const frank = { discordId: '110000000000000006', displayName: 'frank' };
    const events = await db.prisma.outboxEvent.count();
    await expect(rateTitle(db.prisma, frank, 2_000_000_000, 4)).rejects.toThrow();
    expect(await db.prisma.user.count({ where: { externalId: frank.discordId } })).toBe(0);
    expect(await db.prisma.outboxEvent.count()).toBe(events);
  });

  it('upsertMember keeps one row per member, refreshing the display name only when one is given', async () => {
    const id = await upsertMember(db.prisma, { discordId: '110000000000000007', displayName: 'gus' });
    expect(await upsertMember(db.prisma, { discordId: '110000000000000007' })).toBe(id);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id } })).displayName).toBe('gus');
    expect(await upsertMember(db.prisma, { discordId: '110000000000000007', displayName: 'gus2' })).toBe(id);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id } })).displayName).toBe('gus2');
  });
});
