/**
 * The catalogue providers this deployment has turned on, built from the settings (src/config.ts), and the ones
 * it has not, with the one setting that turns each on. The place callers get providers and attributions from.
 */
import type { ProviderSettings } from '../config.ts';
import type { ResponseCache } from './http.ts';
import { MusicBrainzProvider } from './musicbrainz.ts';
import { OpenLibraryProvider } from './openlibrary.ts';
import { RawgProvider } from './rawg.ts';
import { TmdbProvider } from './tmdb.ts';
import type { Attribution, CatalogueProvider, DisabledProvider, ProviderName, TitleKind } from './types.ts';

export { ProviderError, ProviderNotFoundError, type ProviderFailure } from './http.ts';
export type * from './types.ts';

export interface Providers {
  enabled: CatalogueProvider[];
  disabled: DisabledProvider[];
  /** The enabled provider for a kind, if any. */
  forKind(kind: TitleKind): CatalogueProvider | undefined;
  byName(name: ProviderName): CatalogueProvider | undefined;
  /** Attribution of every enabled provider, for README-like listings, /help and embed footers. */
  attributions(): Attribution[];
}

export const HOW_TO_ENABLE: Record<ProviderName, string> = {
  tmdb: 'set TMDB_TOKEN to a TMDB API read-access token (themoviedb.org > Settings > API)',
  rawg: 'set RAWG_API_KEY to a RAWG API key (rawg.io/apidocs)',
  openlibrary: 'set OPENLIBRARY_ENABLED=true',
  musicbrainz: 'set MUSICBRAINZ_CONTACT to an email address or URL MusicBrainz can reach you at',
};

const KINDS: Record<ProviderName, readonly TitleKind[]> = { tmdb: ['movie', 'show'], rawg: ['game'], openlibrary: ['book'], musicbrainz: ['music'] };

export function createProviders(settings: ProviderSettings, deps: { cache?: ResponseCache | null; sleep?: (ms: number) => Promise<void> } = {}): Providers {
  const common = { cache: deps.cache ?? null, cacheTtlSeconds: settings.cacheTtlSeconds, timeoutMs: settings.timeoutMs, sleep: deps.sleep };
  const { tmdb, rawg, openLibrary, musicBrainz } = settings;
  const built: Record<ProviderName, CatalogueProvider | null> = {
    tmdb: tmdb.token ? new TmdbProvider({ ...common, token: tmdb.token, apiUrl: tmdb.apiUrl }) : null,
    rawg: rawg.apiKey ? new RawgProvider({ ...common, apiKey: rawg.apiKey, apiUrl: rawg.apiUrl }) : null,
    openlibrary: openLibrary.enabled ? new OpenLibraryProvider({ ...common, apiUrl: openLibrary.apiUrl, contact: musicBrainz.contact }) : null,
    musicbrainz: musicBrainz.contact ? new MusicBrainzProvider({ ...common, apiUrl: musicBrainz.apiUrl, contact: musicBrainz.contact }) : null,
  };
  const names = Object.keys(built) as ProviderName[];
  const enabled = names.map((n) => built[n]).filter((p): p is CatalogueProvider => p !== null);
  const disabled = names.filter((n) => built[n] === null).map((name) => ({ name, kinds: KINDS[name], howToEnable: HOW_TO_ENABLE[name] }));
  return {
    enabled,
    disabled,
    forKind: (kind) => enabled.find((p) => p.kinds.includes(kind)),
    byName: (name) => built[name] ?? undefined,
    attributions: () => enabled.map((p) => p.attribution),
  };
}

/**
 * One line per provider: on, with the attribution its terms ask for, or off, with how to turn it on. For
 * `tastebud providers` and the bot's /help.
 */
export function describeProviders(providers: Providers): string[] {
  return [
    ...providers.enabled.map((p) => `on   ${p.attribution.label} (${p.kinds.join(', ')}): ${p.attribution.notice}`),
    ...providers.disabled.map((d) => `off  ${d.name} (${d.kinds.join(', ')}): to turn it on, ${d.howToEnable}`),
  ];
}

/** The provider `name`, or an error saying it is off and how to turn it on (one line, for the CLI and /help). */
export function requireProvider(providers: Providers, name: ProviderName): CatalogueProvider {
  const provider = providers.byName(name);
  if (provider) return provider;
  throw new ProviderOffError(name);
}

export class ProviderOffError extends Error {
  override name = 'ProviderOffError';
  constructor(readonly provider: ProviderName) {
    super(`${provider} is off; to turn it on, ${HOW_TO_ENABLE[provider]}.`);
  }
}
