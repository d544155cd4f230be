import { SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { clip, displayTitle, LIMITS } from '../messages.ts';
import { NO_MENTIONS } from '../suggest.ts';
import { resolveTitle, titleAutocomplete } from '../titles.ts';
import { checkCount, COUNT } from './recommend.ts';

/** /similar title [count] — titles close to one title. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('similar')
    .setDescription('Titles similar to one you name')
    .addStringOption((o) => o.setName('title').setDescription('Start typing a title').setRequired(true).setAutocomplete(true))
    .addIntegerOption((o) => o.setName('count').setDescription(`How many (${COUNT.min}-${COUNT.max}, default ${COUNT.default})`).setMinValue(COUNT.min).setMaxValue(COUNT.max))
    .toJSON(),
  async execute(interaction, ctx) {
    const count = checkCount(interaction.options.getInteger('count'));
    const title = await resolveTitle(ctx.search, interaction.options.getString('title', true));
    await interaction.deferReply();
    const similar = await ctx.recommender.similar(title.id, count);
    if (similar.length === 0) {
      await interaction.editReply({ content: `No similar titles found for ${displayTitle(title)}.`, allowedMentions: NO_MENTIONS });
      return;
    }
    const lines = similar.map((t, i) => `${i + 1}. **${displayTitle(t)}** — ${t.genres.join(', ') || 'no genres listed'}`);
    await interaction.editReply({
      embeds: [{ title: clip(`Similar to ${displayTitle(title)}`, LIMITS.embedTitle), description: clip(lines.join('\n'), LIMITS.embedDescription), color: 0xe5a00d }],
      allowedMentions: NO_MENTIONS,
    });
  },
  autocomplete: (interaction, ctx) => titleAutocomplete(interaction, ctx),
};

