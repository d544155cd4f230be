import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { helpText } from '../messages.ts';

/** /help — every command, the reaction scale, and which catalogue providers are on (and how to turn the others on). */
export const command: BotCommand = {
  definition: new SlashCommandBuilder().setName('help').setDescription('What tastebud can do and how reactions rate titles').toJSON(),
  async execute(interaction, ctx) {
    await interaction.reply({ content: helpText(ctx.catalogue?.describe() ?? []), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
