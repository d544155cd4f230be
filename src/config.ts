import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

/** A setting that is missing or malformed; the message names the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );
const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** Per-member budgets of the throttled doors (per {@link THROTTLE_DEFAULTS.windowSeconds} s). */
export const THROTTLE_DEFAULTS = { autocomplete: 20, reactions: 30, windowSeconds: 10 } as const;

/** A per-member budget: at most `limit` in any `windowSeconds`. */
export interface MemberBudget {
  limit: number;
  windowSeconds: number;
}

/** Every environment variable tastebud reads, with its default and what it accepts. */
const settings = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optional(url(['postgresql:', 'postgres:'])),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  /** Prefix for every BullMQ key, so several deployments (or test runs) can share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w:-]+$/, 'may hold letters, digits, _ - and :')
    .default('tastebud'),
  DISCORD_TOKEN: optional(z.string().min(10, 'looks too short to be a bot token')),
  DISCORD_APPLICATION_ID: optional(snowflake),
  DISCORD_GUILD_ID: optional(snowflake),
  DISCORD_API_URL: optional(url(['http:', 'https:'])),
  /** Gateway shards of the whole bot: a number, or `auto` for the count Discord recommends (GET /gateway/bot). */
  SHARD_COUNT: optional(z.union([z.literal('auto'), int(1, 65535)])),
  /** The shards this process runs, e.g. `0,1` (default: all of SHARD_COUNT). */
  SHARD_IDS: optional(
    z
      .string()
      .regex(/^\d+(\s*,\s*\d+)*$/, 'must be shard numbers separated by commas, such as 0,1')
      .transform((v) => [...new Set(v.split(',').map((id) => Number(id.trim())))]),
  ),
  EMBEDDING_MODEL: z.string().min(1).default('Xenova/all-MiniLM-L6-v2'),
  MODELS_DIR: z.string().min(1).default('data/models'),
  ALLOW_REMOTE_MODELS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  TF_BACKEND: z.enum(['auto', 'node', 'wasm', 'cpu']).default('auto'),
  /** Threads a retrain's sparse passes run on (src/model/parallel-gram.ts); default: every core this process may use. */
  TRAIN_THREADS: int(1, 256).optional(),
  HNSW_M: int(4, 128).default(16),
  HNSW_EF_CONSTRUCTION: int(10, 2000).default(200),
  HNSW_EF: int(10, 5000).default(100),
  RETRAIN_CRON: z.string().min(9, 'must be a cron expression such as "0 4 * * *"').default('0 4 * * *'),
  /** When the worker imports the providers' trending lists (jobs/refresh-trending.ts); "off" never. Off anyway with no provider on. */
  TRENDING_REFRESH_CRON: z
    .string()
    .refine((v) => v === 'off' || v.trim().length >= 9, 'must be a cron expression such as "30 5 * * *", or off')
    .default('30 5 * * *')
    .transform((v) => (v === 'off' ? null : v)),
  /** Pages of 20 titles the refresh imports per provider and kind. */
  TRENDING_REFRESH_PAGES: int(1, 20).default(1),
  COMMAND_RATE_LIMIT: int(1, 1000).default(10),
  COMMAND_RATE_WINDOW_SECONDS: int(1, 3600).default(30),
  /** Title/genre searches per member per 10 s behind autocomplete; past it, new questions get no choices. */
  AUTOCOMPLETE_RATE_LIMIT: int(1, 1000).default(THROTTLE_DEFAULTS.autocomplete),
  /** Reaction writes per member per 10 s; past it, that member's events wait and coalesce (none is lost). */
  REACTION_RATE_LIMIT: int(1, 1000).default(THROTTLE_DEFAULTS.reactions),
  RECONCILE_WINDOW_DAYS: int(0, 365).default(14),
  SUGGESTION_RETENTION_DAYS: int(1, 3650).default(180),
  FAILED_JOB_RETENTION_DAYS: int(1, 365).default(14),
  METRICS_PORT: int(0, 65535).default(9464),
  WORKER_METRICS_PORT: int(0, 65535).default(9465),
  /** An unpacked MovieLens release; unset = data/movielens/<release>, where `tastebud data download movielens` puts it. */
  MOVIELENS_DIR: optional(z.string().min(1)),
  /** Which MovieLens release `seed` and `import movielens` use (and download when absent): small = ml-latest-small. */
  MOVIELENS_RELEASE: z.enum(['small', '25m', '32m']).default('small'),
  /** TMDB API read-access token (v4 auth, used as a Bearer token on API v3); unset: TMDB is off. */
  TMDB_TOKEN: optional(z.string().min(20, 'looks too short to be a TMDB read-access token')),
  TMDB_API_URL: url(['http:', 'https:']).default('https://api.themoviedb.org/3'),
  /** RAWG API key (https://rawg.io/apidocs); unset: games are off. */
  RAWG_API_KEY: optional(z.string().min(8, 'looks too short to be a RAWG API key')),
  RAWG_API_URL: url(['http:', 'https:']).default('https://api.rawg.io/api'),
  OPENLIBRARY_API_URL: url(['http:', 'https:']).default('https://openlibrary.org'),
  /** Open Library needs no key; `false` turns it off. */
  OPENLIBRARY_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  MUSICBRAINZ_API_URL: url(['http:', 'https:']).default('https://musicbrainz.org/ws/2'),
  /** An email or URL MusicBrainz can reach the operator at; it goes into the User-Agent. Unset: MusicBrainz is off. */
  MUSICBRAINZ_CONTACT: optional(
    z
      .string()
      .min(3)
      .regex(/^[^\s()]+$/, 'must be an email address or URL without spaces or brackets'),
  ),
  /** How long provider responses are reused from the database cache. */
  PROVIDER_CACHE_TTL_SECONDS: int(0, 30 * 24 * 3600).default(24 * 3600),
  /** How long one provider request may take before it counts as failed. */
  PROVIDER_TIMEOUT_MS: int(100, 60_000).default(8_000),
  API_PORT: int(0, 65535).default(8080),
  API_HOST: z.string().min(1).default('0.0.0.0'),
  /** Keys from the environment: comma-separated `name:scope:secret` (secret at least 24 characters). */
  API_KEYS: optional(z.string().transform((value, ctx) => parseApiKeys(value, ctx))),
  /** Origins allowed to call the API from a browser, comma-separated; unset = CORS closed. */
  API_CORS_ORIGINS: optional(
    z.string().transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  ),
  /** Requests per key per API_RATE_WINDOW_SECONDS. */
  API_RATE_LIMIT: int(1, 100_000).default(600),
  API_RATE_WINDOW_SECONDS: int(1, 3600).default(60),
  /**
   * `true`: each API process takes 1 % of a key's limit at a time from the shared Redis counter and counts it
   * down locally (no Redis round trip per request; up to one such share per process may go unused in a window);
   * `false`: one Redis round trip per request.
   */
  API_RATE_LIMIT_LEASES: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  API_BODY_LIMIT_BYTES: int(1024, 10_000_000).default(65_536),
  /** `true` behind a reverse proxy: X-Forwarded-Proto/-For are believed (https marks the dashboard cookie Secure). */
  API_TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Signs the /dashboard session cookie (at least 32 characters); unset: a random one per start, so restarts log admins out. */
  DASHBOARD_SESSION_SECRET: optional(z.string().min(32, 'needs at least 32 characters (e.g. openssl rand -base64 48)')),
  /** How long a /dashboard login lasts, in hours. */
  DASHBOARD_SESSION_HOURS: int(1, 24 * 30).default(8),
  /** IANA time zone /movienight reads times in ("tonight 21:00"), e.g. Europe/Berlin. */
  TIMEZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as UTC or Europe/Berlin')
    .default('UTC'),
});

/** The scopes of API keys, weakest first: each includes the ones before it. */
export const API_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** An API key given in API_KEYS. */
export interface ConfiguredApiKey {
  name: string;
  scope: ApiScope;
  secret: string;
}

function parseApiKeys(value: string, ctx: z.RefinementCtx): ConfiguredApiKey[] {
  const keys: ConfiguredApiKey[] = [];
  for (const [i, entry] of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .entries()) {
    const [name, scope, ...rest] = entry.split(':');
    const secret = rest.join(':');
    // Never echo the entry: it holds a secret.
    if (!name || !/^[\w.-]{1,64}$/.test(name)) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} needs a name of letters, digits, _ . - (name:scope:secret)` });
    else if (!API_SCOPES.includes(scope as ApiScope)) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (${name}) needs a scope of read, write or admin` });
    else if (secret.length < 24) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (${name}) needs a secret of at least 24 characters` });
    else keys.push({ name, scope: scope as ApiScope, secret });
  }
  return keys;
}

type Settings = z.infer<typeof settings>;

export interface Config {
  env: Settings['NODE_ENV'];
  logLevel: Settings['LOG_LEVEL'];
  databaseUrl: string | undefined;
  redisUrl: string;
  queuePrefix: string;
  discord: {
    token: string | undefined;
    applicationId: string | undefined;
    guildId: string | undefined;
    apiUrl: string | undefined;
    /** Gateway sharding; undefined runs one unsharded connection, as before. */
    shards?: { count: number | 'auto'; ids: number[] | undefined } | undefined;
  };
  embeddings: { model: string; modelsDir: string; allowRemoteModels: boolean };
  tfBackend: Settings['TF_BACKEND'];
  /** TRAIN_THREADS, or the cores available to this process. */
  trainThreads: number;
  hnsw: { m: number; efConstruction: number; ef: number };
  retrainCron: string;
  /** TRENDING_REFRESH_CRON (null: off) and TRENDING_REFRESH_PAGES. */
  trendingRefresh: { cron: string | null; pages: number };
  rateLimit: { commands: number; windowSeconds: number; autocomplete: MemberBudget; reactions: MemberBudget };
  reconcileWindowDays: number;
  suggestionRetentionDays: number;
  failedJobRetentionDays: number;
  metricsPort: number;
  workerMetricsPort: number;
  movielensDir: string | undefined;
  movielensRelease: 'small' | '25m' | '32m';
  providers: ProviderSettings;
  timezone: string;
  api: {
    port: number;
    host: string;
    keys: ConfiguredApiKey[];
    corsOrigins: string[];
    /** `leases`: API_RATE_LIMIT_LEASES (src/api/rate-limit-store.ts). */
    rateLimit: { max: number; windowSeconds: number; leases: boolean };
    bodyLimitBytes: number;
    trustProxy: boolean;
    /** DASHBOARD_SESSION_SECRET; undefined: the API process makes a random one and warns. */
    dashboardSessionSecret: string | undefined;
    dashboardSessionHours: number;
  };
}

/** Settings of the catalogue providers (src/providers/); a provider without its key is off. */
export interface ProviderSettings {
  tmdb: { token: string | undefined; apiUrl: string };
  rawg: { apiKey: string | undefined; apiUrl: string };
  openLibrary: { enabled: boolean; apiUrl: string };
  musicBrainz: { contact: string | undefined; apiUrl: string };
  cacheTtlSeconds: number;
  timeoutMs: number;
}

/** Reads `.env` (if present) beneath the real environment, which wins. */
function readEnvironment(envFile: string | undefined): Record<string, string | undefined> {
  const fromFile = envFile && existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  return { ...fromFile, ...process.env };
}

/**
 * Validates the environment into a {@link Config}. Throws a {@link ConfigError} listing every bad
 * variable by name. Pass `env` to validate something other than the process environment.
 */
export function loadConfig(env?: Record<string, string | undefined>, envFile: string | undefined = '.env'): Config {
  const parsed = settings.safeParse(env ?? readEnvironment(envFile));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      return `${name} ${issue.message.replace(/^Invalid input: /, '')}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}. See .env.example.`);
  }
  const s = parsed.data;
  return {
    env: s.NODE_ENV,
    logLevel: s.LOG_LEVEL,
    databaseUrl: s.DATABASE_URL,
    redisUrl: s.REDIS_URL,
    queuePrefix: s.QUEUE_PREFIX,
    discord: {
      token: s.DISCORD_TOKEN,
      applicationId: s.DISCORD_APPLICATION_ID,
      guildId: s.DISCORD_GUILD_ID,
      apiUrl: s.DISCORD_API_URL,
      shards: readShards(s),
    },
    embeddings: { model: s.EMBEDDING_MODEL, modelsDir: s.MODELS_DIR, allowRemoteModels: s.ALLOW_REMOTE_MODELS },
    tfBackend: s.TF_BACKEND,
    trainThreads: s.TRAIN_THREADS ?? availableParallelism(),
    hnsw: { m: s.HNSW_M, efConstruction: s.HNSW_EF_CONSTRUCTION, ef: s.HNSW_EF },
    retrainCron: s.RETRAIN_CRON,
    trendingRefresh: { cron: s.TRENDING_REFRESH_CRON, pages: s.TRENDING_REFRESH_PAGES },
    rateLimit: {
      commands: s.COMMAND_RATE_LIMIT,
      windowSeconds: s.COMMAND_RATE_WINDOW_SECONDS,
      autocomplete: { limit: s.AUTOCOMPLETE_RATE_LIMIT, windowSeconds: THROTTLE_DEFAULTS.windowSeconds },
      reactions: { limit: s.REACTION_RATE_LIMIT, windowSeconds: THROTTLE_DEFAULTS.windowSeconds },
    },
    reconcileWindowDays: s.RECONCILE_WINDOW_DAYS,
    suggestionRetentionDays: s.SUGGESTION_RETENTION_DAYS,
    failedJobRetentionDays: s.FAILED_JOB_RETENTION_DAYS,
    metricsPort: s.METRICS_PORT,
    workerMetricsPort: s.WORKER_METRICS_PORT,
    movielensDir: s.MOVIELENS_DIR,
    movielensRelease: s.MOVIELENS_RELEASE,
    providers: {
      tmdb: { token: s.TMDB_TOKEN, apiUrl: s.TMDB_API_URL },
      rawg: { apiKey: s.RAWG_API_KEY, apiUrl: s.RAWG_API_URL },
      openLibrary: { enabled: s.OPENLIBRARY_ENABLED, apiUrl: s.OPENLIBRARY_API_URL },
      musicBrainz: { contact: s.MUSICBRAINZ_CONTACT, apiUrl: s.MUSICBRAINZ_API_URL },
      cacheTtlSeconds: s.PROVIDER_CACHE_TTL_SECONDS,
      timeoutMs: s.PROVIDER_TIMEOUT_MS,
    },
    api: {
      port: s.API_PORT,
      host: s.API_HOST,
      keys: s.API_KEYS ?? [],
      corsOrigins: s.API_CORS_ORIGINS ?? [],
      rateLimit: { max: s.API_RATE_LIMIT, windowSeconds: s.API_RATE_WINDOW_SECONDS, leases: s.API_RATE_LIMIT_LEASES },
      bodyLimitBytes: s.API_BODY_LIMIT_BYTES,
      trustProxy: s.API_TRUST_PROXY,
      dashboardSessionSecret: s.DASHBOARD_SESSION_SECRET,
      dashboardSessionHours: s.DASHBOARD_SESSION_HOURS,
    },
    timezone: s.TIMEZONE,
  };
}

/** SHARD_COUNT and SHARD_IDS together: ids need a count, and each id must be below it. */
function readShards(s: Settings): Config['discord']['shards'] {
  if (s.SHARD_COUNT === undefined) {
    if (s.SHARD_IDS) throw new ConfigError('Invalid configuration: SHARD_IDS needs SHARD_COUNT (the number of shards of the whole bot). See .env.example.');
    return undefined;
  }
  const count = s.SHARD_COUNT;
  if (s.SHARD_IDS && count === 'auto') {
    throw new ConfigError('Invalid configuration: SHARD_IDS needs a numeric SHARD_COUNT: with "auto" no process knows which shards the others run. See .env.example.');
  }
  const tooHigh = typeof count === 'number' ? s.SHARD_IDS?.find((id) => id >= count) : undefined;
  if (tooHigh !== undefined) throw new ConfigError(`Invalid configuration: SHARD_IDS has ${tooHigh}, but shards are numbered 0 to ${Number(count) - 1} (SHARD_COUNT ${count}). See .env.example.`);
  return { count, ids: s.SHARD_IDS };
}

const variableOf = {
  databaseUrl: 'DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/tastebud)',
  token: 'DISCORD_TOKEN (the bot token from the Discord developer portal)',
  applicationId: 'DISCORD_APPLICATION_ID (the application id from the Discord developer portal)',
} as const;

/** The database URL, or a {@link ConfigError} naming DATABASE_URL when a command needs it and it is unset. */
export function requireDatabaseUrl(config: Config): string {
  if (!config.databaseUrl) throw new ConfigError(`${variableOf.databaseUrl} is not set; this command needs the database.`);
  return config.databaseUrl;
}

/** The Discord credentials, or a {@link ConfigError} naming whichever variable is missing. */
export function requireDiscord(config: Config): { token: string; applicationId: string } {
  const { token, applicationId } = config.discord;
  if (!token) throw new ConfigError(`${variableOf.token} is not set.`);
  if (!applicationId) throw new ConfigError(`${variableOf.applicationId} is not set.`);
  return { token, applicationId };
}

/** A URL safe to print: the password (if any) replaced by `***`. */
export function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
