/** The provider emulators (README.md here), and all four at once with the settings that point tastebud at them. */
import { startMusicBrainzEmulator } from './musicbrainz.ts';
import { startOpenLibraryEmulator } from './openlibrary.ts';
import { RAWG_EMULATOR_KEY, startRawgEmulator } from './rawg.ts';
import type { ProviderEmulator } from './server.ts';
import { startTmdbEmulator, TMDB_EMULATOR_TOKEN } from './tmdb.ts';

export { startMusicBrainzEmulator, startOpenLibraryEmulator, startRawgEmulator, startTmdbEmulator, RAWG_EMULATOR_KEY, TMDB_EMULATOR_TOKEN };
export { ProviderEmulator, type Fault, type RecordedRequest } from './server.ts';

export interface ProviderEmulators {
  tmdb: ProviderEmulator;
  openLibrary: ProviderEmulator;
  musicBrainz: ProviderEmulator;
  rawg: ProviderEmulator;
  /** Environment settings (src/config.ts names) that turn every provider on against these emulators. */
  settings: Record<string, string>;
  close(): Promise<void>;
}

export async function startProviderEmulators(): Promise<ProviderEmulators> {
  const [tmdb, openLibrary, musicBrainz, rawg] = await Promise.all([startTmdbEmulator(), startOpenLibraryEmulator(), startMusicBrainzEmulator(), startRawgEmulator()]);
  return {
    tmdb,
    openLibrary,
    musicBrainz,
    rawg,
    settings: {
      TMDB_TOKEN: TMDB_EMULATOR_TOKEN,
      TMDB_API_URL: tmdb.url,
      OPENLIBRARY_ENABLED: 'true',
      OPENLIBRARY_API_URL: openLibrary.url,
      MUSICBRAINZ_CONTACT: 'tastebud-try@localhost',
      MUSICBRAINZ_API_URL: musicBrainz.url,
      RAWG_API_KEY: RAWG_EMULATOR_KEY,
      RAWG_API_URL: rawg.url,
    },
    close: async () => {
      await Promise.all([tmdb.close(), openLibrary.close(), musicBrainz.close(), rawg.close()]);
    },
  };
}
