import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl, requireDatabaseUrl, requireDiscord } from '../../src/config.ts';
import { scrubSecrets } from '../../src/log.ts';

describe('loadConfig', () => {
  it('fills defaults from an empty environment', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.hnsw).toEqual({ m: 16, efConstruction: 200, ef: 100 });
    expect(config.embeddings.model).toBe('Xenova/all-MiniLM-L6-v2');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.movielensRelease).toBe('small');
    expect(loadConfig({ MOVIELENS_RELEASE: '32m' }).movielensRelease).toBe('32m');
  });

  it('coerces numbers and treats empty strings as unset', () => {
    const config = loadConfig({ HNSW_EF: '250', DISCORD_GUILD_ID: '', ALLOW_REMOTE_MODELS: 'false' });
    expect(config.hnsw.ef).toBe(250);
    expect(config.discord.guildId).toBeUndefined();
    expect(config.embeddings.allowRemoteModels).toBe(false);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ HNSW_M: 'many' }, 'HNSW_M'],
    [{ HNSW_EF: '3' }, 'HNSW_EF'],
    [{ DISCORD_GUILD_ID: '12ab' }, 'DISCORD_GUILD_ID'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TF_BACKEND: 'gpu' }, 'TF_BACKEND'],
    [{ TRAIN_THREADS: '0' }, 'TRAIN_THREADS'],
    [{ MOVIELENS_RELEASE: '40m' }, 'MOVIELENS_RELEASE'],
  ])('rejects %o naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('trains on every available core unless TRAIN_THREADS says otherwise', () => {
    expect(loadConfig({}).trainThreads).toBe(availableParallelism());
    expect(loadConfig({ TRAIN_THREADS: '3' }).trainThreads).toBe(3);
  });

  it('reads the trending refresh schedule: daily by default, "off" for never, a cron expression otherwise', () => {
    expect(loadConfig({}).trendingRefresh).toEqual({ cron: '30 5 * * *', pages: 1 });
    expect(loadConfig({ TRENDING_REFRESH_CRON: 'off', TRENDING_REFRESH_PAGES: '3' }).trendingRefresh).toEqual({ cron: null, pages: 3 });
    expect(() => loadConfig({ TRENDING_REFRESH_CRON: 'daily' })).toThrow(/^Invalid configuration: TRENDING_REFRESH_CRON must be a cron expression/);
  });

  it('reads gateway sharding: none by default, a count or auto, and the ids this process runs', () => {
    expect(loadConfig({}).discord.shards).toBeUndefined();
    expect(loadConfig({ SHARD_COUNT: 'auto' }).discord.shards).toEqual({ count: 'auto', ids: undefined });
    expect(loadConfig({ SHARD_COUNT: '4', SHARD_IDS: '2, 3,3' }).discord.shards).toEqual({ count: 4, ids: [2, 3] });
  });

  it.each([
    [{ SHARD_COUNT: '0' }, /^Invalid configuration: SHARD_COUNT /],
    [{ SHARD_COUNT: 'many' }, /^Invalid configuration: SHARD_COUNT /],
    [{ SHARD_COUNT: '2', SHARD_IDS: 'a,b' }, /^Invalid configuration: SHARD_IDS must be shard numbers/],
    [{ SHARD_IDS: '0' }, /SHARD_IDS needs SHARD_COUNT/],
    [{ SHARD_COUNT: 'auto', SHARD_IDS: '0' }, /SHARD_IDS needs a numeric SHARD_COUNT/],
    [{ SHARD_COUNT: '2', SHARD_IDS: '0,2' }, /SHARD_IDS has 2, but shards are numbered 0 to 1/],
  ])('rejects sharding %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadConfig({ HNSW_M: 'x', METRICS_PORT: '70000' })).toThrow(/HNSW_M .*; METRICS_PORT /);
  });

  it('never echoes a rejected value (it may be a secret)', () => {
    const secret = 'postgresql-but-wrong://user:hunter22@db/x';
    try {
      loadConfig({ DATABASE_URL: secret });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter22');
    }
  });

  it('names the missing variable when a command needs it', () => {
    const config = loadConfig({});
    expect(() => requireDatabaseUrl(config)).toThrow(/DATABASE_URL .* is not set/);
    expect(() => requireDiscord(config)).toThrow(/DISCORD_TOKEN/);
    expect(() => requireDiscord(loadConfig({ DISCORD_TOKEN: 'x'.repeat(60) }))).toThrow(/DISCORD_APPLICATION_ID/);
  });
});

describe('secrets', () => {
  it('are removed from URLs and free text', () => {
    expect(redactUrl('postgresql://me:pw123456@db:5432/x')).toBe('postgresql://me:***@db:5432/x');
    expect(scrubSecrets('connect postgresql://me:pw123456@db:5432/x failed')).toBe('connect postgresql://me:***@db:5432/x failed');
    expect(scrubSecrets('token abcdefghijkl used', ['abcdefghijkl'])).toBe('token *** used');
  });
});
