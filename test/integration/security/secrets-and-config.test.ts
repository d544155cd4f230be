import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { onServer, quoteIdent } from '../../support/postgres.ts';
import { BIN, botEnv, memberList, recommend, ROOT, seedTitles, startBotProcess } from '../reliability/harness.ts';
import { TEST_SETTINGS } from '../../support/settings.ts';

const run = promisify(execFile);
const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const TOKEN = `tok.${randomBytes(24).toString('base64url')}`;
const role = `tbsec_${randomBytes(4).toString('hex')}`;
const [alice, admin] = [memberList(1)[0]!, { id: '300000000000000077', username: 'boss', permissions: 'ManageGuild' }];
let db: TestDatabase;
let emu: DiscordEmulator;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedTitles(db.prisma);
  const name = new URL(db.url).pathname.slice(1);
  await onServer(async (client) => {
    await client.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${PASSWORD}'`);
    await client.query(`GRANT ALL ON DATABASE ${quoteIdent(name)} TO ${quoteIdent(role)}`);
  });
  await db.prisma.$executeRawUnsafe(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${quoteIdent(role)}`);
  await db.prisma.$executeRawUnsafe(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${quoteIdent(role)}`);
  const u = new URL(db.url);
  u.username = role;
  u.password = PASSWORD;
  url = u.toString();
  emu = await startDiscordEmulator({ token: TOKEN, members: [alice, admin] });
});

afterAll(async () => {
  await emu?.close();
  await db?.drop();
  await onServer((client) => client.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`)).catch(() => {});
});

/** Every place a secret could leak to: process output, REST bodies, messages. */
function scan(text: string): string[] {
  return [PASSWORD, TOKEN, encodeURIComponent(PASSWORD)].filter((secret) => text.includes(secret));
}

describe('secrets', () => {
  it('a full flow with a password-bearing DATABASE_URL and a known token leaks neither to logs, errors or replies', async () => {
    const redisUrl = TEST_SETTINGS.redisUrl;
    const bot = await startBotProcess(botEnv(emu, url, redisUrl, { LOG_LEVEL: 'debug' }));
    try {
      const messages = await recommend(emu, alice.id, 2);
      await emu.react({ userId: alice.id, messageId: messages[0]!, emoji: '👍' });
      for (const [name, options] of [
        ['rate', { title: 'nope nothing', score: 3 }],
        ['rate', { title: 'Title 2', score: 4 }],
        ['profile', {}],
        ['search', { query: 'x'.repeat(500) }],
      ] as const) {
        const i = await emu.runCommand({ userId: alice.id, name, options });
        await i.settled();
      }
      const status = await emu.runCommand({ userId: admin.id, name: 'admin', subcommand: 'status' });
      await status.settled();
      expect(status.finalContent()).toMatch(/Active model/);
      await expect.poll(() => db.prisma.rating.count({ where: { user: { externalId: alice.id } } })).toBe(2);
    } finally {
      await bot.stop('SIGTERM');
    }
    expect(bot.output()).toMatch(/"level":20/);
    expect(scan(bot.output())).toEqual([]);
    expect(scan(JSON.stringify(emu.requests.map((r) => ({ path: r.path, query: r.query, body: r.body }))))).toEqual([]);
    expect(scan(JSON.stringify(emu.messages()))).toEqual([]);
  });

  it('an unreachable server or a missing database fails with one line that names no secret', async () => {
    // The local server trusts 127.0.0.1, so a wrong password would still get in; these two fail for real.
    const missing = new URL(url);
    missing.pathname = '/tastebud_no_such_database';
    const down = new URL(url);
    down.port = '1';
    for (const databaseUrl of [missing.toString(), down.toString()]) {
      const result = await run(process.execPath, [BIN, 'export', 'user', '1'], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'debug' }, cwd: ROOT, timeout: 30_000 }).catch(
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect((result as { code: number }).code).toBe(1);
      const stderr = (result as { stderr: string }).stderr;
      expect(
        stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn')),
        stderr,
      ).toHaveLength(1);
      expect(scan(stderr)).toEqual([]);
    }
  });
});

describe('configuration', () => {
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x',
    DISCORD_TOKEN: 'a'.repeat(40),
    DISCORD_APPLICATION_ID: '123456789012345678',
  };
  const bad: [string, Record<string, string>, RegExp][] = [
    ['DATABASE_URL', { DATABASE_URL: `mysql://u:${PASSWORD}@h/db` }, /DATABASE_URL must be a URL starting with postgresql:/],
    ['REDIS_URL', { REDIS_URL: 'http://localhost' }, /REDIS_URL/],
    ['DISCORD_TOKEN', { DISCORD_TOKEN: 'short' }, /DISCORD_TOKEN looks too short/],
    ['DISCORD_APPLICATION_ID', { DISCORD_APPLICATION_ID: 'abc' }, /DISCORD_APPLICATION_ID must be a Discord id/],
    ['DISCORD_GUILD_ID', { DISCORD_GUILD_ID: '12' }, /DISCORD_GUILD_ID/],
    ['HNSW_M', { HNSW_M: 'lots' }, /HNSW_M/],
    ['COMMAND_RATE_LIMIT', { COMMAND_RATE_LIMIT: '0' }, /COMMAND_RATE_LIMIT/],
    ['RECONCILE_WINDOW_DAYS', { RECONCILE_WINDOW_DAYS: '-1' }, /RECONCILE_WINDOW_DAYS/],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    ['QUEUE_PREFIX', { QUEUE_PREFIX: 'a b' }, /QUEUE_PREFIX/],
    ['missing DISCORD_TOKEN', { DISCORD_TOKEN: '' }, /DISCORD_TOKEN .* is not set/],
  ];
  // Each case is a short-lived process that mostly waits on start-up, so they run side by side.
  it.concurrent.each(bad)('%s: `tastebud bot` stops with one clear line and a non-zero exit', async (_name, change, expected) => {
    const result = await run(process.execPath, [BIN, 'bot'], { env: { ...base, ...change }, cwd: '/tmp', timeout: 30_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    const { code, stdout, stderr } = result as { code: number; stdout: string; stderr: string };
    expect(code).not.toBe(0);
    const lines = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn'));
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^tastebud: /);
    expect(lines[0]).toMatch(expected);
    expect(stdout).toBe('');
    expect(scan(stderr)).toEqual([]);
  });
});
