/**
 * Bulk work against a provider: enriching MovieLens titles through their tmdbId, and importing a provider's
 * popular or trending lists. Each title is fetched in full and saved in its own transaction, so one bad answer
 * costs that title only; credentials refused or a provider down stop the run with what was saved kept.
 */
import type { PrismaClient } from '../db/client.ts';
import { InputError } from '../lib/input-error.ts';
import { ProviderError } from './http.ts';
import { ExternalIdTakenError, saveProviderTitle } from './save.ts';
import type { CatalogueProvider, ProviderListName, ProviderTitle, TitleKind } from './types.ts';

export interface CatalogueJobReport {
  added: number;
  updated: number;
  /** Ids the provider does not know, or already taken by another title. */
  skipped: number;
  /** Titles whose answer was malformed or unusable (no name); the rest went on. */
  failed: number;
  /** One line per skipped or failed title. */
  problems: string[];
}

export type Progress = (line: string) => void;

const emptyReport = (): CatalogueJobReport => ({ added: 0, updated: 0, skipped: 0, failed: 0, problems: [] });

/**
 * Failures that will hit every following title too stop the run instead of hammering the provider: credentials,
 * rate limits, a provider down or slow, and anything that is not about this title's answer (the database gone).
 */
function stopsTheRun(error: unknown): boolean {
  if (error instanceof ProviderError) return ['rejected', 'rate_limited', 'unavailable', 'timeout'].includes(error.failure);
  return !(error instanceof ExternalIdTakenError || error instanceof InputError);
}

async function fetchAndSave(db: PrismaClient, provider: CatalogueProvider, ref: { kind: TitleKind; externalId: string }, report: CatalogueJobReport, titleId?: number): Promise<void> {
  try {
    const title: ProviderTitle = await provider.details(ref);
    const saved = await saveProviderTitle(db, title, { titleId });
    if (saved.created) report.added++;
    else report.updated++;
  } catch (error) {
    if (stopsTheRun(error)) throw error;
    const missing = error instanceof ExternalIdTakenError || (error instanceof ProviderError && error.failure === 'not_found');
    if (missing) report.skipped++;
    else report.failed++;
    report.problems.push(`${provider.name} ${ref.kind} ${ref.externalId}${titleId ? ` (title ${titleId})` : ''}: ${(error as Error).message}`);
  }
}

/**
 * Fills poster, overview, runtime, language, cast, director and genres of MovieLens movies that have a tmdbId,
 * most rated first; titles enriched before are skipped unless `refresh`.
 */
export async function enrichMovieLensFromTmdb(db: PrismaClient, tmdb: CatalogueProvider, options: { limit?: number; refresh?: boolean; progress?: Progress } = {}): Promise<CatalogueJobReport> {
  const titles = await db.title.findMany({
    where: { kind: 'movie', tmdbId: { not: null }, movielensId: { not: null }, ...(options.refresh ? {} : { enrichedAt: null }) },
    orderBy: [{ ratingCount: 'desc' }, { id: 'asc' }],
    take: options.limit,
    select: { id: true, tmdbId: true },
  });
  const report = emptyReport();
  for (const [i, t] of titles.entries()) {
    await fetchAndSave(db, tmdb, { kind: 'movie', externalId: String(t.tmdbId) }, report, t.id);
    if ((i + 1) % 50 === 0) options.progress?.(`enriched ${i + 1} of ${titles.length}`);
  }
  return report;
}

/** Fetches and saves every entry of pages 1..`pages` until a page comes back empty. */
async function importPages(db: PrismaClient, provider: CatalogueProvider, pages: number, fetchPage: (page: number) => Promise<ProviderTitle[]>, progress?: Progress): Promise<CatalogueJobReport> {
  const report = emptyReport();
  for (let page = 1; page <= pages; page++) {
    const entries = await fetchPage(page);
    if (entries.length === 0) break;
    for (const entry of entries) await fetchAndSave(db, provider, { kind: entry.kind, externalId: entry.externalId }, report);
    progress?.(`page ${page}: ${report.added} added, ${report.updated} updated so far`);
  }
  return report;
}

/** Adds (or updates) every title on `pages` pages of a provider's list, fetching each in full. */
export async function importProviderList(
  db: PrismaClient,
  provider: CatalogueProvider,
  list: ProviderListName,
  options: { kind?: TitleKind; pages?: number; subject?: string; progress?: Progress } = {},
): Promise<CatalogueJobReport> {
  if (!provider.lists.includes(list)) throw new InputError(`${provider.attribution.label} has no ${list} list; it offers ${provider.lists.join(', ') || 'no lists'}.`, 'list');
  return importPages(db, provider, options.pages ?? 1, (page) => provider.list(list, { kind: options.kind, page, subject: options.subject }), options.progress);
}

/** Adds (or updates) what `pages` pages of a search by name find, fetching each in full. */
export async function importProviderSearch(
  db: PrismaClient,
  provider: CatalogueProvider,
  text: string,
  options: { kind?: TitleKind; pages?: number; progress?: Progress } = {},
): Promise<CatalogueJobReport> {
  return importPages(db, provider, options.pages ?? 1, (page) => provider.search(text, { kind: options.kind, page }), options.progress);
}
