import { SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { UserFacingError } from '../errors.ts';
import { clip, LIMITS, quoteUserText } from '../messages.ts';
import { postSuggestions, requireRateableChannel } from '../suggest.ts';
import { withBudget } from '../titles.ts';

export const COUNT = { min: 1, max: 10, default: 5 } as const;
export const KINDS = ['movie', 'show', 'game', 'book', 'music'] as const;

/** Checks a count option server-side too (Discord enforces min/max, but the API does not trust clients). */
export function checkCount(count: number | null, range: { min: number; max: number; default: number } = COUNT): number {
  if (count === null) return range.default;
  if (!Number.isInteger(count) || count < range.min || count > range.max) {
    throw new UserFacingError(`The count must be a whole number from ${range.min} to ${range.max}; got ${count}.`);
  }
  return count;
}

/** /recommend [count] [genre] [kind] — personal suggestions, each its own rateable message. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('recommend')
    .setDescription('Suggest titles for you; react to rate them')
    .addIntegerOption((o) => o.setName('count').setDescription(`How many (${COUNT.min}-${COUNT.max}, default ${COUNT.default})`).setMinValue(COUNT.min).setMaxValue(COUNT.max))
    .addStringOption((o) => o.setName('genre').setDescription('Only this genre').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('kind').setDescription('Only this kind of title').addChoices(...KINDS.map((k) => ({ name: k, value: k }))))
    .toJSON(),
  async execute(interaction, ctx) {
    requireRateableChannel(interaction);
    const count = checkCount(interaction.options.getInteger('count'));
    const genreInput = interaction.options.getString('genre')?.trim() || undefined;
    const kind = interaction.options.getString('kind') ?? undefined;
    let genre: string | undefined;
    if (genreInput) {
      const genres = await ctx.recommender.genres();
      genre = genres.find((g) => g.toLowerCase() === genreInput.toLowerCase());
      if (!genre) throw new UserFacingError(`There is no genre "${quoteUserText(genreInput, 60)}". Pick one from the list, e.g. ${genres.slice(0, 5).join(', ')}.`);
    }
    await interaction.deferReply();
    const userId = await ctx.ratings.findMember(interaction.user.id);
    const batch = await ctx.recommender.recommend(userId, { count, genre, kind });
    if (batch.titles.length === 0) {
      await interaction.editReply({ content: `Nothing left to suggest${genre ? ` in ${genre}` : ''}${kind ? ` (${kind})` : ''}: you have rated or hidden every candidate. Try another genre.`, allowedMentions: { parse: [] } });
      return;
    }
    const filter = [genre, kind].filter(Boolean).join(', ');
    const header = batch.personal
      ? `Suggestions for ${interaction.user.username}${filter ? ` (${filter})` : ''} — react to rate each one:`
      : `Popular picks for ${interaction.user.username}${filter ? ` (${filter})` : ''} while tastebud learns your taste. Use \`/onboard\` to rate a few well-known titles and get personal suggestions.`;
    await postSuggestions(interaction, ctx, batch, clip(header, LIMITS.content));
  },
  async autocomplete(interaction, ctx) {
    const typed = String(interaction.options.getFocused()).trim().toLowerCase();
    const genres = (await withBudget(ctx.recommender.genres(), 2_000)) ?? [];
    const matches = genres.filter((g) => g.toLowerCase().includes(typed)).slice(0, 25);
    return matches.map((g) => ({ name: clip(g, 100), value: clip(g, 100) }));
  },
};
