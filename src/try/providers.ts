/**
 * `tastebud try --providers`: the provider emulators (src/emulator/providers/, serving the project's fixtures) in
 * place of TMDB, RAWG, Open Library and MusicBrainz, so a person sees posters and finds titles beyond MovieLens
 * offline. The real clients talk to them through the same settings (`*_API_URL`) a deployment would use.
 */
import { refreshTrending } from '../../jobs/refresh-trending.ts';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { Providers } from '../providers/index.ts';
import type { SetupReporter } from '../setup/prepare.ts';

export interface PlaygroundProviders {
  providers: Providers;
  close(): Promise<void>;
}

/**
 * Starts the emulators, builds the providers against them (with the PostgreSQL response cache), and imports what
 * the daily trending refresh would, so MovieLens movies that are trending get their posters and the shows, games
 * and books of the fixtures are there to find.
 */
export async function startPlaygroundProviders(deps: { config: Config; prisma: PrismaClient; logger: Logger; reporter: SetupReporter }): Promise<PlaygroundProviders> {
  const { startProviderEmulators } = await import('../emulator/providers/index.ts');
  const { loadConfig } = await import('../config.ts');
  const { createProviders } = await import('../providers/index.ts');
  const { PostgresResponseCache } = await import('../providers/cache.ts');
  const emulators = await startProviderEmulators();
  try {
    const { cacheTtlSeconds, timeoutMs } = deps.config.providers;
    const settings = { ...loadConfig(emulators.settings, undefined).providers, cacheTtlSeconds, timeoutMs };
    const providers = createProviders(settings, { cache: new PostgresResponseCache(deps.prisma) });
    deps.reporter.line(`Catalogue providers: local emulators of ${providers.enabled.map((p) => p.attribution.label).join(', ')} (fixtures; nothing leaves this machine).`);
    const refreshed = await refreshTrending({ prisma: deps.prisma, providers, logger: deps.logger.child({ component: 'providers' }) });
    const added = refreshed.imported.reduce((n, r) => n + r.added, 0);
    const updated = refreshed.imported.reduce((n, r) => n + r.updated, 0);
    deps.reporter.line(`  imported their trending and popular titles, with posters: ${added} added, ${updated} updated.`);
    return { providers, close: () => emulators.close() };
  } catch (error) {
    await emulators.close();
    throw error;
  }
}
