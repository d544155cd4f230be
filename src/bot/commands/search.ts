import { SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { titleEmbed } from '../messages.ts';
import { memberOf, NO_MENTIONS, requireRateableChannel } from '../suggest.ts';
import { isProviderPick, resolveTitleOrPick, titleAutocomplete, TITLE_KINDS } from '../titles.ts';

/** /search query [kind] — look a title up (or add one a provider found); the answer is itself a rateable suggestion message. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('search')
    .setDescription('Look a title up: year, genres, average rating, your rating')
    .addStringOption((o) => o.setName('query').setDescription('Start typing a title').setRequired(true).setAutocomplete(true))
    .addStringOption((o) =>
      o
        .setName('kind')
        .setDescription('Only this kind of title (also where autocomplete looks)')
        .addChoices(...TITLE_KINDS.map((k) => ({ name: k, value: k }))),
    )
    .toJSON(),
  async execute(interaction, ctx) {
    requireRateableChannel(interaction);
    const raw = interaction.options.getString('query', true);
    const kind = interaction.options.getString('kind') ?? undefined;
    // A provider pick needs a details request, which may outlast Discord's 3 s: defer first. Otherwise resolve
    // before deferring, so an unknown title gets an ephemeral answer rather than a public one.
    const pick = isProviderPick(raw);
    if (pick) await interaction.deferReply();
    const title = await resolveTitleOrPick(ctx, raw, kind);
    if (!pick) await interaction.deferReply();
    const own = await ctx.ratings.ratingOf(interaction.user.id, title.id);
    const media = (await ctx.catalogue?.media([title.id]).catch(() => undefined))?.get(title.id);
    const message = await interaction.editReply({ embeds: [titleEmbed(title, own, media)], allowedMentions: NO_MENTIONS });
    await ctx.ratings.recordSuggestions(memberOf(interaction.user), [
      { messageId: message.id, channelId: message.channelId, guildId: interaction.guildId, titleId: title.id, position: 0, modelVersionId: null, reason: 'search' },
    ]);
    // add() gives its places back when done, whatever happens.
    await ctx.reserveScaleReactions(message.channelId, 1)?.add([message]);
  },
  autocomplete: (interaction, ctx) => titleAutocomplete(interaction, ctx),
};
