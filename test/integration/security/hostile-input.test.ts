import { ApplicationCommandOptionType } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../src/bot/bot.ts';
import { INTERNAL_ERROR_TEXT } from '../../../src/bot/listeners/interactions.ts';
import type { DiscordEmulator } from '../../support/discord-emulator/index.ts';
import type { TestDatabase } from '../../support/database.ts';
import { memberList, recommend } from '../reliability/harness.ts';
import { captureLogs, startBotWorld, type BotWorld } from './bot-world.ts';

/** Values a member could paste into any text option. */
const HOSTILE = [
  '',
  '   ',
  'x'.repeat(6000),
  'a\u0000b\u0007c\u001b[31mred\r\nnext',
  '\u202Egnp.exe\u202C \u200F\u200E\u2066rtl\u2069',
  '😀🎬🍿👍🏽🏳️‍🌈'.repeat(20),
  "'; DROP TABLE ratings; --",
  "1' OR '1'='1",
  '%_%\\',
  '**bold** __u__ ~~s~~ `code` ```block``` > quote [link](https://evil.example) ||spoiler|| # Heading',
  '@everyone @here <@300000000000000001> <@&300000000000000009> <#300000000000000010> @alice',
  '<script>alert(1)</script>{{7*7}}${7*7}',
];

const [alice, bob] = memberList(2) as [{ id: string; username: string }, { id: string; username: string }];
const OTHER_BOT = { id: '300000000000000042', username: 'otherbot', bot: true };
const CUSTOM_EMOJI = { id: '400000000000000001', name: 'thumbsup' };
let world: BotWorld;
let db: TestDatabase;
let emu: DiscordEmulator;
let bot: Bot;
const { logger, lines: logs } = captureLogs('info');

beforeAll(async () => {
  world = await startBotWorld({ emulator: { members: [alice, bob, OTHER_BOT], emojis: [CUSTOM_EMOJI], interactionDeadlineMs: null }, logger });
  ({ db, emu, bot } = world);
});

afterAll(() => world?.stop());

type Option = { name: string; type: number; required?: boolean; autocomplete?: boolean; choices?: unknown[]; options?: Option[] };

/** Valid values for the options not under test. */
function filler(option: Option): unknown {
  if (option.type === ApplicationCommandOptionType.Number) return 3;
  if (option.type === ApplicationCommandOptionType.Integer) return 1;
  if (option.type === ApplicationCommandOptionType.User) return bob.id;
  return 'Title 1';
}

/** Every REST body that creates or edits a message (interaction callbacks, webhook follow-ups/edits, channel messages). */
function messageBodies(since: number): { route: string; body: Record<string, unknown> }[] {
  return emu.requests
    .slice(since)
    .filter((r) => r.route && /callback|webhooks|\/channels\/:channel\/messages$|\/channels\/:channel\/messages\/:message$/.test(r.route) && r.method !== 'GET' && r.method !== 'DELETE')
    .map((r) => ({ route: r.route!, body: ((r.body as { data?: unknown })?.data ?? r.body) as Record<string, unknown> }))
    .filter((r) => r.body && (typeof r.body.content === 'string' || Array.isArray(r.body.embeds)));
}

describe('hostile input', () => {
  it('every text option of every command: a clear reply, no crash, nothing that can ping anyone', async () => {
    const commands = emu.commands('guild').filter((c) => c.default_member_permissions === null);
    let tried = 0;
    for (const command of commands) {
      const options = (command.options ?? []) as Option[];
      const texts = options.filter((o) => o.type === ApplicationCommandOptionType.String && !o.choices?.length);
      for (const target of texts) {
        for (const value of HOSTILE) {
          const input: Record<string, unknown> = {};
          for (const o of options) if (o.required && o !== target) input[o.name] = filler(o);
          input[target.name] = value;
          const since = emu.requests.length;
          let i;
          try {
            i = await emu.runCommand({ userId: alice.id, name: command.name, options: input as Record<string, string> });
          } catch (error) {
            // Discord's client itself refuses this value (e.g. over max_length, or empty when required).
            expect(String(error)).toMatch(/Discord emulator/);
            continue;
          }
          tried++;
          await i.settled({ timeoutMs: 15_000 });
          const where = `/${command.name} ${target.name}=${JSON.stringify(value).slice(0, 40)}`;
          const content = i.finalContent() ?? '';
          expect(content.length + i.finalEmbeds().length, `${where}: no answer`).toBeGreaterThan(0);
          expect(content, where).not.toBe(INTERNAL_ERROR_TEXT);
          for (const { route, body } of messageBodies(since)) {
            expect(body.allowed_mentions, `${where}: ${route} without allowed_mentions`).toEqual({ parse: [] });
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(30);
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });

  it('every autocomplete option answers valid choices for hostile text', async () => {
    const commands = emu.commands('guild').filter((c) => c.default_member_permissions === null);
    let tried = 0;
    for (const command of commands) {
      for (const option of ((command.options ?? []) as Option[]).filter((o) => o.autocomplete)) {
        for (const value of HOSTILE) {
          const choices = await emu.autocomplete({ userId: alice.id, name: command.name, focused: option.name, value });
          tried++;
          expect(choices.length).toBeLessThanOrEqual(25);
          for (const c of choices) {
            expect(c.name.length).toBeGreaterThan(0);
            expect(c.name.length).toBeLessThanOrEqual(100);
            expect(String(c.value).length).toBeLessThanOrEqual(100);
          }
        }
      }
    }
    expect(tried).toBeGreaterThanOrEqual(HOSTILE.length * 3);
  });

  it('reactions from bots, with custom emoji, on plain messages and on deleted suggestions are ignored cleanly', async () => {
    const messages = await recommend(emu, bob.id, 2);
    const ratingsBefore = await db.prisma.rating.count();
    await emu.react({ userId: OTHER_BOT.id, messageId: messages[0]!, emoji: '👍' });
    await emu.react({ userId: bob.id, messageId: messages[0]!, emoji: `${CUSTOM_EMOJI.name}:${CUSTOM_EMOJI.id}` });
    const plain = emu.seedMessage({ content: 'not a suggestion', authorId: bob.id });
    await emu.react({ userId: bob.id, messageId: plain.id, emoji: '😍' });
    await emu.react({ userId: bob.id, messageId: messages[1]!, emoji: '😐' });
    await expect.poll(() => db.prisma.rating.count()).toBe(ratingsBefore + 1);
    expect(await db.prisma.user.count({ where: { externalId: OTHER_BOT.id } })).toBe(0);
    expect(await db.prisma.suggestionReaction.count({ where: { messageId: messages[0]! } })).toBe(0);

    // The suggestion is deleted (by a moderator, say); reconciliation skips it and keeps the rating.
    const res = await fetch(`${emu.apiUrl}/v10/channels/${emu.channelId}/messages/${messages[1]}`, { method: 'DELETE', headers: { authorization: `Bot ${emu.token}` } });
    expect(res.status).toBe(204);
    const stats = await bot.reconciler.reconcileRecent(14);
    expect(stats.gone).toBeGreaterThanOrEqual(1);
    expect(stats.failed).toBe(0);
    expect(await db.prisma.rating.count()).toBe(ratingsBefore + 1);
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});
