import { fileURLToPath } from 'node:url';

/**
 * What the tests may touch, read from their own TEST_* variables only: never `.env` and never the
 * production DATABASE_URL / REDIS_URL, so a machine set up for the bot keeps its data. Build a Config for
 * code under test with `loadConfig({ DATABASE_URL: ..., REDIS_URL: TEST_SETTINGS.redisUrl })`.
 */
export const TEST_SETTINGS = {
  /** A server (any database on it) where the tests create and drop their own `tbtest_` databases. */
  databaseUrl: process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
  /** Tests use only keys under prefixes they make up per run. */
  redisUrl: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
  /** The browser the dashboard test and screenshot script drive (Debian's `chromium` package by default). */
  chromiumPath: process.env.TEST_CHROMIUM_PATH || '/usr/bin/chromium',
  /**
   * An unpacked ml-latest-small: TEST_MOVIELENS_DIR, else MOVIELENS_DIR (the one resolver's first place for
   * every command, so a user who set it for the CLI needs nothing more; it names data, never a server); unset =
   * data/movielens/ml-latest-small, ../shared beside the repository, or a download.
   */
  movielensDir: process.env.TEST_MOVIELENS_DIR || process.env.MOVIELENS_DIR || undefined,
  /** Which variable {@link movielensDir} came from, for the one-line error when it is wrong. */
  movielensSetting: process.env.TEST_MOVIELENS_DIR || !process.env.MOVIELENS_DIR ? 'TEST_MOVIELENS_DIR' : 'MOVIELENS_DIR',
} as const;

/** The repository's root folder. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every database the test support creates or drops starts with this; it refuses any other name. */
export const TEST_DATABASE_PREFIX = 'tbtest_';
