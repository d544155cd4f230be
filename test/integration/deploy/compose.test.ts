import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('docker-compose.yml', () => {
  // No Docker engine here: Debian's docker-compose (v1) still validates and resolves the file (.ci/run installs it).
  const config = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, POSTGRES_PASSWORD: 'compose-test' },
  });

  it('is valid and defines the services tastebud runs as', () => {
    for (const service of ['postgres:', 'redis:', 'migrate:', 'bot:', 'worker:']) expect(config).toContain(`  ${service}`);
  });

  it('gives long-running services healthchecks and restart policies, and seeds before they start', () => {
    const services = config.split(/\n  (?=\w+:\n)/);
    for (const name of ['postgres', 'redis', 'bot', 'worker']) {
      const block = services.find((s) => s.startsWith(`${name}:`)) ?? '';
      expect(block, name).toContain('healthcheck:');
      expect(block, name).toContain('restart: unless-stopped');
    }
    const bot = services.find((s) => s.startsWith('bot:')) ?? '';
    expect(bot).toMatch(/migrate:\s+condition: service_completed_successfully/);
  });
});
