import { SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { memberName } from '../messages.ts';
import { postSuggestions, requireRateableChannel } from '../suggest.ts';

/** How many titles /onboard shows: enough for a first profile, few enough to rate in a minute. */
export const ONBOARD_COUNT = 6;

/** /onboard — well-known, varied titles to rate quickly. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder().setName('onboard').setDescription('Rate a few well-known titles so suggestions get personal').toJSON(),
  async execute(interaction, ctx) {
    requireRateableChannel(interaction);
    await interaction.deferReply();
    const userId = await ctx.ratings.findMember(interaction.user.id);
    const batch = await ctx.recommender.onboarding(userId, ONBOARD_COUNT);
    if (batch.titles.length === 0) {
      await interaction.editReply({ content: 'You have rated every well-known title already. Try `/recommend`.', allowedMentions: { parse: [] } });
      return;
    }
    await postSuggestions(
      interaction,
      ctx,
      batch,
      `Welcome ${memberName(interaction.user)}! React to each title you know (😍 5 · 👍 4 · 😐 3 · 👎 1 · 🙈 not interested); skip the ones you have not seen.`,
    );
  },
};
