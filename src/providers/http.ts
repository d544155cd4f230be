/**
 * The HTTP edge every provider client goes through: its own rate limit, a timeout per request, bounded retries
 * that honour Retry-After on 429/503, the shared response cache, and validation of every body before use.
 * Keys never leave this file in a URL, a cache key or an error message.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { MemberRateLimiter } from '../lib/member-rate-limiter.ts';
import type { ProviderName } from './types.ts';

/** Why a provider call failed, for callers that answer from what is local instead. */
export type ProviderFailure = 'not_found' | 'rate_limited' | 'unavailable' | 'timeout' | 'malformed' | 'rejected';

export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly provider: ProviderName,
    readonly failure: ProviderFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The provider does not know the id asked for (HTTP 404). */
export class ProviderNotFoundError extends ProviderError {
  override name = 'ProviderNotFoundError';
  constructor(provider: ProviderName, what: string) {
    super(provider, 'not_found', `${provider} has no ${what}.`);
  }
}

/** Where responses are kept between calls and processes (src/providers/cache.ts). */
export interface ResponseCache {
  get(key: string): Promise<unknown>;
  set(key: string, provider: ProviderName, body: unknown, ttlSeconds: number): Promise<void>;
}

/** What every provider client takes besides its own credentials. */
export interface ProviderClientOptions {
  /** Base URL of the API (the *_API_URL setting). */
  apiUrl: string;
  cache?: ResponseCache | null;
  cacheTtlSeconds: number;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ProviderHttpOptions extends ProviderClientOptions {
  provider: ProviderName;
  /** Sent with every request (Authorization, User-Agent); never logged or cached. */
  headers?: Record<string, string>;
  /** Query parameters sent with every request but left out of cache keys and messages (API keys). */
  secretQuery?: Record<string, string>;
  /** At most `limit` requests per `windowMs` from this process. */
  rateLimit: { limit: number; windowMs: number };
  /** Attempts per call, the first included (default 3). */
  maxAttempts?: number;
  /** A Retry-After longer than this is not waited for: the call fails as rate limited (default 10 s). */
  maxRetryAfterMs?: number;
}

export interface GetOptions {
  query?: Record<string, string | number | undefined>;
  timeoutMs?: number;
  maxAttempts?: number;
  /** Overrides the client's cache TTL (configuration and genre lists change rarely). */
  ttlSeconds?: number;
  /** What a 404 means to the caller ("movie 42"); without it a 404 is a failure like any other. */
  notFound?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.ceil(Number(header) * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export class ProviderHttp {
  private readonly limiter: MemberRateLimiter;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ProviderHttpOptions) {
    this.limiter = new MemberRateLimiter(options.rateLimit.limit, options.rateLimit.windowMs);
    this.sleep = options.sleep ?? defaultSleep;
  }

  get provider(): ProviderName {
    return this.options.provider;
  }

  /** GETs `path` (relative to the base URL) and returns the body once `schema` accepts it. */
  async getJson<T>(path: string, schema: z.ZodType<T>, get: GetOptions = {}): Promise<T> {
    const query = Object.entries(get.query ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined);
    query.sort(([a], [b]) => a.localeCompare(b));
    const request = `${path}${query.length ? `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : ''}`;
    const key = createHash('sha256').update(`${this.provider}\u0000${this.options.apiUrl}\u0000${request}`).digest('hex');
    const cached = await this.readCache(key, schema);
    if (cached !== undefined) return cached;
    const body = await this.fetchWithRetries(path, query, get);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProviderError(
        this.provider,
        'malformed',
        `${this.provider} answered ${path} with an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}); nothing was saved.`,
      );
    }
    await this.options.cache?.set(key, this.provider, body, get.ttlSeconds ?? this.options.cacheTtlSeconds).catch(() => {});
    return parsed.data;
  }

  private async readCache<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    if (!this.options.cache) return undefined;
    const body = await this.options.cache.get(key).catch(() => undefined);
    if (body === undefined || body === null) return undefined;
    const parsed = schema.safeParse(body);
    return parsed.success ? parsed.data : undefined;
  }

  private async fetchWithRetries(path: string, query: [string, string | number][], get: GetOptions): Promise<unknown> {
    const attempts = get.maxAttempts ?? this.options.maxAttempts ?? 3;
    const url = new URL(`${this.options.apiUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
    for (const [k, v] of [...query, ...Object.entries(this.options.secretQuery ?? {})]) url.searchParams.set(k, String(v));
    for (let attempt = 1; ; attempt++) {
      await this.waitForTurn();
      const response = await this.fetchOnce(url, path, get.timeoutMs ?? this.options.timeoutMs);
      if (response.ok) return this.readJson(response, path);
      await response.body?.cancel().catch(() => {});
      if (response.status === 404 && get.notFound) throw new ProviderNotFoundError(this.provider, get.notFound);
      const wait = this.retryWait(response, attempt);
      if (wait === null || attempt >= attempts) throw this.failureOf(response, path, attempt);
      await this.sleep(wait);
    }
  }

  /** Milliseconds to wait before trying again, or null when this answer is not worth retrying. */
  private retryWait(response: Response, attempt: number): number | null {
    const { status } = response;
    if (status === 429 || status === 503) {
      const after = retryAfterMs(response.headers.get('retry-after'));
      if (after !== null && after > (this.options.maxRetryAfterMs ?? 10_000)) return null;
      return after ?? 500 * 2 ** (attempt - 1);
    }
    return status >= 500 ? 250 * 2 ** (attempt - 1) : null;
  }

  private failureOf(response: Response, path: string, attempt: number): ProviderError {
    const { status } = response;
    const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
    if (status === 429 || (status === 503 && response.headers.has('retry-after'))) {
      return new ProviderError(this.provider, 'rate_limited', `${this.provider} is rate limiting us (HTTP ${status} on ${path}${tries}); try again later.`);
    }
    if (status === 401 || status === 403) {
      return new ProviderError(this.provider, 'rejected', `${this.provider} refused our credentials (HTTP ${status}); check its key in the settings.`);
    }
    if (status >= 500) return new ProviderError(this.provider, 'unavailable', `${this.provider} is failing (HTTP ${status} on ${path}${tries}); try again later.`);
    return new ProviderError(this.provider, 'rejected', `${this.provider} rejected ${path} (HTTP ${status}).`);
  }

  private async waitForTurn(): Promise<void> {
    for (let wait = this.limiter.take(this.provider); wait > 0; wait = this.limiter.take(this.provider)) await this.sleep(wait);
  }

  private async fetchOnce(url: URL, path: string, timeoutMs: number): Promise<Response> {
    try {
      return await fetch(url, { headers: { accept: 'application/json', ...this.options.headers }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new ProviderError(this.provider, 'timeout', `${this.provider} did not answer ${path} within ${timeoutMs} ms.`);
      }
      throw new ProviderError(
        this.provider,
        'unavailable',
        `${this.provider} could not be reached (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}).`,
      );
    }
  }

  private async readJson(response: Response, path: string): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      const failure = (error as Error).name === 'TimeoutError' ? 'timeout' : 'unavailable';
      throw new ProviderError(this.provider, failure, `${this.provider} broke off its answer to ${path}.`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProviderError(this.provider, 'malformed', `${this.provider} answered ${path} with something that is not JSON; nothing was saved.`);
    }
  }
}

/** "tastebud/0.1.0 ( ops@example.org )": application, version and a contact, as MusicBrainz asks of every client. */
export function userAgent(contact: string | undefined): string {
  return contact ? `tastebud/0.1.0 ( ${contact} )` : 'tastebud/0.1.0';
}
