import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { catalogTitleSearch, servingRecommender } from '../../../src/bot/adapters.ts';
import { createBot, type Bot } from '../../../src/bot/bot.ts';
import { commandDefinitions } from '../../../src/bot/commands/index.ts';
import { createLogger } from '../../../src/log.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { SUGGESTION_REACTIONS } from '../../../src/ratings/scale.ts';
import { createServingModel, type ServingModel } from '../../../src/serving/serving-model.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedWorldWithModel } from './fixtures.ts';
import { TEST_SETTINGS } from '../../support/settings.ts';

const REDIS_URL = TEST_SETTINGS.redisUrl;
const ALICE = '200000000000000001';
const BOB = '200000000000000002';
const ADMIN = '200000000000000003';

let db: TestDatabase;
let emu: DiscordEmulator;
let queues: Queues;
let bot: Bot;
let world: Awaited<ReturnType<typeof seedWorldWithModel>>;
const prefix = `tbtest-bot-${randomBytes(4).toString('hex')}`;
const logger = createLogger({ logLevel: 'silent' });

let serving: ServingModel;

/** A bot over the hot-swapping serving model (loaded once in beforeAll; these tests promote nothing later). */
function newBot(): Bot {
  return createBot({
    config: {
      discord: { token: emu.token, applicationId: emu.applicationId, guildId: emu.guildId, apiUrl: emu.apiUrl },
      rateLimit: { commands: 1000, windowSeconds: 60 },
    },
    prisma: db.prisma,
    queues,
    logger,
    search: catalogTitleSearch(db.prisma),
    recommender: servingRecommender(db.prisma, serving),
    outboxIntervalMs: 500,
  });
}

const ratingOf = (discordId: string, titleId: number) => db.prisma.rating.findFirst({ where: { titleId, user: { source: 'discord', externalId: discordId } }, select: { value: true } });

async function recommend(userId: string, count = 3, options: Record<string, string | number> = {}) {
  const i = await emu.runCommand({ userId, name: 'recommend', options: { count, ...options } });
  await emu.waitFor(() => i.followUps().length === count, { timeoutMs: 20_000, message: `expected ${count} suggestion messages` });
  const messages = i.followUps();
  await emu.waitFor(() => messages.every((m) => emu.message(m.id)!.reactions.length === SUGGESTION_REACTIONS.length), { timeoutMs: 20_000 });
  const rows = await db.prisma.suggestion.findMany({ where: { messageId: { in: messages.map((m) => m.id) } } });
  return { i, messages: messages.map((m) => emu.message(m.id)!), titleOf: new Map(rows.map((r) => [r.messageId, r.titleId])) };
}

/**
 * Re-registers the guild commands with `change` applied, as a server admin could loosen them in the
 * integration settings; Discord (and the emulator) then deliver what the registered definition allows,
 * so the bot's own checks are what is tested.
 */
async function registerLoosened(change: (c: RESTPostAPIChatInputApplicationCommandsJSONBody) => void): Promise<void> {
  const body = commandDefinitions().map((c) => {
    const copy = structuredClone(c);
    change(copy);
    return copy;
  });
  const res = await fetch(`${emu.apiUrl}/v10/applications/${emu.applicationId}/guilds/${emu.guildId}/commands`, {
    method: 'PUT',
    headers: { authorization: `Bot ${emu.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  db = await createTestDatabase();
  world = await seedWorldWithModel(db.prisma);
  emu = await startDiscordEmulator({
    members: [
      { id: ALICE, username: 'alice' },
      { id: BOB, username: 'bob' },
      { id: ADMIN, username: 'boss', permissions: 'ManageGuild' },
    ],
  });
  queues = createQueues(REDIS_URL, prefix);
  serving = createServingModel({ prisma: db.prisma, deserialize: deserializeModel, logger, pollIntervalMs: 0 });
  await serving.start();
  bot = newBot();
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await serving?.stop();
  await emu?.close();
  for (const q of [queues.userEmbedding, queues.retrain, queues.reindex]) await q.obliterate({ force: true });
  await queues?.close();
  await db?.drop();
});

describe('the bot against the Discord emulator', () => {
  it('registers its guild commands at start, /admin only for Manage Server by default', () => {
    const names = emu
      .commands('guild')
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(['admin', 'forget-me', 'help', 'movienight', 'onboard', 'privacy', 'profile', 'rate', 'recommend', 'search', 'similar']);
    expect(emu.commands('guild').find((c) => c.name === 'admin')?.default_member_permissions).toBe('32');
  });

  it('/search autocompletes titles and shows a rateable result with the caller’s rating', async () => {
    const choices = await emu.autocomplete({ userId: ALICE, name: 'search', focused: 'query', value: 'hea' });
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices[0]).toEqual({ name: 'Heat (1990)', value: String(world.byName.get('Heat')) });
    const i = await emu.runCommand({ userId: ALICE, name: 'search', options: { query: String(world.byName.get('Heat')) } });
    await i.settled();
    const embed = i.finalEmbeds()[0]!;
    expect(embed.title).toBe('Heat (1990)');
    expect(JSON.stringify(embed.fields)).toMatch(/Action.*not rated/);
    const message = i.original()!;
    await emu.waitFor(() => emu.message(message.id)!.reactions.length === 5);
    await emu.react({ userId: ALICE, messageId: message.id, emoji: '😐' });
    await expect.poll(() => ratingOf(ALICE, world.byName.get('Heat')!)).toEqual({ value: 3 });
  });

  it('/recommend posts N messages, each with the five reactions in order, and records them', async () => {
    const { i, messages, titleOf } = await recommend(BOB, 4);
    expect(i.finalContent()).toMatch(/Popular picks.*\/onboard/);
    expect(messages).toHaveLength(4);
    for (const m of messages) {
      expect(m.reactions.map((r) => r.emoji)).toEqual([...SUGGESTION_REACTIONS]);
      expect(m.reactions.every((r) => r.userIds.includes(emu.botUserId))).toBe(true);
      expect(m.embeds[0]?.description).toMatch(/popular/);
      expect(titleOf.has(m.id)).toBe(true);
    }
    expect(new Set(titleOf.values()).size).toBe(4);
  });

  it('👍 rates 4 and queues a user-embedding job; 😍 replaces it with 5; removing it falls back, removing all deletes', async () => {
    const { messages, titleOf } = await recommend(BOB, 1);
    const message = messages[0]!;
    const titleId = titleOf.get(message.id)!;
    await emu.react({ userId: BOB, messageId: message.id, emoji: '👍' });
    await expect.poll(() => ratingOf(BOB, titleId)).toEqual({ value: 4 });
    const bobId = (await db.prisma.user.findFirstOrThrow({ where: { externalId: BOB } })).id;
    await expect.poll(async () => (await queues.userEmbedding.getJobs(['waiting', 'delayed'])).map((j) => j.data.userId)).toContain(bobId);
    await emu.react({ userId: BOB, messageId: message.id, emoji: '😍' });
    await expect.poll(() => ratingOf(BOB, titleId)).toEqual({ value: 5 });
    await emu.unreact({ userId: BOB, messageId: message.id, emoji: '😍' });
    await expect.poll(() => ratingOf(BOB, titleId)).toEqual({ value: 4 });
    await emu.unreact({ userId: BOB, messageId: message.id, emoji: '👍' });
    await expect.poll(() => ratingOf(BOB, titleId)).toBeNull();
  });

  it('after a restart, a reaction on an old suggestion still counts', async () => {
    const { messages, titleOf } = await recommend(ALICE, 1);
    await bot.stop();
    bot = newBot();
    await bot.start();
    await emu.react({ userId: ALICE, messageId: messages[0]!.id, emoji: '4\ufe0f\u20e3' });
    await expect.poll(() => ratingOf(ALICE, titleOf.get(messages[0]!.id)!)).toEqual({ value: 4 });
  });

  it('/recommend never suggests a rated or hidden title', async () => {
    const first = await recommend(ALICE, 3);
    const [rated, hidden] = first.messages;
    await emu.react({ userId: ALICE, messageId: rated!.id, emoji: '😍' });
    await emu.react({ userId: ALICE, messageId: hidden!.id, emoji: '🙈' });
    const hiddenTitle = first.titleOf.get(hidden!.id)!;
    await expect.poll(() => db.prisma.hiddenTitle.count({ where: { titleId: hiddenTitle, user: { externalId: ALICE } } })).toBe(1);
    const excluded = new Set((await db.prisma.rating.findMany({ where: { user: { externalId: ALICE } } })).map((r) => r.titleId));
    excluded.add(hiddenTitle);
    const second = await recommend(ALICE, 10);
    for (const titleId of second.titleOf.values()) expect(excluded.has(titleId)).toBe(false);
    expect(second.i.finalContent()).toMatch(/Suggestions for alice/);
  });

  it('/rate sets a rating; unknown titles, bad scores, empty and 1,000-character titles get clear ephemeral errors', async () => {
    const heat = world.byName.get('Heat')!;
    let i = await emu.runCommand({ userId: BOB, name: 'rate', options: { title: 'heat', score: 4.5 } });
    await i.settled();
    expect(i.finalContent()).toBe('Rated **Heat (1990)** 4.5★.');
    expect(await ratingOf(BOB, heat)).toEqual({ value: 4.5 });

    i = await emu.runCommand({ userId: BOB, name: 'rate', options: { title: 'Comedy Stroy', score: 3 } });
    await i.settled();
    expect(i.finalContent()).toMatch(/No title matches "Comedy Stroy" exactly\. Closest matches: Comedy Story/);
    expect(i.original()?.ephemeral).toBe(true);

    for (const title of ['   ', 'x'.repeat(1000)]) {
      i = await emu.runCommand({ userId: BOB, name: 'rate', options: { title, score: 3 } });
      await i.settled();
      expect(i.finalContent()).toMatch(title.trim() ? /That title is 1000 characters long; titles are at most 200/ : /The title is empty/);
      expect(i.original()?.ephemeral).toBe(true);
    }
  });

  it('count 0 and 99 are refused with the range; an unknown emoji and a reaction on a plain message change nothing', async () => {
    // Discord's client refuses values outside the registered range...
    await expect(emu.runCommand({ userId: BOB, name: 'recommend', options: { count: 0 } })).rejects.toThrow(/count/);
    // ...and the bot checks again itself, for clients that do not.
    await registerLoosened((c) => {
      for (const o of c.options ?? []) if (o.name === 'count') Object.assign(o, { min_value: undefined, max_value: undefined });
    });
    for (const count of [0, 99]) {
      const i = await emu.runCommand({ userId: BOB, name: 'recommend', options: { count } });
      await i.settled();
      expect(i.finalContent()).toBe(`The count must be a whole number from 1 to 10; got ${count}.`);
      expect(i.original()?.ephemeral).toBe(true);
    }
    await registerLoosened(() => {});
    const before = await db.prisma.rating.count();
    const { messages } = await recommend(BOB, 1);
    await emu.react({ userId: BOB, messageId: messages[0]!.id, emoji: '🍕' });
    const plain = emu.seedMessage({ content: 'hello' });
    await emu.react({ userId: BOB, messageId: plain.id, emoji: '👍' });
    const help = await emu.runCommand({ userId: BOB, name: 'help' });
    await help.settled();
    expect(help.finalContent()).toMatch(/😍 5/);
    expect(await db.prisma.rating.count()).toBe(before);
  });

  it('/admin retrain is refused without Manage Server and queues a job for an admin', async () => {
    // Hidden from members without Manage Server by default_member_permissions...
    await expect(emu.runCommand({ userId: BOB, name: 'admin', subcommand: 'retrain' })).rejects.toThrow(/default_member_permissions/);
    // ...and refused by the bot itself when a server opens the command up to everyone.
    await registerLoosened((c) => {
      if (c.name === 'admin') c.default_member_permissions = null;
    });
    const refused = await emu.runCommand({ userId: BOB, name: 'admin', subcommand: 'retrain' });
    await refused.settled();
    expect(refused.finalContent()).toBe('Only members with the Manage Server permission can use `/admin`.');
    expect(refused.original()?.ephemeral).toBe(true);
    expect(await queues.retrain.count()).toBe(0);
    await registerLoosened(() => {});

    const queued = await emu.runCommand({ userId: ADMIN, name: 'admin', subcommand: 'retrain' });
    await queued.settled();
    const jobs = await queues.retrain.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data).toEqual({ requestedBy: ADMIN });
    expect(queued.finalContent()).toBe(`Queued the retrain job (job id ${jobs[0]!.id}). This message will show its progress.`);

    const status = await emu.runCommand({ userId: ADMIN, name: 'admin', subcommand: 'status' });
    await status.settled();
    expect(status.finalContent()).toMatch(new RegExp(`Active model:\\*\\* version ${world.versionId}`));
    // The details are embed fields a person reads, not JSON.
    const fields = new Map(status.finalEmbeds()[0]!.fields!.map((f) => [f.name, f.value]));
    expect([...fields.keys()]).toEqual(['Active model', 'Quality', 'Training', 'Replaced', 'Queues', 'Recent jobs']);
    for (const value of fields.values()) expect(value).not.toMatch(/[{}]/);
    expect(fields.get('Active model')).toMatch(new RegExp(`^Version ${world.versionId} `));
    expect(fields.get('Queues')).toMatch(/\*\*retrain\*\*: 1 waiting/);
  });

  it('/profile shows counts and recent ratings; /forget-me asks, then deletes the member’s rows', async () => {
    const profile = await emu.runCommand({ userId: ALICE, name: 'profile' });
    await profile.settled();
    expect(JSON.stringify(profile.finalEmbeds())).toMatch(/Recent ratings/);

    const ask = await emu.runCommand({ userId: ALICE, name: 'forget-me' });
    await ask.settled();
    const prompt = ask.original()!;
    const customId = `forget-me:confirm:${ALICE}`;
    expect(JSON.stringify(prompt.components)).toContain(customId);
    const stranger = await emu.clickButton({ userId: BOB, messageId: prompt.id, customId });
    await stranger.settled();
    expect(await db.prisma.user.count({ where: { externalId: ALICE } })).toBe(1);

    const confirm = await emu.clickButton({ userId: ALICE, messageId: prompt.id, customId });
    // deferUpdate is the first answer; the edit follows once the deletion commits, which a busy machine may delay.
    const content = () => confirm.finalContent() ?? emu.message(prompt.id)?.content ?? '';
    await emu.waitFor(() => /Deleted \d+ rating/.test(content()), { timeoutMs: 15_000 }).catch(() => undefined);
    expect(content()).toMatch(/Deleted \d+ rating/);
    expect(await db.prisma.user.count({ where: { externalId: ALICE } })).toBe(0);
    expect(await db.prisma.suggestion.count({ where: { user: { externalId: ALICE } } })).toBe(0);
  });
});
