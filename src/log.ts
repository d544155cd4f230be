import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const secretPaths = [
  'token',
  'password',
  'authorization',
  'databaseUrl',
  'redisUrl',
  'apiKey',
  '*.token',
  '*.apiKey',
  '*.password',
  '*.authorization',
  '*.databaseUrl',
  '*.redisUrl',
  // Provider settings sit two levels down (config.providers.tmdb.token).
  'providers.*.token',
  'providers.*.apiKey',
  '*.providers.*.token',
  '*.providers.*.apiKey',
  'headers.authorization',
  'req.headers.authorization',
  'headers["x-api-key"]',
  'req.headers["x-api-key"]',
  '*["x-api-key"]',
  'apiKey',
  '*.apiKey',
  // The dashboard's session cookie and the secret that signs it (config.api.dashboardSessionSecret).
  'headers.cookie',
  'req.headers.cookie',
  'dashboardSessionSecret',
  '*.dashboardSessionSecret',
];

/** Passwords inside connection strings that end up in error messages. */
const urlPassword = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi;

/** Strips credentials out of free text (error messages, stack traces). */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(urlPassword, '$1***@');
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join('***');
  return out;
}

/**
 * JSON logs to stderr (stdout stays free for command output such as `--json`). Known secrets from
 * the config are scrubbed from every message and error, not only from known keys.
 */
export function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'discord' | 'databaseUrl' | 'redisUrl' | 'providers' | 'api'>>, name = 'tastebud'): Logger {
  const providerKeys = [config.providers?.tmdb.token, config.providers?.rawg.apiKey];
  const apiKeys = [...(config.api?.keys.map((k) => k.secret) ?? []), config.api?.dashboardSessionSecret];
  const secrets = [config.discord?.token, passwordOf(config.databaseUrl), passwordOf(config.redisUrl), ...providerKeys, ...apiKeys].filter((s): s is string => typeof s === 'string' && s.length > 0);
  return pino(
    {
      name,
      level: config.logLevel,
      redact: { paths: secretPaths, censor: '***' },
      serializers: {
        err: (err: unknown) => {
          const serialized = pino.stdSerializers.err(err as Error);
          if (serialized.message) serialized.message = scrubSecrets(serialized.message, secrets);
          if (serialized.stack) serialized.stack = scrubSecrets(serialized.stack, secrets);
          return serialized;
        },
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg, secrets) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    pino.destination(2),
  );
}

function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
