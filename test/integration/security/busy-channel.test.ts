import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUGGESTION_REACTIONS } from '../../../src/ratings/scale.ts';
import { BUSY_CHANNEL_NOTE } from '../../../src/bot/suggest.ts';
import type { DiscordEmulator, InteractionHandle } from '../../support/discord-emulator/index.ts';
import { memberList } from '../reliability/harness.ts';
import { captureLogs, startBotWorld, type BotWorld } from './bot-world.ts';

type Member = { id: string; username: string };
const members = memberList(4) as Member[];
const SIDE = '300000000000000970';
// Discord's per-channel reaction pace (one add per 250 ms), sped up; discord.js waits 50 ms more each time.
const INTERVAL_MS = 20;

let world: BotWorld;
let emu: DiscordEmulator;
const { logger, lines: logs } = captureLogs();

beforeAll(async () => {
  world = await startBotWorld({
    emulator: { members, channels: [{ name: 'general' }, { id: SIDE, name: 'side' }], interactionDeadlineMs: null, enforceReactionRateLimit: { intervalMs: INTERVAL_MS } },
    logger,
  });
  ({ emu } = world);
});

afterAll(() => world?.stop());

const botScale = (i: InteractionHandle) => i.followUps().map((m) => emu.message(m.id)!.reactions.filter((r) => r.userIds.includes(emu.botUserId)).length);
const fullyScaled = (i: InteractionHandle, count: number) => i.followUps().length === count && botScale(i).every((n) => n === SUGGESTION_REACTIONS.length);

describe('a channel flooded with /recommend', () => {
  it('past 100 scale reactions waiting there, new suggestions go out without them and say so; they are still stored and rateable; other channels are not held up', async () => {
    const since = logs.length;
    // Three members ask for ten suggestions each at once in #general: 150 scale reactions, about 10 s at this pace.
    const flood = await Promise.all(members.slice(0, 3).map((m) => emu.runCommand({ userId: m.id, name: 'recommend', options: { count: 10 } })));
    await emu.waitFor(() => flood.every((i) => i.followUps().length === 10), { timeoutMs: 20_000 });
    await emu.waitFor(() => flood.some((i) => i.finalContent()?.endsWith(BUSY_CHANNEL_NOTE)), { timeoutMs: 10_000 });
    const shed = flood.filter((i) => i.finalContent()?.endsWith(BUSY_CHANNEL_NOTE));
    expect(shed).toHaveLength(1);
    // Known before anything was posted: the header says so in its one edit.
    expect(shed[0]!.responses.filter((r) => r.kind === 'editOriginal')).toHaveLength(1);

    // Meanwhile #side has nothing waiting: its suggestions get their scale straight away.
    const side = await emu.runCommand({ userId: members[3]!.id, name: 'recommend', options: { count: 2 }, channelId: SIDE });
    await emu.waitFor(() => fullyScaled(side, 2), { timeoutMs: 10_000 });

    const served = flood.filter((i) => !shed.includes(i));
    await emu.waitFor(() => served.every((i) => fullyScaled(i, 10)), { timeoutMs: 40_000 });
    expect(botScale(shed[0]!)).toEqual(Array(10).fill(0));
    const shedIds = shed[0]!.followUps().map((m) => m.id);
    expect(await world.db.prisma.suggestion.count({ where: { messageId: { in: shedIds } } })).toBe(10);

    // A member rates an unscaled suggestion by adding the emoji themselves.
    await emu.react({ userId: members[0]!.id, messageId: shedIds[0]!, emoji: '😍' });
    await expect.poll(() => world.db.prisma.suggestionReaction.count({ where: { messageId: shedIds[0]! } }), { timeout: 10_000 }).toBe(1);

    // Once the backlog has drained, suggestions in #general are scaled again.
    const after = await emu.runCommand({ userId: members[1]!.id, name: 'recommend', options: { count: 2 } });
    await emu.waitFor(() => fullyScaled(after, 2), { timeoutMs: 10_000 });
    expect(after.finalContent()).not.toContain(BUSY_CHANNEL_NOTE);
    expect(logs.slice(since).filter((l) => l.level >= 40)).toEqual([]);
    expect(logs.slice(since).filter((l) => l.msg.startsWith('scale reactions skipped'))).toHaveLength(1);
  });
});
