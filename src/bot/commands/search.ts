import { SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { titleEmbed } from '../messages.ts';
import { memberOf, NO_MENTIONS, requireRateableChannel } from '../suggest.ts';
import { resolveTitle, titleAutocomplete } from '../titles.ts';

/** /search query — look a title up; the answer is itself a rateable suggestion message. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('search')
    .setDescription('Look a title up: year, genres, average rating, your rating')
    .addStringOption((o) => o.setName('query').setDescription('Start typing a title').setRequired(true).setAutocomplete(true))
    .toJSON(),
  async execute(interaction, ctx) {
    requireRateableChannel(interaction);
    const raw = interaction.options.getString('query', true);
    // Resolve before deferring, so an unknown title gets an ephemeral answer rather than a public one.
    const title = await resolveTitle(ctx.search, raw);
    await interaction.deferReply();
    const own = await ctx.ratings.ratingOf(interaction.user.id, title.id);
    const message = await interaction.editReply({ embeds: [titleEmbed(title, own)], allowedMentions: NO_MENTIONS });
    await ctx.ratings.recordSuggestions(memberOf(interaction.user), [
      { messageId: message.id, channelId: message.channelId, guildId: interaction.guildId, titleId: title.id, position: 0, modelVersionId: null, reason: 'search' },
    ]);
    // add() gives its places back when done, whatever happens.
    await ctx.reserveScaleReactions(message.channelId, 1)?.add([message]);
  },
  autocomplete: (interaction, ctx) => titleAutocomplete(interaction, ctx),
};
