// Title autocomplete latency with the catalogue providers on (issue #17). The real bot answers `/search query:`
// autocompletes from the Discord emulator over ml-latest-small in PostgreSQL; the provider emulators stand in for
// TMDB, RAWG, Open Library and MusicBrainz (local HTTP, fixtures: their own latency is ~0, so the figures are the
// bot's, the database's and the clients' cost, not the internet's). Scenarios:
//   local only:             no provider on; queries with strong and with weak local matches;
//   providers, strong:      providers on, a strong local match (5+ names contain the text): no provider is asked;
//   providers, weak uncached: a weak local match, PROVIDER_CACHE_TTL_SECONDS=0: every provider asked each time;
//   providers, weak cached:   the same with the PostgreSQL response cache warmed by one pass first.
// Every sample comes from a different member, so the bot's own per-member answer cache never answers.
// Usage: npx tsx bench/autocomplete.ts [--dir DIR] [--rounds 10] [--providers tmdb,rawg,openlibrary,musicbrainz]
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { catalogTitleSearch, servingRecommender } from '../src/bot/adapters.ts';
import { createBot } from '../src/bot/bot.ts';
import { AUTOCOMPLETE_BUDGET_MS } from '../src/bot/titles.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma, type PrismaClient } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../src/emulator/index.ts';
import { startProviderEmulators } from '../src/emulator/providers/index.ts';
import { importMovieLens } from '../src/import/movielens.ts';
import { createLogger } from '../src/log.ts';
import { percentile } from '../src/online/measures.ts';
import { PostgresResponseCache } from '../src/providers/cache.ts';
import { createProviders, type Providers } from '../src/providers/index.ts';
import { deserializeModel } from '../src/model/index.ts';
import { createQueues } from '../src/queue/queues.ts';
import { createServingModel } from '../src/serving/serving-model.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';
import { createDatabase, dropDatabase, onServer, serverUrl } from '../test/support/postgres.ts';
import { TEST_DATABASE_PREFIX, TEST_SETTINGS } from '../test/support/settings.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    rounds: { type: 'string', default: '10' },
    providers: { type: 'string', default: 'tmdb,rawg,openlibrary,musicbrainz' },
  },
});
values.dir ??= await movieLensOrStop();
const rounds = Number(values.rounds);

/** Five or more ml-latest-small titles contain each: the local answer is strong. */
const STRONG = ['star', 'love', 'man', 'war', 'night', 'god', 'life', 'day', 'king', 'dead'];
/** Fewer than five contain each (titles MovieLens lacks, half of them in the provider fixtures). */
const WEAK = ['breaking bad', 'stranger things', 'game of thrones', 'dune part two', 'the witcher 3', 'portal 2', 'foundation asimov', 'ok computer', 'abbey road', 'hades'];

/** Which providers to turn on, as the environment settings the emulators give. */
function providerSettings(all: Record<string, string>): Record<string, string> {
  const on = new Set(values.providers.split(','));
  const keep = (name: string, keys: string[]) => (on.has(name) ? Object.fromEntries(keys.map((k) => [k, all[k]!])) : {});
  return {
    OPENLIBRARY_ENABLED: on.has('openlibrary') ? 'true' : 'false',
    ...keep('tmdb', ['TMDB_TOKEN', 'TMDB_API_URL']),
    ...keep('rawg', ['RAWG_API_KEY', 'RAWG_API_URL']),
    ...keep('openlibrary', ['OPENLIBRARY_API_URL']),
    ...keep('musicbrainz', ['MUSICBRAINZ_CONTACT', 'MUSICBRAINZ_API_URL']),
  };
}

let member = 0;
/** Autocompletes each query `times` times, each from a member not seen before; the latencies in ms. */
async function sample(emu: DiscordEmulator, queries: readonly string[], times: number): Promise<number[]> {
  const ms: number[] = [];
  for (let r = 0; r < times; r++) {
    for (const value of queries) {
      const userId = emu.memberIds[member++ % emu.memberIds.length]!;
      const started = performance.now();
      await emu.autocomplete({ userId, name: 'search', focused: 'query', value, timeoutMs: 10_000 });
      ms.push(performance.now() - started);
    }
  }
  return ms;
}

/** A bot with `providers` (or none) on the emulator; runs `work`, stops the bot. */
async function withBot<T>(prisma: PrismaClient, emu: DiscordEmulator, providers: Providers | undefined, work: () => Promise<T>): Promise<T> {
  const queues = createQueues(TEST_SETTINGS.redisUrl, `tbbench-ac-${randomBytes(3).toString('hex')}`);
  const bot = createBot({
    config: {
      discord: { token: emu.token, applicationId: emu.applicationId, guildId: emu.guildId, apiUrl: emu.apiUrl },
      rateLimit: { commands: 100_000, windowSeconds: 60, autocomplete: { limit: 100_000, windowSeconds: 10 } },
    },
    prisma,
    queues,
    logger: createLogger({ logLevel: 'error' }),
    search: catalogTitleSearch(prisma),
    // No model is loaded: autocomplete never asks the recommender.
    recommender: servingRecommender(prisma, createServingModel({ prisma, deserialize: deserializeModel, logger: createLogger({ logLevel: 'error' }), pollIntervalMs: 0 })),
    ...(providers ? { providers } : {}),
  });
  await bot.start();
  try {
    return await work();
  } finally {
    await bot.stop();
    await queues.close();
  }
}

const rows: { scenario: string; ms: number[] }[] = [];
const name = `${TEST_DATABASE_PREFIX}bench_autocomplete_${process.pid}`;
await onServer((client) => createDatabase(client, name));
const url = serverUrl(name);
const providerEmus = await startProviderEmulators();
const emu = await startDiscordEmulator({ members: Array.from({ length: 500 }, (_, i) => ({ id: String(350_000_000_000_000_000n + BigInt(i)), username: `m${i}` })) });
try {
  await applyMigrations(url, fileURLToPath(new URL('../prisma/migrations', import.meta.url)));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const imported = await importMovieLens(client, { dir: values.dir, files: ['movies', 'ratings'] }).finally(() => client.end());
  const prisma = createPrisma(url);
  try {
    const settings = providerSettings(providerEmus.settings);
    const build = (ttl: string) => createProviders(loadConfig({ ...settings, PROVIDER_CACHE_TTL_SECONDS: ttl }, undefined).providers, { cache: new PostgresResponseCache(prisma) });
    await withBot(prisma, emu, undefined, async () => {
      await sample(emu, [...STRONG, ...WEAK], 1); // warm-up: connections, plans
      rows.push({ scenario: 'local only, strong local match', ms: await sample(emu, STRONG, rounds) });
      rows.push({ scenario: 'local only, weak local match', ms: await sample(emu, WEAK, rounds) });
    });
    await withBot(prisma, emu, build('0'), async () => {
      await sample(emu, STRONG, 1);
      rows.push({ scenario: 'providers on, strong local match (none asked)', ms: await sample(emu, STRONG, rounds) });
      rows.push({ scenario: 'providers on, weak match, uncached', ms: await sample(emu, WEAK, rounds) });
    });
    await withBot(prisma, emu, build('86400'), async () => {
      await sample(emu, WEAK, 1); // fills the response cache
      rows.push({ scenario: 'providers on, weak match, cached', ms: await sample(emu, WEAK, rounds) });
    });
  } finally {
    await prisma.$disconnect();
  }
  console.log(
    `machine: ${cpus()[0]?.model} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${type()}, node ${process.version}; load at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `data: ml-latest-small, ${imported.totals.titles} titles; providers on: ${values.providers} (emulators, local); budget ${AUTOCOMPLETE_BUDGET_MS} ms; ${rounds} rounds of ${STRONG.length} queries per row, one at a time, each from a new member`,
  );
  console.log(`${'scenario'.padEnd(50)}${'n'.padStart(5)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}`);
  for (const { scenario, ms } of rows) {
    const sorted = [...ms].sort((a, b) => a - b);
    const cell = (p: number) => (percentile(sorted, p) ?? NaN).toFixed(1).padStart(10);
    console.log(`${scenario.padEnd(50)}${String(ms.length).padStart(5)}${cell(50)}${cell(99)}${sorted.at(-1)!.toFixed(1).padStart(10)}`);
  }
} finally {
  await emu.close();
  await providerEmus.close();
  await onServer((client) => dropDatabase(client, name));
}
