import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { startProviderEmulators } from '../../../src/emulator/providers/index.ts';
import { createProviders } from '../../../src/providers/index.ts';
import { startMusicBrainzEmulator } from '../../../src/emulator/providers/musicbrainz.ts';
import { startOpenLibraryEmulator } from '../../../src/emulator/providers/openlibrary.ts';
import { RAWG_EMULATOR_KEY, startRawgEmulator } from '../../../src/emulator/providers/rawg.ts';
import type { ProviderEmulator } from '../../../src/emulator/providers/server.ts';
import { startTmdbEmulator, TMDB_EMULATOR_TOKEN } from '../../../src/emulator/providers/tmdb.ts';
import { InputError } from '../../../src/lib/input-error.ts';
import { ProviderError } from '../../../src/providers/http.ts';
import { MusicBrainzProvider } from '../../../src/providers/musicbrainz.ts';
import { OpenLibraryProvider } from '../../../src/providers/openlibrary.ts';
import { RawgProvider } from '../../../src/providers/rawg.ts';
import { TmdbProvider } from '../../../src/providers/tmdb.ts';
import type { CatalogueProvider, TitleKind } from '../../../src/providers/types.ts';

/** Waits the client asked for, recorded; actually waits at most 20 ms so tests stay quick. */
function recordingSleep(waits: number[]) {
  return (ms: number) => {
    waits.push(ms);
    return new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));
  };
}

interface Case {
  name: string;
  start(): Promise<ProviderEmulator>;
  client(url: string, timeoutMs: number, sleep: (ms: number) => Promise<void>): CatalogueProvider;
  /** Path (below the base) of the search request, and a search that finds `found`. */
  searchPath: string;
  query: string;
  found: string;
  kind: TitleKind;
  knownId: string;
  detailedName: string;
  unknownId: string;
}

const common = { cacheTtlSeconds: 0 };
const cases: Case[] = [
  {
    name: 'TMDB',
    start: () => startTmdbEmulator(),
    searchPath: '/search/movie',
    query: 'matrix',
    found: 'The Matrix',
    kind: 'movie',
    client: (apiUrl, timeoutMs, sleep) => new TmdbProvider({ ...common, token: TMDB_EMULATOR_TOKEN, apiUrl, timeoutMs, sleep }),
    knownId: '603',
    detailedName: 'The Matrix',
    unknownId: '999999',
  },
  {
    name: 'Open Library',
    start: () => startOpenLibraryEmulator(),
    searchPath: '/search.json',
    query: 'lord of the rings:',
    found: 'The Lord of the Rings',
    kind: 'book',
    client: (apiUrl, timeoutMs, sleep) => new OpenLibraryProvider({ ...common, apiUrl, timeoutMs, sleep, contact: 'ops@example.org' }),
    knownId: 'OL893415W',
    detailedName: 'Dune',
    unknownId: 'OL1W',
  },
  {
    name: 'MusicBrainz',
    start: () => startMusicBrainzEmulator({ enforceRateLimit: false }),
    searchPath: '/release-group',
    query: 'ok computer',
    found: 'OK Computer',
    kind: 'music',
    client: (apiUrl, timeoutMs, sleep) => new MusicBrainzProvider({ ...common, apiUrl, timeoutMs, sleep, contact: 'ops@example.org' }),
    knownId: '1b022e01-4da6-387b-8658-8678046e4cef',
    detailedName: 'Kind of Blue',
    unknownId: '00000000-0000-4000-8000-000000000999',
  },
  {
    name: 'RAWG',
    start: () => startRawgEmulator(),
    searchPath: '/games',
    query: 'witcher',
    found: 'The Witcher 3: Wild Hunt',
    kind: 'game',
    client: (apiUrl, timeoutMs, sleep) => new RawgProvider({ ...common, apiKey: RAWG_EMULATOR_KEY, apiUrl, timeoutMs, sleep }),
    knownId: '3498',
    detailedName: 'Grand Theft Auto V',
    unknownId: '1',
  },
];

describe.each(cases)('$name client against its emulator', (c) => {
  let emu: ProviderEmulator;
  let waits: number[];
  let client: CatalogueProvider;
  const base = () => new URL(emu.url).pathname.replace(/\/$/, '');
  const searches = () => emu.requests.filter((r) => r.path === `${base()}${c.searchPath}`);

  beforeAll(async () => {
    emu = await c.start();
  });
  afterAll(async () => emu?.close());

  function fresh(timeoutMs = 2000): CatalogueProvider {
    emu.clearFaults();
    emu.requests.length = 0;
    waits = [];
    client = c.client(emu.url, timeoutMs, recordingSleep(waits));
    return client;
  }

  it('happy path: search by text, then details by id', async () => {
    fresh();
    const results = await client.search(c.query, { kind: c.kind });
    expect(results.map((r) => r.name)).toContain(c.found);
    expect(results.every((r) => r.kind === c.kind && !r.detailed)).toBe(true);
    const detailed = await client.details({ kind: c.kind, externalId: c.knownId });
    expect(detailed).toMatchObject({ name: c.detailedName, kind: c.kind, detailed: true });
    expect(detailed.creators.length).toBeGreaterThan(0);
  });

  it('429 with Retry-After: waits as long as the provider says, then answers', async () => {
    fresh();
    emu.fail({ pathPrefix: c.searchPath, status: 429, retryAfterSeconds: 2 });
    const results = await client.search(c.query, { kind: c.kind });
    expect(results.map((r) => r.name)).toContain(c.found);
    expect(waits).toContain(2000);
    expect(searches().map((r) => r.status)).toEqual([429, 200]);
  });

  it('429 with a Retry-After too long to wait for: fails at once as rate limited', async () => {
    fresh();
    emu.fail({ pathPrefix: c.searchPath, status: 429, retryAfterSeconds: 3600 });
    await expect(client.search(c.query, { kind: c.kind })).rejects.toMatchObject({ name: 'ProviderError', failure: 'rate_limited' });
    expect(searches()).toHaveLength(1);
  });

  it('503 then 200: retried; 500 every time: fails as unavailable after a bounded number of attempts', async () => {
    fresh();
    emu.fail({ pathPrefix: c.searchPath, status: 503, retryAfterSeconds: 1 });
    expect((await client.search(c.query, { kind: c.kind })).length).toBeGreaterThan(0);
    fresh();
    emu.fail({ pathPrefix: c.searchPath, status: 500, times: 10 });
    const error = await client.search(c.query, { kind: c.kind }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ failure: 'unavailable', message: expect.stringMatching(/HTTP 500 .*after 3 attempts/) });
    expect(searches()).toHaveLength(3);
  });

  it('malformed JSON, or JSON of the wrong shape: fails as malformed without retrying', async () => {
    fresh();
    emu.fail({ pathPrefix: c.searchPath, malformed: true });
    await expect(client.search(c.query, { kind: c.kind })).rejects.toMatchObject({ failure: 'malformed', message: expect.stringContaining('not JSON') });
    emu.fail({ pathPrefix: c.searchPath, status: 200, body: { results: 'not a list', docs: 7, 'release-groups': null } });
    await expect(client.search(c.query, { kind: c.kind })).rejects.toMatchObject({ failure: 'malformed', message: expect.stringContaining('unexpected shape') });
    expect(searches()).toHaveLength(2);
  });

  it('unknown id: ProviderNotFoundError, not retried', async () => {
    fresh();
    await expect(client.details({ kind: c.kind, externalId: c.unknownId })).rejects.toMatchObject({ name: 'ProviderNotFoundError', failure: 'not_found' });
    expect(emu.requests.filter((r) => r.status === 404)).toHaveLength(1);
  });

  it("an id of the wrong shape is an input error (for the CLI's one line and the bot's reply), asking nothing", async () => {
    fresh();
    const error = await client.details({ kind: c.kind, externalId: 'not an id' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ field: 'id', message: expect.stringContaining('"not an id"') });
    expect(emu.requests).toHaveLength(0);
  });

  it('slow provider: the call fails as a timeout at the client timeout', async () => {
    fresh(200);
    emu.fail({ pathPrefix: c.searchPath, delayMs: 1500 });
    await expect(client.search(c.query, { kind: c.kind })).rejects.toMatchObject({ failure: 'timeout', message: expect.stringContaining('within 200 ms') });
  });
});

describe('MusicBrainz etiquette', () => {
  let emu: ProviderEmulator;
  beforeAll(async () => {
    emu = await startMusicBrainzEmulator();
  });
  afterAll(async () => emu?.close());

  it('sends a User-Agent naming tastebud and the contact, and keeps to one request a second (the emulator answers 503 faster)', async () => {
    const mb = new MusicBrainzProvider({ apiUrl: emu.url, contact: 'ops@example.org', cacheTtlSeconds: 0, timeoutMs: 3000 });
    await mb.search('dark side');
    await mb.search('kind of blue');
    await mb.details({ kind: 'music', externalId: 'f5093c06-23e3-404f-aeaa-40f72885ee3a' });
    expect(emu.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(emu.requests[0]!.headers['user-agent']).toBe('tastebud/0.1.0 ( ops@example.org )');
    expect(emu.requests[2]!.query).toMatchObject({ fmt: 'json', inc: 'artist-credits+genres+tags' });
  });
});

describe('RAWG key', () => {
  it('goes to RAWG as the key parameter but never into an error message', async () => {
    const emu = await startRawgEmulator({ key: 'the-real-rawg-key-123' });
    try {
      const wrong = new RawgProvider({ apiKey: 'a-wrong-rawg-key-456', apiUrl: emu.url, cacheTtlSeconds: 0, timeoutMs: 2000 });
      const error = (await wrong.search('gta').catch((e: unknown) => e)) as ProviderError;
      expect(error.failure).toBe('rejected');
      expect(error.message).not.toContain('a-wrong-rawg-key-456');
      expect(emu.requests[0]!.query.key).toBe('a-wrong-rawg-key-456');
    } finally {
      await emu.close();
    }
  });
});

describe('every provider through its *_API_URL setting', () => {
  it('startProviderEmulators gives settings that turn all four on, and each answers a search', async () => {
    const emulators = await startProviderEmulators();
    try {
      const providers = createProviders(loadConfig(emulators.settings, undefined).providers);
      expect(providers.disabled).toEqual([]);
      const found = await Promise.all(
        (['movie', 'show', 'game', 'book', 'music'] as const).map(
          async (kind) => (await providers.forKind(kind)!.search({ movie: 'dune', show: 'stranger', game: 'zelda', book: 'dune', music: 'kind of blue' }[kind], { kind }))[0]?.name,
        ),
      );
      expect(found).toEqual(['Dune: Part Two', 'Stranger Things', 'The Legend of Zelda: Breath of the Wild', 'Dune', 'Kind of Blue']);
    } finally {
      await emulators.close();
    }
  });
});
