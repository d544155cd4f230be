import { escapeMarkdown, type APIEmbed } from 'discord.js';
import { SCALE_LEGEND } from '../ratings/scale.ts';
import type { SuggestedTitle, TitleSummary } from './ports.ts';

/** Discord limits that the builders below respect. */
export const LIMITS = { embedTitle: 256, embedDescription: 4096, fieldValue: 1024, choiceName: 100, choices: 25, content: 2000 } as const;

const EMBED_COLOUR = 0xe5a00d;

/** "Heat (1995)", or the name alone when the year is unknown. */
export function displayTitle(title: Pick<TitleSummary, 'name' | 'year'>): string {
  return title.year ? `${title.name} (${title.year})` : title.name;
}

/** "4.5" or "4" — ratings without trailing zeros. */
export function formatStars(value: number): string {
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)}★`;
}

function genresLine(title: Pick<TitleSummary, 'genres'>): string {
  const genres = title.genres.filter((g) => g !== '(no genres listed)');
  return genres.length > 0 ? genres.join(', ') : 'no genres listed';
}

function averageLine(title: Pick<TitleSummary, 'ratingMean' | 'ratingCount'>): string {
  return title.ratingMean == null || title.ratingCount === 0
    ? 'not rated yet'
    : `${title.ratingMean.toFixed(1)}★ from ${title.ratingCount} rating${title.ratingCount === 1 ? '' : 's'}`;
}

/** One suggestion message of /recommend or /onboard: title, year, genres and the reason. */
export function suggestionEmbed(title: SuggestedTitle, position: number, total: number): APIEmbed {
  return {
    title: clip(`${position}. ${displayTitle(title)}`, LIMITS.embedTitle),
    description: clip(`${genresLine(title)}\n*${title.reason}*`, LIMITS.embedDescription),
    color: EMBED_COLOUR,
    footer: { text: `${position}/${total} · ${SCALE_LEGEND}` },
  };
}

/** The /search result: title, year, genres, average rating and the caller's own rating. */
export function titleEmbed(title: TitleSummary, ownRating: number | undefined): APIEmbed {
  return {
    title: clip(displayTitle(title), LIMITS.embedTitle),
    color: EMBED_COLOUR,
    fields: [
      { name: 'Genres', value: clip(genresLine(title), LIMITS.fieldValue), inline: true },
      { name: 'Average', value: averageLine(title), inline: true },
      { name: 'Your rating', value: ownRating === undefined ? 'not rated — react below' : formatStars(ownRating), inline: true },
    ],
    footer: { text: SCALE_LEGEND },
  };
}

/** Autocomplete choices for titles: value is the title id, name fits Discord's 100 characters. */
export function titleChoices(titles: readonly TitleSummary[]): { name: string; value: string }[] {
  return titles.slice(0, LIMITS.choices).map((t) => ({ name: clip(displayTitle(t), LIMITS.choiceName), value: String(t.id) }));
}

/** Text cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A member's own text made safe to echo: cut to `max`, Markdown escaped, and mention syntax (`<@…>`, `<#…>`,
 * `@everyone`) broken with a zero-width space so it neither pings nor renders as a mention (allowed_mentions
 * none already stops pings; this also stops the display).
 */
export function quoteUserText(text: string, max: number): string {
  const flat = clip(text.replace(/[\u0000-\u001f\u007f]/g, ' '), max);
  return escapeMarkdown(flat).replace(/<([@#&])/g, '<\u200b$1').replace(/@(everyone|here)/gi, '@\u200b$1');
}

/** A member's name as replies show it: their username, escaped like every other member text (`_` and `*` are Markdown). */
export function memberName(user: { username: string }): string {
  return quoteUserText(user.username, 40);
}

/** The /help text: every command and the reaction scale. */
export const HELP_TEXT = [
  '**tastebud** learns what you like from your ratings and suggests movies.',
  '',
  '`/recommend [count] [genre] [kind]` — personal suggestions, one message each; react to rate them.',
  '`/search query` — look a title up (average rating, your rating); react to rate it.',
  '`/rate title score` — rate a title 1 to 5 (halves allowed).',
  '`/similar title [count]` — titles close to one you name.',
  '`/onboard` — a handful of well-known titles to rate quickly, so suggestions get personal.',
  '`/profile [user]` — how many ratings, favourite genres, recent ratings.',
  '`/movienight start [when] [kind] [genre] [candidates] [strategy] [include-seen]` — a group vote: join with 🍿, the host runs `/movienight pick`, vote with 1️⃣…8️⃣, `/movienight close` (or the time) ends it.',
  '`/privacy public|private` — whether other members may see your /profile (private by default).',
  '`/forget-me` — delete everything tastebud stores about you (asks first).',
  '`/admin retrain|reindex|status` — server managers only.',
  'Titles come from the catalogue a server admin imports on the host: `tastebud import movielens` (movies), or `tastebud seed` for a first set-up.',
  '',
  `**Reactions on suggestions:** ${SCALE_LEGEND}.`,
  'Anyone may react on any suggestion; the rating is yours. Your latest reaction counts; removing it removes the rating.',
].join('\n');
