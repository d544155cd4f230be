import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../jobs/retrain.ts';
import type { Bot } from '../../../src/bot/bot.ts';
import { parseUserRef, UserRefError } from '../../../src/privacy/export.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { BIN, inProcessBot, memberList, reactionBurst, recommend, ROOT, seedTitles } from '../reliability/harness.ts';
import { TEST_SETTINGS } from '../../support/settings.ts';

const run = promisify(execFile);
const [alice, bob] = memberList(2) as [{ id: string; username: string }, { id: string; username: string }];
let db: TestDatabase;
let emu: DiscordEmulator;
let queues: Queues;
let bot: Bot;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedTitles(db.prisma);
  emu = await startDiscordEmulator({ members: [alice, bob] });
  queues = createQueues(TEST_SETTINGS.redisUrl, `tbsec-${randomBytes(3).toString('hex')}`);
  bot = inProcessBot({ emu, prisma: db.prisma, queues });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await emu?.close();
  for (const q of [queues.userEmbedding, queues.retrain, queues.reindex]) await q.obliterate({ force: true }).catch(() => {});
  await queues?.close();
  await db?.drop();
});

async function profileOf(viewer: string, target: string) {
  const i = await emu.runCommand({ userId: viewer, name: 'profile', options: { user: target } });
  await i.settled();
  return { text: JSON.stringify({ content: i.finalContent(), embeds: i.finalEmbeds() }), ephemeral: i.original()?.ephemeral };
}

async function privacy(userId: string, setting: 'public' | 'private') {
  const i = await emu.runCommand({ userId, name: 'privacy', subcommand: setting });
  await i.settled();
  return i;
}

/** Every row in every table that refers to the database user `userId`. */
async function rowsAbout(userId: number): Promise<Record<string, number>> {
  const p = db.prisma;
  return {
    users: await p.user.count({ where: { id: userId } }),
    ratings: await p.rating.count({ where: { userId } }),
    hidden: await p.hiddenTitle.count({ where: { userId } }),
    suggestions: await p.suggestion.count({ where: { userId } }),
    reactions: await p.suggestionReaction.count({ where: { userId } }),
    vectors: await p.userVector.count({ where: { userId } }),
    outbox: Number((await p.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM outbox_events WHERE payload->>'userId' = ${String(userId)}`)[0]!.n),
  };
}

describe('privacy', () => {
  it('/profile of another member is private by default, public after /privacy public, private again after /privacy private', async () => {
    const messages = await recommend(emu, bob.id, 2);
    await emu.react({ userId: bob.id, messageId: messages[0]!, emoji: '😍' });
    await expect.poll(() => db.prisma.rating.count({ where: { user: { externalId: bob.id } } })).toBe(1);

    let seen = await profileOf(alice.id, bob.id);
    expect(seen.text).toContain('profile is private');
    expect(seen.text).not.toContain('Recent ratings');

    const made = await privacy(bob.id, 'public');
    expect(made.finalContent()).toMatch(/now public/);
    expect(made.original()?.ephemeral).toBe(true);
    seen = await profileOf(alice.id, bob.id);
    expect(seen.text).toContain('Recent ratings');
    expect(seen.text).toContain('Title');

    await privacy(bob.id, 'private');
    seen = await profileOf(alice.id, bob.id);
    expect(seen.text).toContain('profile is private');
    // The member always sees their own.
    expect((await profileOf(bob.id, bob.id)).text).toContain('Recent ratings');
  });

  it("export prints a member's data as JSON; /forget-me removes every row about them and their ratings leave the training dataset", async () => {
    const messages = await recommend(emu, alice.id, 3);
    await reactionBurst(emu, [alice.id], messages, 6, 5);
    await emu.react({ userId: alice.id, messageId: messages[2]!, emoji: '🙈' });
    const user = await db.prisma.user.findFirstOrThrow({ where: { externalId: alice.id } });
    await expect.poll(() => db.prisma.hiddenTitle.count({ where: { userId: user.id } })).toBe(1);
    const version = await db.prisma.modelVersion.create({ data: { architecture: 'test', backend: 'cpu', dimension: 2 } });
    await db.prisma.userVector.create({ data: { userId: user.id, versionId: version.id, dimension: 2, vector: Buffer.from(new Float32Array([0.5, -1]).buffer), ratingsCount: 1 } });
    await db.prisma.rating.create({ data: { userId: user.id, titleId: (await db.prisma.title.findFirstOrThrow({ where: { name: 'Title 40' } })).id, value: 2, source: 'command' } });
    await db.prisma.outboxEvent.create({ data: { kind: 'user-embedding', payload: { userId: user.id } } });

    const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, [BIN, 'export', 'user', `discord:${alice.id}`], { env, cwd: ROOT });
    const exported = JSON.parse(stdout);
    expect(exported.user).toMatchObject({ id: user.id, externalId: alice.id, profilePublic: false });
    expect(exported.ratings.length).toBe(await db.prisma.rating.count({ where: { userId: user.id } }));
    expect(exported.hiddenTitles).toHaveLength(1);
    expect(exported.suggestions).toHaveLength(3);
    expect(exported.vector.values).toEqual([0.5, -1]);
    const byId = JSON.parse((await run(process.execPath, [BIN, 'export', 'user', String(user.id)], { env, cwd: ROOT })).stdout);
    expect(byId.user.externalId).toBe(alice.id);

    const before = await loadDataset(db.prisma, db.url);
    expect(before.ratings.userIds.includes(user.id)).toBe(true);
    expect(Object.values(await rowsAbout(user.id)).every((n) => n > 0)).toBe(true);

    const ask = await emu.runCommand({ userId: alice.id, name: 'forget-me' });
    await ask.settled();
    const confirm = await emu.clickButton({ userId: alice.id, messageId: ask.original()!.id, customId: `forget-me:confirm:${alice.id}` });
    await confirm.settled();
    // deferUpdate is the first answer; the edit follows once the deletion commits, which a busy machine may delay.
    const content = () => confirm.finalContent() ?? emu.message(ask.original()!.id)?.content ?? '';
    await emu.waitFor(() => /Deleted \d+ rating/.test(content()), { timeoutMs: 15_000 }).catch(() => undefined);
    expect(content()).toMatch(/Deleted \d+ rating/);

    expect(await rowsAbout(user.id)).toEqual({ users: 0, ratings: 0, hidden: 0, suggestions: 0, reactions: 0, vectors: 0, outbox: 0 });
    const after = await loadDataset(db.prisma, db.url);
    expect(after.ratings.userIds.includes(user.id)).toBe(false);
    // Other members' ratings stay in the dataset.
    expect(after.ratings.length).toBe(before.ratings.userIds.filter((u) => u !== user.id).length);
    expect(after.ratings.length).toBeGreaterThan(0);

    const gone = await run(process.execPath, [BIN, 'export', 'user', `discord:${alice.id}`], { env, cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect((gone as { code: number }).code).toBe(1);
    expect((gone as { stderr: string }).stderr.trim()).toBe(`tastebud: No user discord:${alice.id}: nothing is stored about them.`);
  });

  it('export refuses malformed references with the accepted forms', () => {
    for (const bad of ['', 'abc', 'discord:12', '0', '99999999999', 'discord:123456789012345678x']) {
      expect(() => parseUserRef(bad)).toThrow(UserRefError);
    }
    expect(parseUserRef('discord:123456789012345678')).toEqual({ kind: 'discord', snowflake: '123456789012345678' });
  });
});
