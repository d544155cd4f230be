import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { retryAfterMs } from '../../../src/providers/http.ts';
import { createProviders, ProviderOffError, requireProvider } from '../../../src/providers/index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const keys = { TMDB_TOKEN: 'tmdb-read-access-token-0123456789', RAWG_API_KEY: 'rawg-key-0123456789', MUSICBRAINZ_CONTACT: 'ops@example.org' };

describe('catalogue providers from the settings', () => {
  it('with no keys only Open Library is on, and each other provider says which setting turns it on', () => {
    const providers = createProviders(loadConfig({}).providers);
    expect(providers.enabled.map((p) => p.name)).toEqual(['openlibrary']);
    expect(providers.disabled.map((d) => [d.name, d.howToEnable.split(' ')[1]])).toEqual([
      ['tmdb', 'TMDB_TOKEN'],
      ['rawg', 'RAWG_API_KEY'],
      ['musicbrainz', 'MUSICBRAINZ_CONTACT'],
    ]);
    expect(providers.forKind('movie')).toBeUndefined();
    expect(() => requireProvider(providers, 'tmdb')).toThrow(new ProviderOffError('tmdb'));
    expect(() => requireProvider(providers, 'tmdb')).toThrow(/^tmdb is off; to turn it on, set TMDB_TOKEN /);
  });

  it('with every key each kind has its provider, and attributions carry the notices the terms ask for', () => {
    const providers = createProviders(loadConfig({ ...keys, OPENLIBRARY_ENABLED: 'true' }).providers);
    expect(providers.disabled).toEqual([]);
    expect((['movie', 'show', 'game', 'book', 'music'] as const).map((k) => providers.forKind(k)?.name)).toEqual(['tmdb', 'tmdb', 'rawg', 'openlibrary', 'musicbrainz']);
    const notices = Object.fromEntries(providers.attributions().map((a) => [a.provider, a.notice]));
    expect(notices.tmdb).toBe('This product uses the TMDB API but is not endorsed or certified by TMDB.');
    expect(notices.musicbrainz).toMatch(/MusicBrainz.*Cover Art Archive/);
    expect(notices.rawg).toMatch(/RAWG/);
  });

  it('turns Open Library off on request and rejects a contact MusicBrainz could not read, naming the variable', () => {
    expect(createProviders(loadConfig({ OPENLIBRARY_ENABLED: 'false' }).providers).enabled).toEqual([]);
    expect(() => loadConfig({ MUSICBRAINZ_CONTACT: 'me (at) home' })).toThrow(ConfigError);
    expect(() => loadConfig({ MUSICBRAINZ_CONTACT: 'me (at) home' })).toThrow(/MUSICBRAINZ_CONTACT must be an email/);
    expect(() => loadConfig({ TMDB_API_URL: 'ftp://x' })).toThrow(/TMDB_API_URL/);
  });

  it('keeps provider keys out of log lines, in messages and in logged objects', () => {
    const script = `
      import { loadConfig } from './src/config.ts';
      import { createLogger } from './src/log.ts';
      const config = loadConfig(${JSON.stringify(keys)}, undefined);
      const log = createLogger(config);
      log.warn('calling TMDB with ${keys.TMDB_TOKEN} and RAWG with ${keys.RAWG_API_KEY}');
      log.warn({ providers: config.providers, apiKey: '${keys.RAWG_API_KEY}' }, 'settings');
      log.error({ err: new Error('failed: ${keys.TMDB_TOKEN}') }, 'boom');`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('{'))).toHaveLength(3);
    expect(run.stderr).not.toContain(keys.TMDB_TOKEN);
    expect(run.stderr).not.toContain(keys.RAWG_API_KEY);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs('Wed, 02 Dec 2026 19:00:10 GMT', Date.parse('2026-12-02T19:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
