import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { checkScore, ScoreError, SCORE_RANGE } from '../../ratings/scale.ts';
import type { BotCommand } from '../context.ts';
import { UserFacingError } from '../errors.ts';
import { displayTitle, formatStars } from '../messages.ts';
import { memberOf, NO_MENTIONS } from '../suggest.ts';
import { resolveTitleOrPick, titleAutocomplete, TITLE_KINDS } from '../titles.ts';

/** /rate title score [kind] — set a rating directly (a title a provider found is added first). */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('rate')
    .setDescription('Rate a title from 1 to 5 stars (halves allowed)')
    .addStringOption((o) => o.setName('title').setDescription('The title to rate').setRequired(true).setAutocomplete(true))
    .addNumberOption((o) => o.setName('score').setDescription('1 to 5, e.g. 3.5').setRequired(true).setMinValue(SCORE_RANGE.min).setMaxValue(SCORE_RANGE.max))
    .addStringOption((o) =>
      o
        .setName('kind')
        .setDescription('Only this kind of title (also where autocomplete looks)')
        .addChoices(...TITLE_KINDS.map((k) => ({ name: k, value: k }))),
    )
    .toJSON(),
  async execute(interaction, ctx) {
    const score = interaction.options.getNumber('score', true);
    try {
      checkScore(score);
    } catch (error) {
      if (error instanceof ScoreError) throw new UserFacingError(error.message);
      throw error;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const title = await resolveTitleOrPick(ctx, interaction.options.getString('title', true), interaction.options.getString('kind') ?? undefined);
    const result = await ctx.ratings.rate(memberOf(interaction.user), title.id, score);
    ctx.ratingsChanged();
    const was = result.previous === undefined ? '' : ` (was ${formatStars(result.previous)})`;
    await interaction.editReply({ content: `Rated **${displayTitle(title)}** ${formatStars(score)}${was}.`, allowedMentions: NO_MENTIONS });
  },
  autocomplete: (interaction, ctx) => titleAutocomplete(interaction, ctx),
};
