import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../src/db/client.ts';
import { recommend } from '../reliability/harness.ts';
import { startBotWorld, type BotWorld } from './bot-world.ts';

// Distinctive name and id, so a scan of every table's text finds any trace of her.
const alice = { id: '310000000000000777', username: 'alice_leaves_qz' };
const bob = { id: '310000000000000002', username: 'bob' };
const carol = { id: '310000000000000003', username: 'carol' };
let world: BotWorld;

beforeAll(async () => {
  world = await startBotWorld({ emulator: { members: [alice, bob, carol] } });
});

afterAll(async () => {
  await world?.stop();
});

const titles = new Map<string, number>();

/** The title a suggestion message shows (remembered, so it is known even if the row went). */
async function titleOf(messageId: string): Promise<number> {
  if (!titles.has(messageId)) titles.set(messageId, (await world.db.prisma.suggestion.findUniqueOrThrow({ where: { messageId }, select: { titleId: true } })).titleId);
  return titles.get(messageId)!;
}

/** The member's rating of the title a suggestion message shows, or null. */
async function ratingOn(discordId: string, messageId: string): Promise<number | null> {
  const row = await world.db.prisma.rating.findFirst({ where: { titleId: await titleOf(messageId), user: { source: 'discord', externalId: discordId } }, select: { value: true } });
  return row?.value ?? null;
}

/**
 * Every row of every table of the database (as information_schema lists them) that names the member: their
 * Discord id or name anywhere in the row's text, their user id in any integer column about a user, or as
 * "userId" in any JSON column. `table: count` for each table with such rows.
 */
async function tracesOf(prisma: PrismaClient, member: { id: string; username: string }, userId: number): Promise<Record<string, number>> {
  const tables = await prisma.$queryRaw<{ table: string }[]>`
    SELECT table_name AS "table" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const columns = await prisma.$queryRaw<{ table: string; column: string; type: string }[]>`
    SELECT table_name AS "table", column_name AS "column", data_type AS "type" FROM information_schema.columns WHERE table_schema = 'public'`;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const found: Record<string, number> = {};
  const id = String(Number.parseInt(String(userId), 10));
  for (const { table } of tables) {
    const own = columns.filter((c) => c.table === table);
    const conditions = ['position($1 in r::text) > 0', 'position($2 in r::text) > 0'];
    for (const c of own) {
      if (c.type === 'integer' && (/(^|_)user_id$/.test(c.column) || (table === 'users' && c.column === 'id'))) conditions.push(`r.${quote(c.column)} = ${id}`);
      if (c.type === 'jsonb' || c.type === 'json') conditions.push(`r.${quote(c.column)}::text ~ '"userId": *${id}([^0-9]|$)'`);
    }
    const [row] = await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${quote(table)} r WHERE ${conditions.join(' OR ')}`, member.id, member.username);
    if (row!.n > 0n) found[table] = Number(row!.n);
  }
  return found;
}

async function forgetMe(discordId: string): Promise<string> {
  const ask = await world.emu.runCommand({ userId: discordId, name: 'forget-me' });
  await ask.settled();
  const confirm = await world.emu.clickButton({ userId: discordId, messageId: ask.original()!.id, customId: `forget-me:confirm:${discordId}` });
  const content = () => confirm.finalContent() ?? world.emu.message(ask.original()!.id)?.content ?? '';
  await world.emu.waitFor(() => /Deleted \d+ rating/.test(content()), { timeoutMs: 15_000 });
  return content();
}

describe('/forget-me leaves other members’ data alone, and the forgotten member stays forgotten', () => {
  it('bob’s reactions on a suggestion shown to alice keep deciding his rating after she is forgotten, across a restart', async () => {
    const [shownToAlice, hiddenByAlice] = (await recommend(world.emu, alice.id, 2)) as [string, string];
    await world.emu.react({ userId: bob.id, messageId: shownToAlice, emoji: '👍' });
    await expect.poll(() => ratingOn(bob.id, shownToAlice)).toBe(4);
    // A suggestion of bob's showing a title neither of alice's shows.
    const aliceTitles = [await titleOf(shownToAlice), await titleOf(hiddenByAlice)];
    let shownToBob = '';
    for (const id of await recommend(world.emu, bob.id, 3)) if (!shownToBob && !aliceTitles.includes(await titleOf(id))) shownToBob = id;
    expect(shownToBob).not.toBe('');
    await world.emu.react({ userId: alice.id, messageId: shownToAlice, emoji: '😍' });
    await world.emu.react({ userId: alice.id, messageId: hiddenByAlice, emoji: '🙈' });
    await world.emu.react({ userId: alice.id, messageId: shownToBob, emoji: '👎' });
    await expect.poll(() => ratingOn(alice.id, shownToAlice)).toBe(5);
    await expect.poll(() => ratingOn(alice.id, shownToBob)).toBe(1);
    const aliceId = (await world.db.prisma.user.findFirstOrThrow({ where: { externalId: alice.id } })).id;
    await expect.poll(() => world.db.prisma.hiddenTitle.count({ where: { userId: aliceId } })).toBe(1);
    const version = await world.db.prisma.modelVersion.create({ data: { architecture: 'test', backend: 'cpu', dimension: 2 } });
    await world.db.prisma.userVector.create({ data: { userId: aliceId, versionId: version.id, dimension: 2, vector: Buffer.from(new Float32Array([1, 0]).buffer), ratingsCount: 2 } });
    expect(Object.keys(await tracesOf(world.db.prisma, alice, aliceId)).sort()).toEqual(
      expect.arrayContaining(['hidden_titles', 'outbox_events', 'ratings', 'suggestion_reactions', 'suggestions', 'user_vectors', 'users']),
    );

    expect(await forgetMe(alice.id)).toMatch(/Deleted 2 rating\(s\), 1 hidden title\(s\), 1 taste vector\(s\), 3 reaction record\(s\), and unlinked 2 suggestion/);
    expect(await tracesOf(world.db.prisma, alice, aliceId)).toEqual({});

    await world.emu.unreact({ userId: bob.id, messageId: shownToAlice, emoji: '👍' });
    await expect.poll(() => ratingOn(bob.id, shownToAlice)).toBeNull();
    await world.emu.react({ userId: bob.id, messageId: shownToAlice, emoji: '😍' });
    await expect.poll(() => ratingOn(bob.id, shownToAlice)).toBe(5);

    // The messages shown to her are still suggestions (nobody's), which is why bob's reactions still count.
    const kept = await world.db.prisma.suggestion.findMany({ where: { messageId: { in: [shownToAlice, hiddenByAlice] } }, select: { userId: true, reason: true } });
    expect(kept).toEqual([
      { userId: null, reason: null },
      { userId: null, reason: null },
    ]);

    // Restart: while the bot is away carol reacts on the same message; alice's old reactions are still in Discord.
    const bot = await world.restartBot(() => world.emu.react({ userId: carol.id, messageId: shownToAlice, emoji: '😐' }));
    // The run started at READY may have done the work already; this one waits for it and finds nothing left.
    expect(await bot.reconciler.schedule(14)).toMatchObject({ failed: 0 });
    expect(await ratingOn(bob.id, shownToAlice)).toBe(5);
    expect(await ratingOn(carol.id, shownToAlice)).toBe(3);
    expect(await tracesOf(world.db.prisma, alice, aliceId)).toEqual({});
    // Taking an old reaction back is not coming back either.
    await world.emu.unreact({ userId: alice.id, messageId: hiddenByAlice, emoji: '🙈' });
    await bot.reconciler.schedule(14);
    expect(await world.db.prisma.user.count({ where: { externalId: alice.id } })).toBe(0);

    // What she does afterwards counts as usual: a new reaction, then a restart that reconciles it.
    await world.emu.react({ userId: alice.id, messageId: hiddenByAlice, emoji: '👍' });
    await expect.poll(() => ratingOn(alice.id, hiddenByAlice)).toBe(4);
    expect(await ratingOn(alice.id, shownToAlice)).toBeNull();
    expect(await ratingOn(alice.id, shownToBob)).toBeNull();
    await (await world.restartBot()).reconciler.schedule(14);
    expect(await ratingOn(alice.id, hiddenByAlice)).toBe(4);
    expect(await ratingOn(alice.id, shownToAlice)).toBeNull();
    expect(await ratingOn(bob.id, shownToAlice)).toBe(5);
  });
});
