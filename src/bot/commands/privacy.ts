import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { memberOf } from '../suggest.ts';

/** /privacy public|private — whether other members may see your /profile (private until you say otherwise). */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('privacy')
    .setDescription('Choose whether other members may see your /profile')
    .addSubcommand((s) => s.setName('public').setDescription('Other members may see your /profile'))
    .addSubcommand((s) => s.setName('private').setDescription('Only you see your /profile (the default)'))
    .toJSON(),
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand(true);
    const isPublic = sub === 'public';
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await ctx.ratings.setProfilePublic(memberOf(interaction.user), isPublic);
    await interaction.editReply({
      content: isPublic ? 'Your profile is now public: other members can see it with `/profile user:`. Use `/privacy private` to hide it again.' : 'Your profile is now private: only you can see it.',
      allowedMentions: { parse: [] },
    });
  },
};
