import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../src/db/client.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../../support/discord-emulator/index.ts';
import { createMigratedDatabase, startPostgresProcess, startRedisProcess, type ManagedChild, type PostgresProcess, type RedisProcess } from '../../support/processes/index.ts';
import { botEnv, expectDatabaseMatchesDiscord, memberList, MIGRATIONS, prismaFor, reactionBurst, recommend, seedTitles, startBotProcess } from './harness.ts';

const members = memberList(8);
const ids = members.map((m) => m.id);
const all: string[] = [];
let pg: PostgresProcess;
let redis: RedisProcess;
let prisma: PrismaClient;
let emu: DiscordEmulator;
let env: NodeJS.ProcessEnv;
let bot: ManagedChild | undefined;

const matches = () =>
  expectDatabaseMatchesDiscord(emu, prisma, all).then(
    () => true,
    () => false,
  );
const pace = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgresProcess(), startRedisProcess()]);
  const url = await createMigratedDatabase(pg, 'reliability', MIGRATIONS);
  prisma = prismaFor(url);
  await seedTitles(prisma);
  emu = await startDiscordEmulator({ members });
  env = botEnv(emu, url, redis.url);
  bot = await startBotProcess(env);
  all.push(...(await recommend(emu, ids[0]!, 3)), ...(await recommend(emu, ids[1]!, 2)));
});

afterAll(async () => {
  await bot?.stop('SIGKILL');
  await emu?.close();
  await prisma?.$disconnect();
  await pg?.destroy();
  await redis?.destroy();
});

describe('bot killed, stopped or cut off during a burst', () => {
  it('SIGKILL mid-burst, reactions while it is down: after a restart the database matches Discord', async () => {
    const burst = reactionBurst(emu, ids, all, 40, 11, pace);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bot!.stop('SIGKILL');
    await burst;
    await reactionBurst(emu, ids, all, 20, 12);
    bot = await startBotProcess(env);
    await expect.poll(matches, { timeout: 20_000, interval: 250 }).toBe(true);
  });

  it('SIGTERM during a burst: the bot finishes what it took, exits 0, and catches up after a restart', async () => {
    const burst = reactionBurst(emu, ids, all, 40, 21, pace);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const code = await bot!.stop('SIGTERM', 20_000);
    await burst;
    expect(code, bot!.output().slice(-2000)).toBe(0);
    expect(bot!.output()).not.toMatch(/"level":50/);
    bot = await startBotProcess(env);
    await expect.poll(matches, { timeout: 20_000, interval: 250 }).toBe(true);
  });

  it('gateway cut mid-burst: the bot resumes and the missed events are replayed', async () => {
    const burst = reactionBurst(emu, ids, all, 40, 31, pace);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(emu.dropGatewayConnections()).toBeGreaterThan(0);
    await burst;
    await expect.poll(matches, { timeout: 20_000, interval: 250 }).toBe(true);
    await expect.poll(() => emu.sessions().some((s) => s.connected), { timeout: 20_000 }).toBe(true);
  });

  it('session invalidated while cut off: the bot identifies anew and reconciliation covers the gap', async () => {
    emu.invalidateSessions();
    emu.dropGatewayConnections();
    await reactionBurst(emu, ids, all, 40, 41);
    await expect.poll(() => emu.sessions().some((s) => s.connected), { timeout: 30_000 }).toBe(true);
    await expect.poll(matches, { timeout: 20_000, interval: 250 }).toBe(true);
    const ratings = await prisma.rating.count({ where: { user: { source: 'discord' } } });
    expect(ratings).toBeGreaterThan(0);
  });
});
