import { escapeMarkdown, type APIEmbed } from 'discord.js';
import { SCALE_LEGEND } from '../ratings/scale.ts';
import type { TitleMedia } from './catalogue.ts';
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
  return title.ratingMean == null || title.ratingCount === 0 ? 'not rated yet' : `${title.ratingMean.toFixed(1)}★ from ${title.ratingCount} rating${title.ratingCount === 1 ? '' : 's'}`;
}

/** "2 h 16 min" or "412 pages": the length a provider gave, or null. */
export function lengthLine(media: Pick<TitleMedia, 'runtimeMinutes' | 'pageCount'> | undefined): string | null {
  if (media?.runtimeMinutes) {
    const h = Math.floor(media.runtimeMinutes / 60);
    const m = media.runtimeMinutes % 60;
    return h > 0 ? `${h} h${m ? ` ${m} min` : ''}` : `${m} min`;
  }
  return media?.pageCount ? `${media.pageCount} pages` : null;
}

/** The poster or cover as the embed's thumbnail, when the catalogue has one. */
function thumbnail(media: TitleMedia | undefined): Pick<APIEmbed, 'thumbnail'> {
  return media?.imageUrl ? { thumbnail: { url: media.imageUrl } } : {};
}

/** " · Data and images: TMDB": the attribution the providers' terms ask for, where a title's record came from one. */
export function creditLine(media: Pick<TitleMedia, 'credits'> | undefined): string {
  return media && media.credits.length > 0 ? ` · Data and images: ${media.credits.join(', ')}` : '';
}

/** One suggestion message of /recommend or /onboard: title, year, genres, length, poster and the reason. */
export function suggestionEmbed(title: SuggestedTitle, position: number, total: number, media?: TitleMedia): APIEmbed {
  const length = lengthLine(media);
  return {
    title: clip(`${position}. ${displayTitle(title)}`, LIMITS.embedTitle),
    description: clip(`${genresLine(title)}${length ? ` · ${length}` : ''}\n*${title.reason}*`, LIMITS.embedDescription),
    color: EMBED_COLOUR,
    ...thumbnail(media),
    footer: { text: clip(`${position}/${total} · ${SCALE_LEGEND}${creditLine(media)}`, 2048) },
  };
}

/** The /search result: title, year, genres, average rating and the caller's own rating. */
export function titleEmbed(title: TitleSummary, ownRating: number | undefined, media?: TitleMedia): APIEmbed {
  const length = lengthLine(media);
  return {
    title: clip(displayTitle(title), LIMITS.embedTitle),
    color: EMBED_COLOUR,
    ...thumbnail(media),
    fields: [
      { name: 'Genres', value: clip(genresLine(title), LIMITS.fieldValue), inline: true },
      ...(title.kind !== 'movie' ? [{ name: 'Kind', value: title.kind, inline: true }] : []),
      ...(length ? [{ name: title.kind === 'book' ? 'Length' : 'Runtime', value: length, inline: true }] : []),
      { name: 'Average', value: averageLine(title), inline: true },
      { name: 'Your rating', value: ownRating === undefined ? 'not rated — react below' : formatStars(ownRating), inline: true },
    ],
    footer: { text: clip(`${SCALE_LEGEND}${creditLine(media)}`, 2048) },
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
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  const flat = clip(text.replace(/[\u0000-\u001f\u007f]/g, ' '), max);
  return escapeMarkdown(flat)
    .replace(/<([@#&])/g, '<\u200b$1')
    .replace(/@(everyone|here)/gi, '@\u200b$1');
}

/** A member's name as replies show it: their username, escaped like every other member text (`_` and `*` are Markdown). */
export function memberName(user: { username: string }): string {
  return quoteUserText(user.username, 40);
}

/**
 * The /help text with the catalogue providers: each on with the attribution its terms ask for, or off with the
 * setting that turns it on (lines from describeProviders).
 */
export function helpText(providerLines: readonly string[]): string {
  if (providerLines.length === 0) return HELP_TEXT;
  const lines = providerLines.map((l) => `• ${l.replace(/^(on|off)\s+/, (_, state: string) => (state === 'on' ? 'on: ' : 'off: '))}`);
  return clip([HELP_TEXT, '', '**Catalogue providers** (set on the host):', ...lines].join('\n'), LIMITS.content);
}

/** The /help text: every command and the reaction scale. */
export const HELP_TEXT = [
  '**tastebud** learns what you like from your ratings and suggests movies, shows, games, books and music.',
  '',
  '`/recommend [count] [genre] [kind]` — personal suggestions, one message each; react to rate them.',
  '`/search query [kind]` — look a title up (average rating, your rating); react to rate it. Titles not in the catalogue yet come from the catalogue providers that are on (below); picking one adds it.',
  '`/rate title score [kind]` — rate a title 1 to 5 (halves allowed).',
  '`/similar title [count]` — titles close to one you name.',
  '`/onboard` — a handful of well-known titles to rate quickly, so suggestions get personal.',
  '`/profile [user]` — how many ratings, favourite genres, recent ratings.',
  '`/movienight start [when] [kind] [genre] [candidates] [strategy] [include-seen]` — a group vote: join with 🍿, the host runs `/movienight pick`, vote with 1️⃣…8️⃣, `/movienight close` (or the time) ends it.',
  '`/privacy public|private` — whether other members may see your /profile (private by default).',
  '`/forget-me` — delete everything tastebud stores about you (asks first).',
  '`/admin retrain|reindex|status` — server managers only.',
  'Titles come from the catalogue a server admin imports on the host: `tastebud import movielens` (movies), `tastebud import tmdb --trending`, `tastebud import openlibrary --subject fantasy` and the like, or `tastebud seed` for a first set-up.',
  '',
  `**Reactions on suggestions:** ${SCALE_LEGEND}.`,
  'Anyone may react on any suggestion; the rating is yours. Your latest reaction counts; removing it removes the rating.',
].join('\n');
