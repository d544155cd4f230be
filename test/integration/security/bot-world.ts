import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { catalogTitleSearch } from '../../../src/bot/adapters.ts';
import type { TitleSearch } from '../../../src/bot/ports.ts';
import type { PrismaClient } from '../../../src/db/client.ts';
import type { Logger } from '../../../src/log.ts';
import { createQueues, type Queues } from '../../../src/queue/queues.ts';
import { startDiscordEmulator, type DiscordEmulator, type DiscordEmulatorOptions } from '../../support/discord-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { inProcessBot, seedTitles, type InProcessBot } from '../reliability/harness.ts';
import { TEST_SETTINGS } from '../../support/settings.ts';

/** One JSON log line as pino writes it (level 30 info, 40 warn, 50 error). */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose lines land in `lines`, for tests that check what the bot logged, and that it did not shout. */
export function captureLogs(level: 'debug' | 'info' = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** Budgets for the bot, and a wrapper around its (real) title search, e.g. to count searches. */
export type BotOptions = Pick<Parameters<typeof inProcessBot>[0], 'rateLimit' | 'reactionWaitingPerMember' | 'movieNight'> & { wrapSearch?(search: TitleSearch): TitleSearch };

/** The real bot in this process against an emulator, with a database of its own (a small catalogue, no model) and its own queue prefix. */
export interface BotWorld {
  db: TestDatabase;
  emu: DiscordEmulator;
  queues: Queues;
  bot: InProcessBot;
  /**
   * Stops the bot, runs `whileDown` (what happens in Discord meanwhile), and starts a new one on the same
   * database, queues and emulator, as after a deploy; `bot` is then the new one.
   */
  restartBot(whileDown?: () => Promise<unknown>): Promise<InProcessBot>;
  /** Stops the bot and the emulator, empties the queues and drops the database. */
  stop(): Promise<void>;
}

export async function startBotWorld(options: { emulator: DiscordEmulatorOptions; logger?: Logger; bot?: BotOptions; seed?: (prisma: PrismaClient) => Promise<unknown> }): Promise<BotWorld> {
  const parts: Partial<Omit<BotWorld, 'stop' | 'restartBot'>> = {};
  const stop = async () => {
    await parts.bot?.stop();
    await parts.emu?.close();
    const { queues } = parts;
    if (queues) for (const q of [queues.userEmbedding, queues.retrain, queues.reindex, queues.movieNight]) await q.obliterate({ force: true }).catch(() => {});
    await queues?.close();
    await parts.db?.drop();
  };
  try {
    const db = (parts.db = await createTestDatabase());
    await (options.seed ?? seedTitles)(db.prisma);
    const emu = (parts.emu = await startDiscordEmulator(options.emulator));
    const queues = (parts.queues = createQueues(TEST_SETTINGS.redisUrl, `tbsec-${randomBytes(3).toString('hex')}`));
    const { wrapSearch, ...budgets } = options.bot ?? {};
    const search = wrapSearch?.(catalogTitleSearch(db.prisma));
    const newBot = async () => {
      const bot = (parts.bot = inProcessBot({ emu, prisma: db.prisma, queues, ...budgets, ...(search ? { search } : {}), ...(options.logger ? { logger: options.logger } : {}) }));
      await bot.start();
      return bot;
    };
    const world: BotWorld = {
      db,
      emu,
      queues,
      bot: await newBot(),
      async restartBot(whileDown) {
        await parts.bot?.stop();
        await whileDown?.();
        return (world.bot = await newBot());
      },
      stop,
    };
    return world;
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
