import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SUGGESTION_REACTIONS } from '../../../src/ratings/scale.ts';
import type { DiscordEmulator, InteractionHandle } from '../../support/discord-emulator/index.ts';
import { memberList } from '../reliability/harness.ts';
import { captureLogs, startBotWorld, type BotWorld } from './bot-world.ts';

type Member = { id: string; username: string };
const [alice] = memberList(1) as [Member];
const CELLAR = '300000000000000960';

let world: BotWorld;
let emu: DiscordEmulator;
const { logger, lines: logs } = captureLogs('debug');

beforeAll(async () => {
  world = await startBotWorld({
    emulator: { members: [alice], channels: [{ name: 'general' }, { id: CELLAR, name: 'cellar' }], interactionDeadlineMs: null },
    logger,
  });
  ({ emu } = world);
});

afterAll(() => world?.stop());

// Each case denies the bot something in #cellar through its own member overwrite; the next starts without it.
afterEach(() => emu.deleteChannelOverwrite(CELLAR, emu.botUserId));

const COMMANDS = [
  { name: 'recommend', options: { count: 2 } },
  { name: 'onboard', options: {} },
  { name: 'search', options: { query: 'Title 7' } },
] as const;

async function run(command: (typeof COMMANDS)[number]): Promise<InteractionHandle> {
  const i = await emu.runCommand({ userId: alice.id, name: command.name, options: command.options, channelId: CELLAR });
  await i.settled({ timeoutMs: 15_000 });
  return i;
}

describe('commands that post rateable messages, in a channel where the bot could not make them rateable', () => {
  it.each([
    { label: 'View Channel', deny: ['ViewChannel'] as const, needs: /the \*\*View Channel\*\* permission here/ },
    { label: 'Add Reactions', deny: ['AddReactions'] as const, needs: /the \*\*Add Reactions\*\* permission here/ },
    { label: 'Read Message History and Add Reactions', deny: ['ReadMessageHistory', 'AddReactions'] as const, needs: /the \*\*Read Message History\*\* and \*\*Add Reactions\*\* permissions here/ },
  ])('without $label: a short ephemeral answer naming what is missing; nothing posted, stored or queued', async ({ deny, needs }) => {
    emu.setChannelOverwrite(CELLAR, { id: emu.botUserId, type: 'member', deny: [...deny] });
    const requestsBefore = emu.requests.length;
    const logIndex = logs.length;
    for (const command of COMMANDS) {
      const i = await run(command);
      expect(i.responses, `/${command.name}`).toHaveLength(1);
      expect(i.original()?.ephemeral, `/${command.name}`).toBe(true);
      expect(i.finalContent(), `/${command.name}`).toMatch(needs);
      expect(i.followUps()).toEqual([]);
    }
    const calls = emu.requests.slice(requestsBefore).map((r) => r.route);
    expect(calls.every((route) => route === 'POST /interactions/:interaction/:token/callback')).toBe(true);
    expect(emu.messages(CELLAR).filter((m) => !m.ephemeral)).toEqual([]);
    expect(await world.db.prisma.suggestion.count()).toBe(0);
    expect(await world.db.prisma.outboxEvent.count()).toBe(0);
    expect(await world.queues.userEmbedding.count()).toBe(0);
    expect(logs.slice(logIndex).filter((l) => l.level >= 40)).toEqual([]);
  });

  it('without Send Messages alone the suggestions are still posted and rateable: follow-ups are the interaction’s own messages', async () => {
    emu.setChannelOverwrite(CELLAR, { id: emu.botUserId, type: 'member', deny: 'SendMessages' });
    const logIndex = logs.length;
    const i = await run(COMMANDS[0]);
    await emu.waitFor(() => i.followUps().length === 2 && i.followUps().every((m) => m.reactions.length === SUGGESTION_REACTIONS.length), { timeoutMs: 20_000 });
    expect(i.followUps().every((m) => m.channelId === CELLAR && !m.ephemeral)).toBe(true);
    expect(await world.db.prisma.suggestion.count({ where: { messageId: { in: i.followUps().map((m) => m.id) } } })).toBe(2);
    expect(logs.slice(logIndex).filter((l) => l.level >= 40)).toEqual([]);
  });
});
