import { SlashCommandBuilder } from 'discord.js';
import { checkCount as checkRequestCount, matchGenre, UnknownGenreError } from '../../recommend/request.ts';
import type { BotCommand, BotContext } from '../context.ts';
import { UserFacingError } from '../errors.ts';
import { clip, LIMITS, memberName, quoteUserText } from '../messages.ts';
import { postSuggestions, requireRateableChannel } from '../suggest.ts';
import { withBudget } from '../titles.ts';

export const COUNT = { min: 1, max: 10, default: 5 } as const;
export const KINDS = ['movie', 'show', 'game', 'book', 'music'] as const;

/** "shows", "music": a kind as a plural noun. */
function kindPlural(kind: string): string {
  return kind === 'music' ? 'music' : `${kind}s`;
}

/** The answer for a filter no catalogue title matches: an admin must import some first. */
export function emptyCatalogueMessage(filter: { genre?: string | undefined; kind?: string | undefined }): string {
  const what = [filter.genre, filter.kind ? kindPlural(filter.kind) : 'titles'].filter(Boolean).join(' ');
  return `No ${what} in the catalogue yet — an admin can import some (see /help).`;
}

/**
 * The kind option checked server-side: one of {@link KINDS} (autocomplete offers only those with titles, but
 * a client can send anything), and one the catalogue has titles of.
 */
async function checkKind(ctx: BotContext, input: string | null): Promise<string | undefined> {
  const typed = input?.trim().toLowerCase();
  if (!typed) return undefined;
  const kind = KINDS.find((k) => k === typed || kindPlural(k) === typed);
  const available = await ctx.recommender.kinds();
  if (!kind) throw new UserFacingError(`There is no kind "${quoteUserText(input!, 40)}". Pick one from the list: ${available.join(', ') || 'none yet'}.`);
  if (!available.includes(kind)) throw new UserFacingError(emptyCatalogueMessage({ kind }));
  return kind;
}

/** Why a request found nothing: nothing matches in the catalogue, the member rated it all, or the model predates the titles. */
async function nothingLeftMessage(ctx: BotContext, userId: number | undefined, filter: { genre?: string | undefined; kind?: string | undefined }): Promise<string> {
  const coverage = await ctx.recommender.coverage(userId, filter);
  const what = [filter.genre, filter.kind ? `(${filter.kind})` : undefined].filter(Boolean).join(' ');
  if (coverage.titles === 0) return emptyCatalogueMessage(filter);
  if (coverage.ratedOrHidden >= coverage.titles) return `Nothing left to suggest${what ? ` in ${what}` : ''}: you have rated or hidden every candidate. Try another genre.`;
  return `Nothing to suggest${what ? ` in ${what}` : ''} yet: those titles came after the current model was trained. They appear after the next training (a server admin runs \`/admin retrain\`).`;
}

/** Checks a count option server-side too (Discord enforces min/max, but the API does not trust clients). */
export function checkCount(count: number | null, range: { min: number; max: number; default: number } = COUNT): number {
  return count === null ? range.default : checkRequestCount(count, range);
}

/** The genre option checked server-side against the genres the catalogue has; the member's text is quoted. */
async function checkGenre(ctx: BotContext, input: string | undefined): Promise<string | undefined> {
  if (!input) return undefined;
  const genres = await ctx.recommender.genres();
  try {
    return matchGenre(input, genres);
  } catch (error) {
    if (!(error instanceof UnknownGenreError)) throw error;
    throw new UserFacingError(`There is no genre "${quoteUserText(input, 60)}". Pick one from the list, e.g. ${genres.slice(0, 5).join(', ')}.`);
  }
}

/** /recommend [count] [genre] [kind] — personal suggestions, each its own rateable message. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('recommend')
    .setDescription('Suggest titles for you; react to rate them')
    .addIntegerOption((o) => o.setName('count').setDescription(`How many (${COUNT.min}-${COUNT.max}, default ${COUNT.default})`).setMinValue(COUNT.min).setMaxValue(COUNT.max))
    .addStringOption((o) => o.setName('genre').setDescription('Only this genre').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('kind').setDescription('Only this kind of title (those in the catalogue)').setAutocomplete(true).setMaxLength(20))
    .toJSON(),
  async execute(interaction, ctx) {
    requireRateableChannel(interaction);
    const count = checkCount(interaction.options.getInteger('count'));
    const genreInput = interaction.options.getString('genre')?.trim() || undefined;
    const kind = await checkKind(ctx, interaction.options.getString('kind'));
    const genre = await checkGenre(ctx, genreInput);
    await interaction.deferReply();
    const userId = await ctx.ratings.findMember(interaction.user.id);
    const started = performance.now();
    const batch = { ...(await ctx.recommender.recommend(userId, { count, genre, kind })), latencyMs: Math.round(performance.now() - started) };
    if (batch.titles.length === 0) {
      await interaction.editReply({ content: await nothingLeftMessage(ctx, userId, { genre, kind }), allowedMentions: { parse: [] } });
      return;
    }
    const filter = [genre, kind].filter(Boolean).join(', ');
    const name = memberName(interaction.user);
    const header = batch.personal
      ? `Suggestions for ${name}${filter ? ` (${filter})` : ''} — react to rate each one:`
      : `Popular picks for ${name}${filter ? ` (${filter})` : ''} while tastebud learns your taste. Use \`/onboard\` to rate a few well-known titles and get personal suggestions.`;
    await postSuggestions(interaction, ctx, batch, clip(header, LIMITS.content));
  },
  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value).trim().toLowerCase();
    const values = (await withBudget(focused.name === 'kind' ? ctx.recommender.kinds() : ctx.recommender.genres(), 2_000)) ?? [];
    const matches = values.filter((g) => g.toLowerCase().includes(typed)).slice(0, 25);
    return matches.map((g) => ({ name: clip(g, 100), value: clip(g, 100) }));
  },
};
