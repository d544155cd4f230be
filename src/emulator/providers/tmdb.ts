/**
 * A local TMDB API v3 (https://developer.themoviedb.org/reference) serving src/emulator/providers/fixtures/tmdb.ts:
 * configuration, genre lists, search/movie and search/tv, movie/{id} and tv/{id} with append_to_response
 * (credits, alternative_titles), movie|tv/popular and trending/{media_type}/{time_window}, pages of 20. Requests
 * need `Authorization: Bearer <token>`; errors carry TMDB's { success, status_code, status_message } bodies.
 */
import { TMDB_FIXTURES, TMDB_MOVIE_GENRES, TMDB_TV_GENRES, type TmdbFixture } from './fixtures/tmdb.ts';
import { matches, pageOf, ProviderEmulator, type RouteAnswer } from './server.ts';

export const TMDB_EMULATOR_TOKEN = 'emulated-tmdb-read-access-token';
const PAGE_SIZE = 20;
const notFound: RouteAnswer = { status: 404, body: { success: false, status_code: 34, status_message: 'The resource you requested could not be found.' } };

function summary(f: TmdbFixture, withMediaType = false): Record<string, unknown> {
  const common = {
    id: f.id,
    adult: false,
    original_language: f.originalLanguage,
    overview: f.overview,
    poster_path: f.posterPath,
    backdrop_path: null,
    genre_ids: f.genreIds,
    popularity: f.popularity,
    vote_average: 7.5,
    vote_count: 1000,
    ...(withMediaType ? { media_type: f.media } : {}),
  };
  return f.media === 'movie'
    ? { ...common, title: f.name, original_title: f.originalName ?? f.name, release_date: f.date, video: false }
    : { ...common, name: f.name, original_name: f.originalName ?? f.name, first_air_date: f.date, origin_country: ['US'] };
}

function details(f: TmdbFixture, append: string[]): Record<string, unknown> {
  const genres = (f.media === 'movie' ? TMDB_MOVIE_GENRES : TMDB_TV_GENRES).filter((g) => f.genreIds.includes(g.id));
  const { genre_ids: _ids, ...base } = summary(f);
  const body: Record<string, unknown> = { ...base, genres, status: 'Released', tagline: '', homepage: '' };
  if (f.media === 'movie') Object.assign(body, { runtime: f.runtime ?? null, imdb_id: null });
  else Object.assign(body, { episode_run_time: f.runtime ? [f.runtime] : [], created_by: f.creators.map((name, i) => ({ id: i + 1, name })) });
  if (append.includes('credits')) {
    body.credits = {
      cast: f.cast.map((name, order) => ({ id: order + 1, name, character: '', order })),
      crew: f.media === 'movie' ? f.creators.map((name, i) => ({ id: 100 + i, name, job: 'Director', department: 'Directing' })) : [],
    };
  }
  if (append.includes('alternative_titles')) {
    const titles = f.alternativeTitles.map((t) => ({ iso_3166_1: t.country, title: t.title, type: '' }));
    body.alternative_titles = f.media === 'movie' ? { titles } : { results: titles };
  }
  return body;
}

function paged(items: TmdbFixture[], query: URLSearchParams, withMediaType = false): RouteAnswer {
  const page = Number(query.get('page') ?? '1');
  if (!Number.isInteger(page) || page < 1 || page > 500) {
    return { status: 400, body: { success: false, status_code: 22, status_message: 'Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.' } };
  }
  return {
    status: 200,
    body: { page, results: pageOf(items, page, PAGE_SIZE).map((f) => summary(f, withMediaType)), total_pages: Math.max(1, Math.ceil(items.length / PAGE_SIZE)), total_results: items.length },
  };
}

const byPopularity = (media: 'movie' | 'tv', fixtures: TmdbFixture[]) => fixtures.filter((f) => f.media === media).sort((a, b) => b.popularity - a.popularity);

export async function startTmdbEmulator(options: { fixtures?: TmdbFixture[]; token?: string } = {}): Promise<ProviderEmulator> {
  const fixtures = options.fixtures ?? TMDB_FIXTURES;
  const token = options.token ?? TMDB_EMULATOR_TOKEN;
  const media = (m: string) => (m === 'movie' || m === 'tv' ? m : null);
  const emulator = new ProviderEmulator(
    [
      {
        path: '/configuration',
        answer: () => ({
          status: 200,
          body: {
            images: {
              base_url: 'http://image.tmdb.org/t/p/',
              secure_base_url: 'https://image.tmdb.org/t/p/',
              backdrop_sizes: ['w300', 'w780', 'w1280', 'original'],
              logo_sizes: ['w45', 'w92', 'w154', 'w185', 'w300', 'w500', 'original'],
              poster_sizes: ['w92', 'w154', 'w185', 'w342', 'w500', 'w780', 'original'],
              profile_sizes: ['w45', 'w185', 'h632', 'original'],
              still_sizes: ['w92', 'w185', 'w300', 'original'],
            },
            change_keys: ['title', 'overview'],
          },
        }),
      },
      { path: '/genre/movie/list', answer: () => ({ status: 200, body: { genres: TMDB_MOVIE_GENRES } }) },
      { path: '/genre/tv/list', answer: () => ({ status: 200, body: { genres: TMDB_TV_GENRES } }) },
      {
        path: '/search/:media',
        answer: ({ media: m }, query) => {
          const kind = media(m!);
          if (!kind) return notFound;
          const text = query.get('query') ?? '';
          const found = text ? fixtures.filter((f) => f.media === kind && matches(text, f.name, f.originalName)) : [];
          return paged(
            found.sort((a, b) => b.popularity - a.popularity),
            query,
          );
        },
      },
      { path: '/:media/popular', answer: ({ media: m }, query) => (media(m!) ? paged(byPopularity(media(m!)!, fixtures), query) : notFound) },
      {
        path: '/trending/:media/:window',
        answer: ({ media: m, window }, query) => {
          if (window !== 'day' && window !== 'week') return notFound;
          const kinds = m === 'all' ? ['movie', 'tv'] : media(m!) ? [m] : [];
          if (kinds.length === 0) return notFound;
          return paged(
            fixtures.filter((f) => f.trending && kinds.includes(f.media)).sort((a, b) => b.popularity - a.popularity),
            query,
            true,
          );
        },
      },
      {
        path: '/:media/:id',
        answer: ({ media: m, id }, query) => {
          const found = fixtures.find((f) => f.media === media(m!) && String(f.id) === id);
          if (!found) return notFound;
          return { status: 200, body: details(found, (query.get('append_to_response') ?? '').split(',')) };
        },
      },
    ],
    {
      basePath: '/3',
      notFound,
      authorize: (request) =>
        request.headers.authorization === `Bearer ${token}` ? null : { status: 401, body: { success: false, status_code: 7, status_message: 'Invalid API key: You must be granted a valid key.' } },
    },
  );
  return emulator.listen();
}
