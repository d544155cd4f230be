import { describe, expect, it } from 'vitest';
import { scopeAllows } from '../../../src/api/keys.ts';
import { ConfigError, loadConfig } from '../../../src/config.ts';

describe('API settings', () => {
  it('default to a closed API: no keys, no CORS origins, a 64 KiB body limit, no proxy trusted, no session secret', () => {
    expect(loadConfig({}).api).toEqual({
      port: 8080,
      host: '0.0.0.0',
      keys: [],
      corsOrigins: [],
      rateLimit: { max: 600, windowSeconds: 60, leases: true },
      bodyLimitBytes: 65_536,
      trustProxy: false,
      dashboardSessionSecret: undefined,
      dashboardSessionHours: 8,
    });
  });

  it('read API_RATE_LIMIT_LEASES=false as one Redis round trip per request, and refuse anything but true or false', () => {
    expect(loadConfig({ API_RATE_LIMIT_LEASES: 'false' }).api.rateLimit.leases).toBe(false);
    expect(() => loadConfig({ API_RATE_LIMIT_LEASES: 'yes' })).toThrow(ConfigError);
  });

  it('read the dashboard settings, and refuse a session secret under 32 characters without echoing it', () => {
    const config = loadConfig({ DASHBOARD_SESSION_SECRET: 'x'.repeat(40), DASHBOARD_SESSION_HOURS: '12', API_TRUST_PROXY: 'true' });
    expect(config.api).toMatchObject({ dashboardSessionSecret: 'x'.repeat(40), dashboardSessionHours: 12, trustProxy: true });
    expect(() => loadConfig({ DASHBOARD_SESSION_SECRET: 'tooshort-secret-value' })).toThrow(/DASHBOARD_SESSION_SECRET needs at least 32 characters/);
    expect(() => loadConfig({ DASHBOARD_SESSION_SECRET: 'tooshort-secret-value' })).not.toThrow(/tooshort/);
  });

  it('read API_KEYS as name:scope:secret entries and API_CORS_ORIGINS as a list', () => {
    const config = loadConfig({ API_KEYS: 'plex:read:0123456789abcdef01234567, ops:admin:abcdefabcdefabcdefabcdef:with:colons', API_CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(config.api.keys).toEqual([
      { name: 'plex', scope: 'read', secret: '0123456789abcdef01234567' },
      { name: 'ops', scope: 'admin', secret: 'abcdefabcdefabcdefabcdef:with:colons' },
    ]);
    expect(config.api.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reject a bad entry by its position and name, never echoing the secret', () => {
    const load = (keys: string) => () => loadConfig({ API_KEYS: keys });
    expect(load('plex:root:0123456789abcdef01234567')).toThrow(/API_KEYS entry 1 \(plex\) needs a scope of read, write or admin/);
    expect(load('plex:read:0123456789abcdef01234567,ops:write:short')).toThrow(/API_KEYS entry 2 \(ops\) needs a secret of at least 24 characters/);
    try {
      load('plex:root:supersecretsupersecretsupersecret')();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain('supersecret');
    }
  });

  it('order scopes read < write < admin', () => {
    expect(scopeAllows('admin', 'write')).toBe(true);
    expect(scopeAllows('write', 'read')).toBe(true);
    expect(scopeAllows('read', 'write')).toBe(false);
    expect(scopeAllows('write', 'admin')).toBe(false);
  });
});
