import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { HELP_TEXT } from '../messages.ts';

/** /help — every command and the reaction scale. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder().setName('help').setDescription('What tastebud can do and how reactions rate titles').toJSON(),
  async execute(interaction) {
    await interaction.reply({ content: HELP_TEXT, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
