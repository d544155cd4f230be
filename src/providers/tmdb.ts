/**
 * Movies and shows from TMDB API v3 (https://developer.themoviedb.org/reference), authenticated with the
 * read-access token as a Bearer token. Image URLs are built from /configuration, genre names from the genre
 * lists; both are cached for a week. Shapes checked against TMDB's documentation; the emulator in
 * src/emulator/providers/tmdb.ts speaks the same ones.
 */
import { z } from 'zod';
import { InputError } from '../lib/input-error.ts';
import { ProviderHttp, type ProviderClientOptions } from './http.ts';
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

const WEEK_SECONDS = 7 * 24 * 3600;
/** Cast members kept per title, in billing order. */
const TOP_CAST = 5;

const genre = z.object({ id: z.number(), name: z.string() });
const summary = z.object({
  id: z.number().int(),
  title: z.string().optional(),
  name: z.string().optional(),
  original_title: z.string().optional(),
  original_name: z.string().optional(),
  original_language: z.string().nullish(),
  overview: z.string().nullish(),
  poster_path: z.string().nullish(),
  release_date: z.string().nullish(),
  first_air_date: z.string().nullish(),
  genre_ids: z.array(z.number()).default([]),
  media_type: z.string().optional(),
});
const page = z.object({ page: z.number(), results: z.array(summary), total_pages: z.number(), total_results: z.number() });
const credits = z.object({
  cast: z.array(z.object({ name: z.string(), order: z.number().optional() })).default([]),
  crew: z.array(z.object({ name: z.string(), job: z.string().nullish() })).default([]),
});
const alternativeTitle = z.object({ title: z.string(), iso_3166_1: z.string().nullish(), type: z.string().nullish() });
const movieDetails = summary.extend({
  title: z.string(),
  runtime: z.number().nullish(),
  genres: z.array(genre).default([]),
  imdb_id: z.string().nullish(),
  credits: credits.optional(),
  alternative_titles: z.object({ titles: z.array(alternativeTitle) }).optional(),
});
const tvDetails = summary.extend({
  name: z.string(),
  episode_run_time: z.array(z.number()).default([]),
  genres: z.array(genre).default([]),
  created_by: z.array(z.object({ name: z.string() })).default([]),
  credits: credits.optional(),
  // TV alternative titles come as `results`, movie ones as `titles`.
  alternative_titles: z.object({ results: z.array(alternativeTitle) }).optional(),
});
const configuration = z.object({
  images: z.object({ secure_base_url: z.string().url(), poster_sizes: z.array(z.string()).min(1) }),
});
const genreList = z.object({ genres: z.array(genre) });

type Summary = z.infer<typeof summary>;
type Media = 'movie' | 'tv';

export interface TmdbOptions extends ProviderClientOptions {
  /** The API read-access token. */
  token: string;
}

export const TMDB_ATTRIBUTION = {
  provider: 'tmdb',
  label: 'TMDB',
  notice: 'This product uses the TMDB API but is not endorsed or certified by TMDB.',
  url: 'https://www.themoviedb.org',
} as const;

export class TmdbProvider implements CatalogueProvider {
  readonly name = 'tmdb' as const;
  readonly kinds: readonly TitleKind[] = ['movie', 'show'];
  readonly lists: readonly ProviderListName[] = ['popular', 'trending'];
  readonly attribution = TMDB_ATTRIBUTION;
  private readonly http: ProviderHttp;

  constructor({ token, ...client }: TmdbOptions) {
    // TMDB allows about 50 requests a second per IP; stay well under it.
    this.http = new ProviderHttp({ ...client, provider: 'tmdb', headers: { authorization: `Bearer ${token}` }, rateLimit: { limit: 20, windowMs: 1000 } });
  }

  async search(text: string, options: ProviderSearchOptions = {}): Promise<ProviderTitle[]> {
    const media = mediaOf(options.kind);
    const query = { query: text, page: options.page ?? 1, include_adult: 'false' };
    const body = await this.http.getJson(`search/${media}`, page, { ...options, query });
    return this.summaries(body.results, media, options);
  }

  async details(ref: { kind: TitleKind; externalId: string }, options: ProviderCallOptions = {}): Promise<ProviderTitle> {
    const media = mediaOf(ref.kind);
    if (!/^\d+$/.test(ref.externalId)) throw new InputError(`A TMDB id is a whole number; got "${ref.externalId}".`, 'id');
    const get = { ...options, query: { append_to_response: 'credits,alternative_titles' }, notFound: `${media} ${ref.externalId}` };
    const imageBase = await this.imageBase(options);
    if (media === 'movie') {
      const m = await this.http.getJson(`movie/${ref.externalId}`, movieDetails, get);
      return {
        ...this.summaryTitle(m, 'movie', imageBase, new Map()),
        genres: m.genres.map((g) => g.name),
        runtimeMinutes: m.runtime || null,
        cast: topCast(m.credits),
        creators: (m.credits?.crew ?? []).filter((c) => c.job === 'Director').map((c) => c.name),
        alternativeNames: (m.alternative_titles?.titles ?? []).map((t) => t.title),
        detailed: true,
      };
    }
    const t = await this.http.getJson(`tv/${ref.externalId}`, tvDetails, get);
    return {
      ...this.summaryTitle(t, 'tv', imageBase, new Map()),
      genres: t.genres.map((g) => g.name),
      runtimeMinutes: t.episode_run_time[0] ?? null,
      cast: topCast(t.credits),
      creators: t.created_by.map((c) => c.name),
      alternativeNames: (t.alternative_titles?.results ?? []).map((a) => a.title),
      detailed: true,
    };
  }

  async list(name: ProviderListName, options: ProviderListOptions = {}): Promise<ProviderTitle[]> {
    const media = mediaOf(options.kind);
    const path = name === 'trending' ? `trending/${media}/week` : `${media}/popular`;
    const body = await this.http.getJson(path, page, { ...options, query: { page: options.page ?? 1 }, ttlSeconds: 6 * 3600 });
    return this.summaries(body.results, media, options);
  }

  /** `secure_base_url` + the poster size nearest 500 px wide, e.g. https://image.tmdb.org/t/p/w500. */
  private async imageBase(options: ProviderCallOptions): Promise<string> {
    const body = await this.http.getJson('configuration', configuration, { ...options, ttlSeconds: WEEK_SECONDS });
    const sizes = body.images.poster_sizes;
    const size = sizes.includes('w500') ? 'w500' : (sizes.filter((s) => s !== 'original').at(-1) ?? sizes[0]!);
    return `${body.images.secure_base_url.replace(/\/+$/, '')}/${size}`;
  }

  private async genreNames(media: Media, options: ProviderCallOptions): Promise<Map<number, string>> {
    const body = await this.http.getJson(`genre/${media}/list`, genreList, { ...options, ttlSeconds: WEEK_SECONDS });
    return new Map(body.genres.map((g) => [g.id, g.name]));
  }

  private async summaries(results: Summary[], media: Media, options: ProviderCallOptions): Promise<ProviderTitle[]> {
    if (results.length === 0) return [];
    const [imageBase, genres] = await Promise.all([this.imageBase(options), this.genreNames(media, options)]);
    return results.filter((r) => (r.media_type ?? media) === media).map((r) => this.summaryTitle(r, media, imageBase, genres));
  }

  private summaryTitle(r: Summary, media: Media, imageBase: string, genres: Map<number, string>): ProviderTitle {
    const name = (media === 'movie' ? r.title : r.name) ?? r.title ?? r.name ?? '';
    const original = media === 'movie' ? r.original_title : r.original_name;
    return emptyTitle({
      source: media === 'movie' ? 'tmdb_movie' : 'tmdb_tv',
      externalId: String(r.id),
      kind: media === 'movie' ? 'movie' : 'show',
      name,
      originalName: original && original !== name ? original : null,
      year: yearOf(media === 'movie' ? r.release_date : r.first_air_date),
      overview: textOrNull(r.overview),
      genres: r.genre_ids.map((id) => genres.get(id)).filter((g): g is string => g !== undefined),
      imageUrl: r.poster_path ? `${imageBase}${r.poster_path}` : null,
      originalLanguage: textOrNull(r.original_language),
    });
  }
}

function mediaOf(kind: TitleKind | undefined): Media {
  if (kind === undefined || kind === 'movie') return 'movie';
  if (kind === 'show') return 'tv';
  throw new InputError(`TMDB catalogues movies and shows, not ${kind}s.`, 'kind');
}

function topCast(c: z.infer<typeof credits> | undefined): string[] {
  return [...(c?.cast ?? [])]
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    .slice(0, TOP_CAST)
    .map((p) => p.name);
}
