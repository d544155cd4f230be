import type { ApplicationCommandOptionChoiceData, AutocompleteInteraction } from 'discord.js';
import { ProviderError } from '../providers/http.ts';
import { parseProviderChoice } from './catalogue.ts';
import type { BotContext } from './context.ts';
import { UnknownTitleError, UserFacingError } from './errors.ts';
import { displayTitle, LIMITS, titleChoices } from './messages.ts';
import type { TitleSearch, TitleSummary } from './ports.ts';

/**
 * Longest title text accepted. Not declared as the option's max_length, so a pasted paragraph gets an
 * answer that says what is wrong rather than a silently disabled Send button.
 */
export const MAX_TITLE_QUERY = 200;

/** Autocomplete must answer within Discord's 3 s and cannot be deferred; past this, answer empty. */
export const AUTOCOMPLETE_BUDGET_MS = 2_000;

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
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Local matches that contain the typed text; fewer than this and the providers are asked too. */
const STRONG_LOCAL_MATCHES = 5;

/** Whether the local answer is weak enough to ask the providers: fewer than {@link STRONG_LOCAL_MATCHES} titles contain the typed text. */
export function weakLocalMatch(query: string, titles: readonly TitleSummary[]): boolean {
  const wanted = fold(query);
  if (wanted.length < 2) return false;
  return titles.filter((t) => fold(t.name).includes(wanted)).length < STRONG_LOCAL_MATCHES;
}

/**
 * Up to 25 matches for a title autocomplete: the local catalogue first and, when that match is weak and a
 * provider is on, provider matches after it, all within {@link AUTOCOMPLETE_BUDGET_MS} (a late or failing
 * provider costs its matches, never the local ones). `kind` defaults to the command's `kind` option.
 */
export async function titleAutocomplete(interaction: AutocompleteInteraction, ctx: BotContext, kind?: string): Promise<ApplicationCommandOptionChoiceData[]> {
  const started = Date.now();
  const focused = interaction.options.getFocused();
  const query = String(focused).trim().slice(0, MAX_TITLE_QUERY);
  const wantedKind = kind ?? kindOption(interaction);
  const titles = await withBudget(ctx.search.search(query, { kind: wantedKind, limit: 25 }), AUTOCOMPLETE_BUDGET_MS).catch((error: unknown) => {
    ctx.logger.warn({ err: error, query }, 'title autocomplete failed');
    return [];
  });
  const local = titleChoices(titles ?? []);
  if (!ctx.catalogue || !weakLocalMatch(query, titles ?? [])) return local;
  const left = AUTOCOMPLETE_BUDGET_MS - (Date.now() - started);
  const fromProviders = await ctx.catalogue.providerMatches(query, wantedKind, left).catch(() => []);
  return [...local.slice(0, LIMITS.choices - fromProviders.length), ...fromProviders];
}

/** The command's `kind` option, when it has one and it names a kind. */
function kindOption(interaction: Pick<AutocompleteInteraction, 'options'>): string | undefined {
  const raw = interaction.options.get('kind')?.value;
  return typeof raw === 'string' && (TITLE_KINDS as readonly string[]).includes(raw) ? raw : undefined;
}

export const TITLE_KINDS = ['movie', 'show', 'game', 'book', 'music'] as const;

/** Whether a title option carries a provider match picked from autocomplete (it is added to the catalogue on use). */
export function isProviderPick(raw: string): boolean {
  return parseProviderChoice(raw) !== undefined;
}

/**
 * {@link resolveTitle}, and a provider match picked from autocomplete: its details are fetched and the title
 * saved (merged by external id) before it is used. A provider failure is a one-line answer; nothing is half-written.
 */
export async function resolveTitleOrPick(ctx: Pick<BotContext, 'search' | 'catalogue'>, raw: string, kind?: string): Promise<TitleSummary> {
  const picked = parseProviderChoice(raw);
  if (picked && ctx.catalogue) {
    let titleId: number | undefined;
    try {
      titleId = await ctx.catalogue.addPicked(raw);
    } catch (error) {
      if (error instanceof ProviderError) {
        throw new UserFacingError(
          `${picked.provider} could not give that title's details just now (${error.failure.replace('_', ' ')}), so it was not added. Try again in a minute, or pick a title already in the catalogue.`,
        );
      }
      throw error;
    }
    const title = titleId === undefined ? undefined : await ctx.search.get(titleId);
    if (title) return title;
  }
  if (picked) throw new UserFacingError('That title came from a catalogue provider that is off now. Start typing again and pick from the list.');
  return resolveTitle(ctx.search, raw, kind);
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
