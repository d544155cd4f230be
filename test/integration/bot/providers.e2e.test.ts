/**
 * Members meet the catalogue providers, through the Discord emulator and the provider emulators: a weak title
 * autocomplete adds provider matches within the budget, picking one adds the title (with its kind) once, embeds
 * show the poster, runtime and credit, and a slow, down or rate-limiting provider leaves the local answer.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogTitleSearch, servingRecommender } from '../../../src/bot/adapters.ts';
import { createBot, type Bot } from '../../../src/bot/bot.ts';
import { loadConfig } from '../../../src/config.ts';
import { startProviderEmulators, type ProviderEmulators } from '../../../src/emulator/providers/index.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { PostgresResponseCache } from '../../../src/providers/cache.ts';
import { createProviders } from '../../../src/providers/index.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { createServingModel } from '../../../src/serving/serving-model.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { TEST_SETTINGS } from '../../support/settings.ts';
import { captureLogs } from '../security/bot-world.ts';
import { seedTitles } from '../reliability/harness.ts';

const ALICE = '340000000000000001';
let db: TestDatabase;
let emu: DiscordEmulator;
let providerEmus: ProviderEmulators;
let queues: Queues;
let bot: Bot;
let serving: ReturnType<typeof createServingModel>;
const logs = captureLogs();

beforeAll(async () => {
  db = await createTestDatabase();
  await seedTitles(db.prisma);
  providerEmus = await startProviderEmulators();
  emu = await startDiscordEmulator({ members: [{ id: ALICE, username: 'alice' }] });
  queues = createQueues(TEST_SETTINGS.redisUrl, `tbcat-${randomBytes(3).toString('hex')}`);
  // Only TMDB and Open Library: the test is about the bot, and MusicBrainz' 1 request/s would only slow it.
  const { MUSICBRAINZ_CONTACT: _mb, RAWG_API_KEY: _rawg, ...settings } = providerEmus.settings;
  const config = loadConfig({ ...settings, PROVIDER_CACHE_TTL_SECONDS: '0' }, undefined);
  serving = createServingModel({ prisma: db.prisma, deserialize: deserializeModel, logger: logs.logger, pollIntervalMs: 0 });
  bot = createBot({
    config: { discord: { token: emu.token, applicationId: emu.applicationId, guildId: emu.guildId, apiUrl: emu.apiUrl }, rateLimit: { commands: 1000, windowSeconds: 60 } },
    prisma: db.prisma,
    queues,
    logger: logs.logger,
    search: catalogTitleSearch(db.prisma),
    recommender: servingRecommender(db.prisma, serving),
    providers: createProviders(config.providers, { cache: new PostgresResponseCache(db.prisma) }),
    outboxIntervalMs: 300,
  });
  await serving.start();
  await bot.start();
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await serving?.stop();
  await emu?.close();
  await providerEmus?.close();
  if (queues) for (const q of [queues.userEmbedding, queues.retrain, queues.reindex, queues.movieNight]) await q.obliterate({ force: true }).catch(() => {});
  await queues?.close();
  await db?.drop();
});

async function timedAutocomplete(value: string, options: Record<string, string> = {}) {
  const started = performance.now();
  const choices = await emu.autocomplete({ userId: ALICE, name: 'search', focused: 'query', value, options });
  return { choices, ms: performance.now() - started };
}

describe('members meet the catalogue providers', () => {
  it('a strong local match asks no provider; a weak one adds provider matches after the local ones', async () => {
    const before = providerEmus.tmdb.requests.length;
    const local = await timedAutocomplete('title');
    expect(local.choices.length).toBe(25);
    expect(local.choices.every((c) => /^\d+$/.test(String(c.value)))).toBe(true);
    expect(providerEmus.tmdb.requests.length).toBe(before);

    const { choices, ms } = await timedAutocomplete('matrix');
    expect(ms).toBeLessThan(3000);
    const matrix = choices.find((c) => String(c.value) === 'p:tmdb:movie:603');
    expect(matrix?.name).toBe('The Matrix (1999) · movie · TMDB');
  });

  it('kind narrows autocomplete to that kind’s provider', async () => {
    const { choices } = await timedAutocomplete('dune', { kind: 'book' });
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.every((c) => String(c.value).startsWith('p:openlibrary:book:'))).toBe(true);
  });

  it('picking a provider match adds the title once, and /search shows its poster, runtime and credit', async () => {
    for (let round = 0; round < 2; round++) {
      const i = await emu.runCommand({ userId: ALICE, name: 'search', options: { query: 'p:tmdb:movie:603' } });
      await i.settled();
      const embed = i.finalEmbeds()[0]!;
      expect(embed.title).toBe('The Matrix (1999)');
      expect(embed.thumbnail?.url).toMatch(/^https?:\/\/.*matrix\.jpg$/);
      expect(JSON.stringify(embed.fields)).toContain('2 h 16 min');
      expect(embed.footer?.text).toContain('Data and images: TMDB');
    }
    const rows = await db.prisma.title.findMany({ where: { name: 'The Matrix' }, select: { kind: true, externalIds: true } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('movie');
    // Now local, the provider no longer offers it as a provider match (a new text: answers are reused for 30 s).
    const { choices } = await timedAutocomplete('the matrix');
    expect(choices.some((c) => String(c.value) === 'p:tmdb:movie:603')).toBe(false);
    expect(choices.some((c) => c.name === 'The Matrix (1999)')).toBe(true);
  });

  it('/rate with a picked book adds it as a book', async () => {
    const { choices } = await timedAutocomplete('dune', { kind: 'book' });
    const i = await emu.runCommand({ userId: ALICE, name: 'rate', options: { title: String(choices[0]!.value), score: 4, kind: 'book' } });
    await i.settled();
    expect(i.finalContent()).toMatch(/^Rated \*\*Dune.*4★/);
    const book = await db.prisma.title.findFirst({ where: { kind: 'book', name: { startsWith: 'Dune' } } });
    expect(book).not.toBeNull();
  });

  it('a slow provider costs its matches, not the answer: local choices within the budget, one warning a minute', async () => {
    logs.lines.length = 0;
    providerEmus.tmdb.fail({ delayMs: 4000, times: 2 });
    for (const value of ['confessions', 'confessions of']) {
      const { choices, ms } = await timedAutocomplete(value, { kind: 'movie' });
      expect(ms).toBeLessThan(2800);
      expect(choices.every((c) => !String(c.value).startsWith('p:'))).toBe(true);
    }
    const warnings = logs.lines.filter((l) => l.level === 40 && l.provider === 'tmdb');
    expect(warnings).toHaveLength(1);
  });

  it('a provider that fails on the pick adds nothing and says so in one line', async () => {
    providerEmus.tmdb.fail({ status: 500, times: 2 });
    const before = await db.prisma.title.count();
    const i = await emu.runCommand({ userId: ALICE, name: 'search', options: { query: 'p:tmdb:movie:4912' } });
    await i.settled();
    expect(i.finalContent()).toMatch(/could not give that title's details just now/);
    expect(await db.prisma.title.count()).toBe(before);
  });

  it('a pick whose id the provider cannot take gets a clear reply, not an internal error', async () => {
    const i = await emu.runCommand({ userId: ALICE, name: 'search', options: { query: 'p:tmdb:game:603' } });
    await i.settled();
    expect(i.finalContent()).toBe('TMDB catalogues movies and shows, not games.');
  });

  it('/help lists the providers: on with their attribution, off with how to turn them on', async () => {
    const i = await emu.runCommand({ userId: ALICE, name: 'help' });
    await i.settled();
    const text = i.finalContent() ?? '';
    expect(text).toContain('This product uses the TMDB API but is not endorsed or certified by TMDB.');
    expect(text).toMatch(/off: rawg .*RAWG_API_KEY/);
    expect(text.length).toBeLessThanOrEqual(2000);
  });
});
