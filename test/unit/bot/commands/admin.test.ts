import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { command as admin } from '../../../../src/bot/commands/admin.ts';
import type { BotContext } from '../../../../src/bot/context.ts';
import { createLogger } from '../../../../src/log.ts';

/** The parts of a ChatInputCommandInteraction /admin touches; permissions come with each interaction, as from Discord. */
function interaction(permissions: bigint) {
  const replies: unknown[] = [];
  return {
    replies,
    value: {
      user: { id: '300000000000000001' },
      guildId: '300000000000000100',
      inGuild: () => true,
      memberPermissions: new PermissionsBitField(permissions),
      options: { getSubcommand: () => 'status' },
      reply: async (body: unknown) => void replies.push(['reply', body]),
      deferReply: async () => void replies.push(['defer']),
      editReply: async (body: unknown) => void replies.push(['edit', body]),
    },
  };
}

const ctx = {
  logger: createLogger({ logLevel: 'silent' }),
  admin: {
    queueRetrain: async () => '1',
    queueReindex: async () => '2',
    status: async () => ({ activeModel: null, queues: [], recentJobs: [], outboxPending: 0 }),
  },
} as unknown as BotContext;

describe('/admin permission', () => {
  it('is checked on every call: the same member loses access as soon as an interaction arrives without Manage Server', async () => {
    const granted = interaction(PermissionFlagsBits.ManageGuild | PermissionFlagsBits.SendMessages);
    await admin.execute(granted.value as never, ctx);
    expect(granted.replies[0]).toEqual(['defer']);
    expect(JSON.stringify(granted.replies[1])).toMatch(/Active model/);

    const revoked = interaction(PermissionFlagsBits.SendMessages);
    await admin.execute(revoked.value as never, ctx);
    expect(revoked.replies).toHaveLength(1);
    expect(JSON.stringify(revoked.replies[0])).toContain('Only members with the Manage Server permission');

    const regranted = interaction(PermissionFlagsBits.Administrator);
    await admin.execute(regranted.value as never, ctx);
    expect(regranted.replies[0]).toEqual(['defer']);
  });
});
