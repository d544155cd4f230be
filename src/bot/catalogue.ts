/**
 * The bot's side of the catalogue providers (src/providers/): provider matches for a title autocomplete whose
 * local answer is weak, adding the title a member picks from them, and the pictures, lengths and attributions
 * that embeds show. Without providers it still serves images of titles enriched earlier.
 */
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { describeProviders, ProviderError, type Providers } from '../providers/index.ts';
import { saveProviderTitle } from '../providers/save.ts';
import type { ExternalSource, ProviderName, ProviderTitle, TitleKind } from '../providers/types.ts';
import { ProviderWarnings } from '../providers/warnings.ts';

/** What an embed can show beyond the summary: the picture, the length and whose data it is. */
export interface TitleMedia {
  imageUrl: string | null;
  runtimeMinutes: number | null;
  pageCount: number | null;
  /** Names of the providers this title's record came from ("TMDB"), for the embed footer's attribution. */
  credits: string[];
}

/** A provider match offered in an autocomplete list; `value` goes back to the bot when it is picked. */
export interface ProviderChoice {
  name: string;
  value: string;
}

export interface BotCatalogue {
  /** Provider matches for `query`, within `budgetMs`; [] when no provider is on, or it fails or is late (warned once a minute). */
  providerMatches(query: string, kind: string | undefined, budgetMs: number): Promise<ProviderChoice[]>;
  /** Adds the provider record a `providerChoiceValue` names to the catalogue; its title id, or undefined when the value is not one. */
  addPicked(value: string): Promise<number | undefined>;
  media(titleIds: readonly number[]): Promise<Map<number, TitleMedia>>;
  /** For /help: one line per provider, on with its attribution or off with how to turn it on. */
  describe(): string[];
}

const PREFIX = 'p:';
const SOURCE_PROVIDER: Record<ExternalSource, ProviderName> = { tmdb_movie: 'tmdb', tmdb_tv: 'tmdb', rawg: 'rawg', openlibrary: 'openlibrary', musicbrainz: 'musicbrainz' };
const KINDS: readonly TitleKind[] = ['movie', 'show', 'game', 'book', 'music'];
/** Provider matches offered after the local ones. */
const PROVIDER_CHOICES = 10;

/** "p:tmdb:movie:603": what an autocomplete choice carries for a provider match (Discord allows 100 characters). */
export function providerChoiceValue(t: Pick<ProviderTitle, 'kind' | 'externalId'>, provider: ProviderName): string {
  return `${PREFIX}${provider}:${t.kind}:${t.externalId}`.slice(0, 100);
}

export function parseProviderChoice(value: string): { provider: ProviderName; kind: TitleKind; externalId: string } | undefined {
  const match = /^p:(tmdb|rawg|openlibrary|musicbrainz):(movie|show|game|book|music):([\w.-]{1,80})$/.exec(value.trim());
  return match ? { provider: match[1] as ProviderName, kind: match[2] as TitleKind, externalId: match[3]! } : undefined;
}

function choiceName(t: ProviderTitle, label: string): string {
  const name = t.year ? `${t.name} (${t.year})` : t.name;
  const suffix = ` · ${t.kind} · ${label}`;
  return name.length + suffix.length <= 100 ? `${name}${suffix}` : `${name.slice(0, 99 - suffix.length)}…${suffix}`;
}

export function createBotCatalogue(deps: { prisma: PrismaClient; providers?: Providers | undefined; logger: Pick<Logger, 'warn'>; warnings?: ProviderWarnings }): BotCatalogue {
  const { prisma, providers } = deps;
  const warnings = deps.warnings ?? new ProviderWarnings(deps.logger);
  const report = (error: unknown) => {
    if (error instanceof ProviderError) warnings.warn(error);
    else deps.logger.warn({ err: error }, 'provider search failed; answering from the local catalogue');
  };

  async function searchKind(kind: TitleKind, query: string, timeoutMs: number): Promise<ProviderChoice[]> {
    const provider = providers?.forKind(kind);
    if (!provider) return [];
    try {
      const found = await provider.search(query, { kind, timeoutMs, maxAttempts: 1 });
      return found.filter((t) => t.kind === kind).map((t) => ({ name: choiceName(t, provider.attribution.label), value: providerChoiceValue(t, provider.name) }));
    } catch (error) {
      report(error);
      return [];
    }
  }

  return {
    async providerMatches(query, kind, budgetMs) {
      if (!providers || providers.enabled.length === 0 || query.trim().length < 2 || budgetMs < 50) return [];
      const kinds = kind ? KINDS.filter((k) => k === kind) : KINDS;
      const late = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), budgetMs).unref());
      const perKind = kinds.map((k) => Promise.race([searchKind(k, query, budgetMs), late]));
      const answers = await Promise.all(perKind);
      const choices = answers.flatMap((a) => (a === 'late' ? [] : a));
      return dropKnown(prisma, choices).then((c) => c.slice(0, PROVIDER_CHOICES));
    },
    async addPicked(value) {
      const picked = parseProviderChoice(value);
      if (!picked || !providers) return undefined;
      const provider = providers.byName(picked.provider);
      if (!provider) return undefined;
      // Full details (poster, overview, runtime) before anything is written; a failure leaves the catalogue as it was.
      const details = await provider.details({ kind: picked.kind, externalId: picked.externalId }, { maxAttempts: 1 });
      return (await saveProviderTitle(prisma, details)).titleId;
    },
    async media(titleIds) {
      if (titleIds.length === 0) return new Map();
      const rows = await prisma.title.findMany({
        where: { id: { in: [...titleIds] } },
        select: { id: true, imageUrl: true, runtimeMinutes: true, pageCount: true, externalIds: { select: { source: true } } },
      });
      return new Map(rows.map((r) => [r.id, { imageUrl: r.imageUrl, runtimeMinutes: r.runtimeMinutes, pageCount: r.pageCount, credits: creditsOf(r.externalIds.map((e) => e.source)) }]));
    },
    describe: () => (providers ? describeProviders(providers) : []),
  };
}

/** Provider matches that already are catalogue titles are left out: the local list shows them. */
async function dropKnown(prisma: PrismaClient, choices: ProviderChoice[]): Promise<ProviderChoice[]> {
  const parsed = choices.map((c) => ({ c, p: parseProviderChoice(c.value)! }));
  const keys = parsed.map(({ p }) => ({ source: sourceOf(p.provider, p.kind), externalId: p.externalId }));
  if (keys.length === 0) return [];
  const known = await prisma.titleExternalId.findMany({ where: { OR: keys }, select: { source: true, externalId: true } });
  const knownKeys = new Set(known.map((k) => `${k.source}|${k.externalId}`));
  return parsed.filter((_, i) => !knownKeys.has(`${keys[i]!.source}|${keys[i]!.externalId}`)).map(({ c }) => c);
}

function sourceOf(provider: ProviderName, kind: TitleKind): ExternalSource {
  if (provider === 'tmdb') return kind === 'show' ? 'tmdb_tv' : 'tmdb_movie';
  return provider;
}

/** Provider names for the footer; kept when a provider is later turned off, since the data and images stay its. */
const LABEL: Record<ProviderName, string> = { tmdb: 'TMDB', rawg: 'RAWG', openlibrary: 'Open Library', musicbrainz: 'MusicBrainz' };

function creditsOf(sources: readonly string[]): string[] {
  // Ids from bulk data sets (Goodbooks, ISBN) credit no provider.
  const fromProviders = sources.filter((s): s is ExternalSource => s in SOURCE_PROVIDER);
  return [...new Set(fromProviders.map((s) => LABEL[SOURCE_PROVIDER[s]]))];
}
