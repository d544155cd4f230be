import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiScope } from '../config.ts';
import { ApiError } from './errors.ts';
import { scopeAllows, type ApiPrincipal, type KeyDirectory } from './keys.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: ApiPrincipal;
  }
  interface FastifyContextConfig {
    /** The least scope a key needs for this route; routes without one are public (health, metrics, docs). */
    scope?: ApiScope;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (bearer) return bearer[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.trim() ? header.trim() : undefined;
}

/** OpenAPI security of routes that need a key. */
export const keySecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];

/**
 * Checks the key of every route that names a scope: 401 without a valid key, 403 when its scope is too
 * small. A failed attempt logs at most the first characters of what was presented, never the key.
 */
export function installAuth(app: FastifyInstance, keys: KeyDirectory): void {
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config.scope;
    if (!needed) return;
    const secret = presentedKey(request);
    if (!secret) throw new ApiError(401, 'unauthorized', 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>.', 'authorization');
    const principal = await keys.authenticate(secret);
    if (!principal) {
      request.log.warn({ keyPrefix: secret.slice(0, 7) }, 'API key not recognised');
      throw new ApiError(401, 'unauthorized', 'The API key is not valid (unknown or revoked).', 'authorization');
    }
    if (!scopeAllows(principal.scope, needed)) {
      request.log.warn({ key: principal.id, needed }, 'API key scope too small');
      throw new ApiError(403, 'forbidden', `This needs a key with the ${needed} scope; this key has ${principal.scope}.`, 'authorization');
    }
    request.principal = principal;
  });
}
