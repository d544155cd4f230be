/**
 * Games from RAWG (https://api.rawg.io/docs/): /games search and lists, /games/{id} details, key as a query
 * parameter. Chosen over IGDB because RAWG needs one API key and plain GET requests (cacheable and emulated like
 * every other provider here), where IGDB needs a Twitch application, a client-credentials token that expires and
 * must be refreshed, and POST bodies in its own query language. RAWG's terms ask for a link back to RAWG wherever
 * its data is shown. Emulated in src/emulator/providers/rawg.ts.
 */
import { z } from 'zod';
import { InputError } from '../lib/input-error.ts';
import { ProviderHttp, ProviderNotFoundError, type ProviderClientOptions } from './http.ts';
import {
  emptyTitle,
  textOrNull,
  yearOf,
  type CatalogueProvider,
  type ProviderCallOptions,
  type ProviderListName,
  type ProviderListOptions,
  type ProviderSearchOptions,
  type ProviderTitle,
  type TitleKind,
} from './types.ts';

const PAGE_SIZE = 20;
const TRENDING_DAYS = 90;

const named = z.object({ name: z.string() });
const game = z.object({
  id: z.number().int(),
  name: z.string(),
  released: z.string().nullish(),
  background_image: z.string().nullish(),
  genres: z.array(named).default([]),
  playtime: z.number().nullish(),
});
const page = z.object({ count: z.number(), next: z.string().nullish(), results: z.array(game) });
const details = game.extend({
  name_original: z.string().nullish(),
  description_raw: z.string().nullish(),
  developers: z.array(named).default([]),
  alternative_names: z.array(z.string()).default([]),
});

export interface RawgOptions extends ProviderClientOptions {
  apiKey: string;
  /** The clock the trending window is measured from. */
  now?: () => Date;
}

export class RawgProvider implements CatalogueProvider {
  readonly name = 'rawg' as const;
  readonly kinds: readonly TitleKind[] = ['game'];
  readonly lists: readonly ProviderListName[] = ['popular', 'trending'];
  readonly attribution = { provider: 'rawg', label: 'RAWG', notice: 'Game data and images from RAWG (rawg.io).', url: 'https://rawg.io' } as const;
  private readonly http: ProviderHttp;
  private readonly now: () => Date;

  constructor({ apiKey, now, ...client }: RawgOptions) {
    this.http = new ProviderHttp({ ...client, provider: 'rawg', secretQuery: { key: apiKey }, rateLimit: { limit: 5, windowMs: 1000 } });
    this.now = now ?? (() => new Date());
  }

  async search(text: string, options: ProviderSearchOptions = {}): Promise<ProviderTitle[]> {
    const query = { search: text, page: options.page ?? 1, page_size: PAGE_SIZE };
    return (await this.http.getJson('games', page, { ...options, query })).results.map((g) => this.titleOf(g));
  }

  async details(ref: { kind: TitleKind; externalId: string }, options: ProviderCallOptions = {}): Promise<ProviderTitle> {
    if (!/^\d+$/.test(ref.externalId)) throw new InputError(`A RAWG game id is a whole number; got "${ref.externalId}".`, 'id');
    const g = await this.http.getJson(`games/${ref.externalId}`, details, { ...options, notFound: `game ${ref.externalId}` });
    const original = g.name_original && g.name_original !== g.name ? g.name_original : null;
    return {
      ...this.titleOf(g),
      originalName: original,
      overview: textOrNull(g.description_raw),
      creators: g.developers.map((d) => d.name),
      alternativeNames: g.alternative_names,
      detailed: true,
    };
  }

  /** Popular: most added to collections ever; trending: most added among games released in the last 90 days. */
  async list(name: ProviderListName, options: ProviderListOptions = {}): Promise<ProviderTitle[]> {
    const query: Record<string, string | number> = { ordering: '-added', page: options.page ?? 1, page_size: PAGE_SIZE };
    if (name === 'trending') {
      const day = (d: Date) => d.toISOString().slice(0, 10);
      const today = this.now();
      query.dates = `${day(new Date(today.getTime() - TRENDING_DAYS * 86_400_000))},${day(today)}`;
    }
    // RAWG answers a page past the end with 404 "Invalid page.": the list is over.
    const body = await this.http.getJson('games', page, { ...options, query, ttlSeconds: 6 * 3600, notFound: 'such page' }).catch((error: unknown) => {
      if (error instanceof ProviderNotFoundError) return { results: [] };
      throw error;
    });
    return body.results.map((g) => this.titleOf(g));
  }

  private titleOf(g: z.infer<typeof game>): ProviderTitle {
    return emptyTitle({
      source: 'rawg',
      externalId: String(g.id),
      kind: 'game',
      name: g.name,
      year: yearOf(g.released),
      genres: g.genres.map((x) => x.name),
      imageUrl: textOrNull(g.background_image),
    });
  }
}
