import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_SCOPES, type ApiScope, type ConfiguredApiKey } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import { InputError } from '../lib/input-error.ts';

/*
 * API keys: made here with 256 random bits, so a fast hash is enough. bcrypt/scrypt slow down guessing a
 * low-entropy password; nobody can guess 2^256 keys however fast the hash is, and SHA-256 lets a request
 * find its key with one indexed lookup instead of trying a slow hash against every stored key.
 */

/** Who a request authenticated as. `id` is safe to log; the secret never leaves this module. */
export interface ApiPrincipal {
  /** "env:<name>" for API_KEYS entries, "db:<id>" for stored keys. */
  id: string;
  name: string;
  scope: ApiScope;
}

/** Whether a key of scope `held` may do what needs `needed` (read < write < admin). */
export function scopeAllows(held: ApiScope, needed: ApiScope): boolean {
  return API_SCOPES.indexOf(held) >= API_SCOPES.indexOf(needed);
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The characters of a key that lists and logs may show: "tb_" and 8 random characters. */
export function keyPrefix(secret: string): string {
  return secret.slice(0, 11);
}

/** Finds the principal a presented key belongs to, or undefined. */
export interface KeyDirectory {
  authenticate(secret: string): Promise<ApiPrincipal | undefined>;
  /**
   * The principal of an id {@link authenticate} returned earlier, as it is now: undefined once the key is revoked
   * or gone (a dashboard session re-checks its key this way on every request, without holding the key).
   */
  principal(id: string): Promise<ApiPrincipal | undefined>;
}

/** Keys from API_KEYS (compared by hash in constant time) and keys stored in api_keys (not revoked). */
export function keyDirectory(prisma: Pick<PrismaClient, 'apiKey'>, configured: readonly ConfiguredApiKey[]): KeyDirectory {
  const fromEnv = configured.map((k) => ({ hash: Buffer.from(hashKey(k.secret), 'hex'), principal: { id: `env:${k.name}`, name: k.name, scope: k.scope } }));
  return {
    async authenticate(secret) {
      if (secret.length < 16 || secret.length > 200) return undefined;
      const hex = hashKey(secret);
      const hash = Buffer.from(hex, 'hex');
      const env = fromEnv.find((k) => timingSafeEqual(k.hash, hash));
      if (env) return env.principal;
      const row = await prisma.apiKey.findUnique({ where: { keyHash: hex }, select: { id: true, name: true, scope: true, revokedAt: true } });
      if (!row || row.revokedAt) return undefined;
      return { id: `db:${row.id}`, name: row.name, scope: row.scope };
    },
    async principal(id) {
      const env = fromEnv.find((k) => k.principal.id === id);
      if (env) return env.principal;
      const stored = /^db:(\d{1,9})$/.exec(id);
      if (!stored) return undefined;
      const row = await prisma.apiKey.findUnique({ where: { id: Number(stored[1]) }, select: { id: true, name: true, scope: true, revokedAt: true } });
      if (!row || row.revokedAt) return undefined;
      return { id: `db:${row.id}`, name: row.name, scope: row.scope };
    },
  };
}

export interface StoredKeySummary {
  id: number;
  name: string;
  scope: ApiScope;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const NAME = /^[\w.-]{1,64}$/;

/** Makes a key, stores its hash and returns the key itself: the only time anyone sees it. */
export async function createApiKey(prisma: PrismaClient, input: { name: string; scope: string }): Promise<{ key: string; summary: StoredKeySummary }> {
  if (!NAME.test(input.name)) throw new InputError('The key name may hold 1-64 letters, digits, _ . and -.', 'name');
  if (!API_SCOPES.includes(input.scope as ApiScope)) throw new InputError(`The scope must be one of ${API_SCOPES.join(', ')}; got "${input.scope}".`, 'scope');
  const existing = await prisma.apiKey.findUnique({ where: { name: input.name }, select: { id: true } });
  if (existing) throw new InputError(`A key named "${input.name}" exists already (revoked keys keep their name); pick another name.`, 'name');
  const key = `tb_${randomBytes(32).toString('base64url')}`;
  const summary = await prisma.apiKey.create({
    data: { name: input.name, scope: input.scope as ApiScope, prefix: keyPrefix(key), keyHash: hashKey(key) },
    select: { id: true, name: true, scope: true, prefix: true, createdAt: true, revokedAt: true },
  });
  return { key, summary };
}

export async function listApiKeys(prisma: PrismaClient): Promise<StoredKeySummary[]> {
  return prisma.apiKey.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, scope: true, prefix: true, createdAt: true, revokedAt: true } });
}

/** Revokes a stored key by name; its requests get 401 from then on. */
export async function revokeApiKey(prisma: PrismaClient, name: string): Promise<StoredKeySummary> {
  const row = await prisma.apiKey.findUnique({ where: { name }, select: { id: true, revokedAt: true } });
  if (!row) throw new InputError(`No API key named "${name}"; see tastebud api-key list.`, 'name');
  return prisma.apiKey.update({
    where: { id: row.id },
    data: { revokedAt: row.revokedAt ?? new Date() },
    select: { id: true, name: true, scope: true, prefix: true, createdAt: true, revokedAt: true },
  });
}
