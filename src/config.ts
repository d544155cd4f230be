import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

/** A setting that is missing or malformed; the message names the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

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
  QUEUE_PREFIX: z.string().regex(/^[\w:-]+$/, 'may hold letters, digits, _ - and :').default('tastebud'),
  DISCORD_TOKEN: optional(z.string().min(10, 'looks too short to be a bot token')),
  DISCORD_APPLICATION_ID: optional(snowflake),
  DISCORD_GUILD_ID: optional(snowflake),
  DISCORD_API_URL: optional(url(['http:', 'https:'])),
  EMBEDDING_MODEL: z.string().min(1).default('Xenova/all-MiniLM-L6-v2'),
  MODELS_DIR: z.string().min(1).default('data/models'),
  ALLOW_REMOTE_MODELS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  TF_BACKEND: z.enum(['auto', 'node', 'wasm', 'cpu']).default('auto'),
  HNSW_M: int(4, 128).default(16),
  HNSW_EF_CONSTRUCTION: int(10, 2000).default(200),
  HNSW_EF: int(10, 5000).default(100),
  RETRAIN_CRON: z.string().min(9, 'must be a cron expression such as "0 4 * * *"').default('0 4 * * *'),
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
  MOVIELENS_DIR: z.string().min(1).default('data/movielens/ml-latest-small'),
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
  };
  embeddings: { model: string; modelsDir: string; allowRemoteModels: boolean };
  tfBackend: Settings['TF_BACKEND'];
  hnsw: { m: number; efConstruction: number; ef: number };
  retrainCron: string;
  rateLimit: { commands: number; windowSeconds: number; autocomplete: MemberBudget; reactions: MemberBudget };
  reconcileWindowDays: number;
  suggestionRetentionDays: number;
  failedJobRetentionDays: number;
  metricsPort: number;
  workerMetricsPort: number;
  movielensDir: string;
  timezone: string;
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
    },
    embeddings: { model: s.EMBEDDING_MODEL, modelsDir: s.MODELS_DIR, allowRemoteModels: s.ALLOW_REMOTE_MODELS },
    tfBackend: s.TF_BACKEND,
    hnsw: { m: s.HNSW_M, efConstruction: s.HNSW_EF_CONSTRUCTION, ef: s.HNSW_EF },
    retrainCron: s.RETRAIN_CRON,
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
    timezone: s.TIMEZONE,
  };
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
