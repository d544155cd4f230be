import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_PROCESS_ENVIRONMENT } from '../../../src/app/api-process.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The resolved file, as Debian's docker-compose (v1) prints it; no Docker engine is needed (.ci/run installs it). */
function composeConfig(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('docker-compose', [...args, 'config'], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, POSTGRES_PASSWORD: 'compose-test', ...env },
  });
}

/** One service's block of the resolved file. */
function service(config: string, name: string): string {
  return config.split(/\n {2}(?=[\w-]+:\n)/).find((block) => block.startsWith(`${name}:\n`)) ?? '';
}

describe('docker-compose.yml', () => {
  const config = composeConfig(['-f', 'docker-compose.yml']);

  it('is valid and defines the services tastebud runs as', () => {
    for (const name of ['postgres', 'redis', 'migrate', 'bot', 'worker', 'api']) expect(service(config, name), name).not.toBe('');
  });

  it('gives long-running services healthchecks and restart policies, and seeds before they start', () => {
    for (const name of ['postgres', 'redis', 'bot', 'worker', 'api']) {
      const block = service(config, name);
      expect(block, name).toContain('healthcheck:');
      expect(block, name).toContain('restart: unless-stopped');
    }
    for (const name of ['bot', 'api']) expect(service(config, name), name).toMatch(/migrate:\s+condition: service_completed_successfully/);
  });

  it('runs tastebud from the production stage and publishes PostgreSQL and Redis on 127.0.0.1 only', () => {
    for (const name of ['migrate', 'bot', 'worker', 'api']) expect(service(config, name), name).toMatch(/build:\s+context: \S+\s+target: production\n/);
    const ports = (name: string) => [...service(config, name).matchAll(/^\s+- (\S+:\d+:\d+)\/tcp$/gm)].map((m) => m[1]);
    expect(ports('postgres')).toEqual(['127.0.0.1:5432:5432']);
    expect(ports('redis')).toEqual(['127.0.0.1:6379:6379']);
    expect(ports('bot')).toEqual([]);
    expect(ports('api')).toEqual(['127.0.0.1:8080:8080']);
    expect(service(config, 'api')).toMatch(/command:\s+- api\n/);
  });

  it('seeds the MovieLens release MOVIELENS_RELEASE names, ml-latest-small by default', () => {
    expect(service(config, 'migrate')).toContain('MOVIELENS_RELEASE: small');
    const large = composeConfig(['-f', 'docker-compose.yml'], { MOVIELENS_RELEASE: '32m' });
    for (const name of ['migrate', 'bot', 'worker']) expect(service(large, name), name).toContain('MOVIELENS_RELEASE: 32m');
  });

  it('runs the api service with the memory settings of src/app/api-process.ts', () => {
    const api = service(config, 'api');
    for (const [name, value] of Object.entries(API_PROCESS_ENVIRONMENT)) {
      const set = new RegExp(`^\\s+${name}: (.*)$`, 'm').exec(api)?.[1]?.replace(/^'(.*)'$/, '$1');
      expect(set, name).toBe(value);
    }
  });

  it('builds only stages the Dockerfile defines', () => {
    const stages = [...readFileSync(`${root}/Dockerfile`, 'utf8').matchAll(/^FROM \S+ AS (\S+)$/gim)].map((m) => m[1]);
    const targets = [...config.matchAll(/^\s+target: (\S+)$/gm)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(stages, target).toContain(target);
  });
});

describe('docker compose --profile test run --rm test', () => {
  const config = composeConfig(['--profile', 'test'], { MOVIELENS_DIR: '/srv/movielens/ml-latest-small' });
  const test = service(config, 'test');

  it('is a service of the test profile only, built from the dev stage', () => {
    expect(test).toMatch(/profiles:\s+- test\n/);
    expect(test).toMatch(/build:\s+context: \S+\s+target: dev\n/);
    expect(test).not.toContain('restart:');
  });

  it('points the tests at the compose PostgreSQL and Redis, and starts once they are healthy', () => {
    expect(test).toContain('TEST_DATABASE_URL: postgresql://tastebud:compose-test@postgres:5432/');
    expect(test).toContain('TEST_REDIS_URL: redis://redis:6379');
    expect(test).toMatch(/depends_on:\s+postgres:\s+condition: service_healthy\s+redis:\s+condition: service_healthy/);
  });

  it('mounts MovieLens read-only from MOVIELENS_DIR at TEST_MOVIELENS_DIR', () => {
    const dir = /TEST_MOVIELENS_DIR: (\S+)/.exec(test)?.[1];
    expect(dir).toBeDefined();
    expect(test).toContain(`- /srv/movielens/ml-latest-small:${dir}:ro`);
  });

  it('mounts ./data/movielens/ml-latest-small, where `tastebud data download` puts it, by default', () => {
    const byDefault = service(composeConfig(['--profile', 'test']), 'test');
    expect(byDefault).toContain(`- ${root}data/movielens/ml-latest-small:`);
  });
});
