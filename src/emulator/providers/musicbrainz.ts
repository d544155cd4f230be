/**
 * A local MusicBrainz web service (https://musicbrainz.org/doc/MusicBrainz_API) under /ws/2 serving
 * fixtures/catalogue.ts MUSIC_FIXTURES: release-group search (query, limit, offset) and lookup by MBID (inc), JSON
 * with fmt=json. Like MusicBrainz it refuses requests without a User-Agent and answers a client going faster than
 * one request a second with 503, unless `enforceRateLimit: false`.
 */
import { MUSIC_FIXTURES, type MusicFixture } from './fixtures/catalogue.ts';
import { matches, ProviderEmulator, type RouteAnswer } from './server.ts';

const notFound: RouteAnswer = { status: 404, body: { error: 'Not Found', help: 'For usage, please see: https://musicbrainz.org/development/mmd' } };
const MBID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function releaseGroup(m: MusicFixture, inc: string[], score?: number): Record<string, unknown> {
  const credit = m.artists.map((name, i) => ({ name, joinphrase: i < m.artists.length - 1 ? ' & ' : '', artist: { id: `00000000-0000-4000-8000-00000000000${i}`, name, 'sort-name': name } }));
  return {
    id: m.id,
    title: m.title,
    'primary-type': m.type,
    'secondary-types': [],
    'first-release-date': m.date,
    ...(score !== undefined ? { score, 'artist-credit': credit, tags: m.genres } : {}),
    ...(inc.includes('artist-credits') ? { 'artist-credit': credit } : {}),
    ...(inc.includes('genres') ? { genres: m.genres.map((g) => ({ ...g, id: '', disambiguation: '' })) } : {}),
    ...(inc.includes('tags') ? { tags: m.genres } : {}),
  };
}

export async function startMusicBrainzEmulator(options: { fixtures?: MusicFixture[]; enforceRateLimit?: boolean } = {}): Promise<ProviderEmulator> {
  const music = options.fixtures ?? MUSIC_FIXTURES;
  let last = 0;
  const emulator = new ProviderEmulator(
    [
      {
        path: '/release-group',
        answer: (_, query) => {
          if (query.get('fmt') !== 'json') return { status: 400, body: { error: 'This emulator speaks fmt=json only.' } };
          const limit = Math.min(Number(query.get('limit') ?? '25'), 100);
          const offset = Number(query.get('offset') ?? '0');
          const found = music.filter((m) => matches(query.get('query') ?? '', m.title, ...m.artists));
          return {
            status: 200,
            body: { created: '2026-12-01T00:00:00.000Z', count: found.length, offset, 'release-groups': found.slice(offset, offset + limit).map((m) => releaseGroup(m, [], 100)) },
          };
        },
      },
      {
        path: '/release-group/:mbid',
        answer: ({ mbid }, query) => {
          if (!MBID.test(mbid!)) return { status: 400, body: { error: 'Invalid mbid.', help: 'For usage, please see: https://musicbrainz.org/development/mmd' } };
          const found = music.find((m) => m.id === mbid);
          return found ? { status: 200, body: releaseGroup(found, (query.get('inc') ?? '').split(/[+ ]/)) } : notFound;
        },
      },
    ],
    {
      basePath: '/ws/2',
      notFound,
      authorize: (request) => {
        if (!request.headers['user-agent']) return { status: 403, body: { error: 'Requests need a meaningful User-Agent.' } };
        const now = Date.now();
        // 50 ms of slack: the client spaces its requests a second apart when sent, not when they arrive.
        if (options.enforceRateLimit !== false && now - last < 950) {
          return { status: 503, body: { error: 'Your requests are exceeding the allowable rate limit. Please see https://wiki.musicbrainz.org/XMLWebService for more information.' } };
        }
        last = now;
        return null;
      },
    },
  );
  return emulator.listen();
}
