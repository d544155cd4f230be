/**
 * A local RAWG API (https://api.rawg.io/docs/) under /api serving fixtures/catalogue.ts GAME_FIXTURES: /games
 * (search, ordering=-added, dates, page, page_size, with count/next/previous) and /games/{id}. Every request
 * needs `key`; RAWG-style errors ({"detail": "Not found."}, {"error": ...}).
 */
import { GAME_FIXTURES, type GameFixture } from './fixtures/catalogue.ts';
import { matches, pageOf, ProviderEmulator, type RouteAnswer } from './server.ts';

export const RAWG_EMULATOR_KEY = 'emulated-rawg-key';
const notFound: RouteAnswer = { status: 404, body: { detail: 'Not found.' } };

const summary = (g: GameFixture) => ({
  id: g.id,
  slug: g.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
  name: g.name,
  released: g.released,
  tba: false,
  background_image: g.image,
  rating: 4.4,
  added: g.added,
  playtime: 40,
  genres: g.genres.map((name, i) => ({ id: i + 1, name, slug: name.toLowerCase() })),
});

export async function startRawgEmulator(options: { fixtures?: GameFixture[]; key?: string } = {}): Promise<ProviderEmulator> {
  const games = options.fixtures ?? GAME_FIXTURES;
  const key = options.key ?? RAWG_EMULATOR_KEY;
  const emulator = new ProviderEmulator(
    [
      {
        path: '/games',
        answer: (_, query) => {
          const page = Number(query.get('page') ?? '1');
          const size = Math.min(Number(query.get('page_size') ?? '20'), 40);
          let found = games.filter((g) => !query.get('search') || matches(query.get('search')!, g.name, ...g.alternativeNames));
          const dates = query.get('dates')?.split(',');
          if (dates?.length === 2) found = found.filter((g) => g.released >= dates[0]! && g.released <= dates[1]!);
          if (query.get('ordering') === '-added') found = [...found].sort((a, b) => b.added - a.added);
          const items = pageOf(found, page, size);
          if (items.length === 0 && page > 1) return { status: 404, body: { detail: 'Invalid page.' } };
          const next = page * size < found.length ? `https://api.rawg.io/api/games?page=${page + 1}` : null;
          return { status: 200, body: { count: found.length, next, previous: page > 1 ? `https://api.rawg.io/api/games?page=${page - 1}` : null, results: items.map(summary) } };
        },
      },
      {
        path: '/games/:id',
        answer: ({ id }) => {
          const g = games.find((x) => String(x.id) === id);
          if (!g) return notFound;
          return {
            status: 200,
            body: {
              ...summary(g),
              name_original: g.name,
              description: `<p>${g.description}</p>`,
              description_raw: g.description,
              alternative_names: g.alternativeNames,
              developers: g.developers.map((name, i) => ({ id: i + 1, name })),
            },
          };
        },
      },
    ],
    {
      basePath: '/api',
      notFound,
      authorize: (_, query) => {
        const given = query.get('key');
        if (!given) return { status: 401, body: { error: 'The key parameter is not provided' } };
        return given === key ? null : { status: 401, body: { error: 'Invalid API key' } };
      },
    },
  );
  return emulator.listen();
}
