import { SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { clip, displayTitle, lengthLine, LIMITS } from '../messages.ts';
import { NO_MENTIONS } from '../suggest.ts';
import { isProviderPick, resolveTitleOrPick, titleAutocomplete } from '../titles.ts';
import { checkCount, COUNT } from './recommend.ts';

/** Said under /similar answers found by title text: no trained model covers the title yet. */
export const TEXT_BASIS_NOTE = 'By title text (genres, tags, description): no trained model covers this title yet, so members’ ratings are not used.';

/** /similar title [count] — titles close to one title: by the model, else by the titles' text. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('similar')
    .setDescription('Titles similar to one you name')
    .addStringOption((o) => o.setName('title').setDescription('Start typing a title').setRequired(true).setAutocomplete(true))
    .addIntegerOption((o) => o.setName('count').setDescription(`How many (${COUNT.min}-${COUNT.max}, default ${COUNT.default})`).setMinValue(COUNT.min).setMaxValue(COUNT.max))
    .toJSON(),
  async execute(interaction, ctx) {
    const count = checkCount(interaction.options.getInteger('count'));
    const raw = interaction.options.getString('title', true);
    const pick = isProviderPick(raw);
    if (pick) await interaction.deferReply();
    const title = await resolveTitleOrPick(ctx, raw);
    if (!pick) await interaction.deferReply();
    const answer = await ctx.recommender.similar(title.id, count);
    if (answer.basis === 'none') {
      await interaction.editReply({
        content:
          `I can’t find titles similar to ${displayTitle(title)} yet: that needs a first training (a server admin runs \`/admin retrain\`), ` +
          'or title text embeddings (`tastebud embeddings update` on the server).',
        allowedMentions: NO_MENTIONS,
      });
      return;
    }
    const media = await ctx.catalogue?.media([title.id, ...answer.titles.map((t) => t.id)]).catch(() => undefined);
    const lines = answer.titles.map((t, i) => {
      const length = lengthLine(media?.get(t.id));
      return `${i + 1}. **${displayTitle(t)}** — ${t.genres.join(', ') || 'no genres listed'}${length ? ` · ${length}` : ''}`;
    });
    // The picture of the first neighbour that has one (else the asked-for title's), and whose data they are.
    const pictured = [...answer.titles.map((t) => t.id), title.id].map((id) => media?.get(id)).find((m) => m?.imageUrl);
    const credits = [...new Set([...(media?.values() ?? [])].flatMap((m) => m.credits))];
    const footer = [answer.basis === 'text' ? TEXT_BASIS_NOTE : '', credits.length ? `Data and images: ${credits.join(', ')}` : ''].filter(Boolean).join(' · ');
    await interaction.editReply({
      embeds: [
        {
          title: clip(`Similar to ${displayTitle(title)}`, LIMITS.embedTitle),
          description: clip(lines.join('\n'), LIMITS.embedDescription),
          color: 0xe5a00d,
          ...(pictured?.imageUrl ? { thumbnail: { url: pictured.imageUrl } } : {}),
          ...(footer ? { footer: { text: clip(footer, 2048) } } : {}),
        },
      ],
      allowedMentions: NO_MENTIONS,
    });
  },
  autocomplete: (interaction, ctx) => titleAutocomplete(interaction, ctx),
};
