import type { PrismaClient } from '../src/db/client.ts';
import type { Logger } from '../src/log.ts';
import { importProviderList, type CatalogueJobReport } from '../src/providers/catalogue-jobs.ts';
import { ProviderError, type Providers } from '../src/providers/index.ts';
import type { CatalogueProvider, ProviderListName, ProviderName, TitleKind } from '../src/providers/types.ts';

export interface TrendingRefreshDeps {
  prisma: PrismaClient;
  providers: Providers;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export interface TrendingRefreshResult {
  /** Per provider and kind: what the import did. */
  imported: { provider: ProviderName; kind: TitleKind; list: ProviderListName; added: number; updated: number; skipped: number; failed: number }[];
  /** Providers that failed (down, rate limiting, refusing the key): each logged one warning; the rest went on. */
  failedProviders: ProviderName[];
}

/**
 * The list each provider is refreshed from: TMDB's trending (what members talk about this week), RAWG's popular
 * (its "trending" is only the last 90 days' releases), Open Library's weekly trending (its popular lists need a
 * subject); MusicBrainz has none.
 */
const REFRESH_LIST: Record<ProviderName, ProviderListName | undefined> = { tmdb: 'trending', rawg: 'popular', openlibrary: 'trending', musicbrainz: undefined };

function refreshList(provider: CatalogueProvider): ProviderListName | undefined {
  const list = REFRESH_LIST[provider.name];
  return list && provider.lists.includes(list) ? list : undefined;
}

/**
 * The daily trending refresh (TRENDING_REFRESH_CRON): imports `pages` pages of every enabled provider's trending
 * (or popular) list per kind, through the same import as `tastebud import tmdb --trending`. Titles merge by external
 * id, so a second run updates what the first added and duplicates nothing. A provider that fails logs one warning
 * and is left for the next run; the database failing fails the job (BullMQ retries it).
 */
export async function refreshTrending(deps: TrendingRefreshDeps, options: { pages?: number } = {}): Promise<TrendingRefreshResult> {
  const result: TrendingRefreshResult = { imported: [], failedProviders: [] };
  for (const provider of deps.providers.enabled) {
    const list = refreshList(provider);
    if (!list) continue;
    try {
      for (const kind of provider.kinds) {
        const report: CatalogueJobReport = await importProviderList(deps.prisma, provider, list, { kind, pages: options.pages ?? 1 });
        const { problems: _, ...counts } = report;
        result.imported.push({ provider: provider.name, kind, list, ...counts });
      }
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      result.failedProviders.push(provider.name);
      deps.logger.warn({ provider: provider.name, failure: error.failure }, `trending refresh: ${error.message} The other providers were refreshed; this one waits for the next run.`);
    }
  }
  deps.logger.info({ imported: result.imported, failedProviders: result.failedProviders }, 'trending titles refreshed');
  return result;
}

/** Whether any enabled provider has a list the refresh would read; without one the schedule stays off. */
export function canRefreshTrending(providers: Providers | undefined): boolean {
  return providers?.enabled.some((p) => refreshList(p) !== undefined) ?? false;
}
