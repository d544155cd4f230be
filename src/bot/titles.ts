import type { ApplicationCommandOptionChoiceData, AutocompleteInteraction } from 'discord.js';
import type { BotContext } from './context.ts';
import { UnknownTitleError, UserFacingError } from './errors.ts';
import { displayTitle, titleChoices } from './messages.ts';
import type { TitleSearch, TitleSummary } from './ports.ts';

/**
 * Longest title text accepted. Not declared as the option's max_length, so a pasted paragraph gets an
 * answer that says what is wrong rather than a silently disabled Send button.
 */
export const MAX_TITLE_QUERY = 200;

/** Autocomplete must answer within Discord's 3 s and cannot be deferred; past this, answer empty. */
const AUTOCOMPLETE_BUDGET_MS = 2_000;

/**
 * Turns a title option into a title: the id autocomplete put there, or text that matches one title's
 * name (or "name (year)") exactly. Anything else is an {@link UnknownTitleError} listing the closest matches.
 */
export async function resolveTitle(search: TitleSearch, raw: string, kind?: string): Promise<TitleSummary> {
  const query = raw.trim();
  if (query.length === 0) throw new UserFacingError('The title is empty. Start typing a title and pick one from the list.');
  if (query.length > MAX_TITLE_QUERY) {
    throw new UserFacingError(`That title is ${query.length} characters long; titles are at most ${MAX_TITLE_QUERY}. Type part of the name and pick from the list.`);
  }
  if (/^\d{1,9}$/.test(query)) {
    const byId = await search.get(Number(query));
    if (byId) return byId;
  }
  const matches = await search.search(query, { kind, limit: 5 });
  const wanted = fold(query);
  const exact = matches.filter((t) => fold(t.name) === wanted || fold(displayTitle(t)) === wanted);
  if (exact.length >= 1) return exact[0]!;
  throw new UnknownTitleError(query, matches);
}

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Up to 25 matches for a title autocomplete; never lets a slow search miss Discord's window. */
export async function titleAutocomplete(interaction: AutocompleteInteraction, ctx: BotContext, kind?: string): Promise<ApplicationCommandOptionChoiceData[]> {
  const focused = interaction.options.getFocused();
  const query = String(focused).trim().slice(0, MAX_TITLE_QUERY);
  const titles = await withBudget(ctx.search.search(query, { kind, limit: 25 }), AUTOCOMPLETE_BUDGET_MS).catch((error: unknown) => {
    ctx.logger.warn({ err: error, query }, 'title autocomplete failed');
    return [];
  });
  return titleChoices(titles ?? []);
}

/** Resolves to undefined when the work takes longer than `ms`. */
export async function withBudget<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
