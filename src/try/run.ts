import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pino } from 'pino';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { TrainOptions } from '../model/options.ts';
import type { Playground, Screen } from './playground.ts';
import { prepareDeployment, SetupError, type SetupReporter } from '../setup/prepare.ts';
import { cliMovieLensSearch, movieLensCandidates as candidatesOf } from '../import/locate.ts';
import { MIGRATIONS_DIR, PACKAGE_ROOT } from '../lib/package-root.ts';

export interface PlaygroundRunOptions {
  config: Config;
  /** Training settings for the first training and for /admin retrain (fewer epochs keep the playground quick). */
  train: Partial<Omit<TrainOptions, 'backend'>>;
  /** Start the provider emulators and let the bot search them (`--providers`). */
  providers?: boolean;
  /** Display name of the member at the keyboard. */
  username: string;
  /** Lines to run instead of an interactive chat; the transcript goes to `out`. */
  script?: readonly string[];
  /** Bot and worker logs (JSON lines) go here, not to the terminal. */
  logFile: string;
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  input: NodeJS.ReadStream;
}

/** Where MovieLens may be: the CLI's own order (MOVIELENS_DIR, then data/movielens/ml-latest-small). */
export function movieLensCandidates(config: Pick<Config, 'movielensDir'>): string[] {
  return candidatesOf(cliMovieLensSearch(config.movielensDir));
}

/**
 * `tastebud try`: prepares the database (migrations, MovieLens, title embeddings, a first model), then
 * runs the Discord emulator, the real bot and a worker in this process and opens a terminal chat (or
 * runs a script). Resolves with the exit code once everything is stopped.
 */
export async function runPlayground(options: PlaygroundRunOptions): Promise<number> {
  const { config } = options;
  const { requireDatabaseUrl } = await import('../config.ts');
  const { createPrisma, describeConnectionError } = await import('../db/client.ts');
  const { applyMigrations } = await import('../db/migrate.ts');
  const databaseUrl = requireDatabaseUrl(config);
  const reporter = createReporter(options.err);
  const logger = fileLogger(options.logFile, config.logLevel);
  const prisma = createPrisma(databaseUrl);
  const cleanups: (() => Promise<unknown>)[] = [() => prisma.$disconnect()];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
    cleanups.length = 0;
  };
  try {
    const migrations = await applyMigrations(databaseUrl, MIGRATIONS_DIR).catch((error: unknown) => {
      throw describeConnectionError(error, databaseUrl);
    });
    if (migrations.applied.length > 0) reporter.line(`Applied ${migrations.applied.length} database migration(s).`);
    const { Redis } = await import('ioredis');
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => {});
    await redis.connect().catch(() => {
      throw new SetupError(`Cannot reach Redis at ${config.redisUrl}; start it (redis-server) or set REDIS_URL.`);
    });
    cleanups.push(() => redis.quit());

    const embeddingModel = await prepareDeployment({
      config: options.config,
      train: options.train,
      candidates: movieLensCandidates(options.config),
      prisma,
      redis,
      databaseUrl,
      reporter,
      logger,
      requestedBy: 'tastebud try',
      allowModelDownload: false,
    });
    let providers: import('../providers/index.ts').Providers | undefined;
    if (options.providers) {
      const { startPlaygroundProviders } = await import('./providers.ts');
      const started = await startPlaygroundProviders({ config, prisma, logger, reporter });
      cleanups.push(() => started.close());
      providers = started.providers;
    }
    const services = await startServices({ ...options, prisma, databaseUrl, logger, embeddingModel, catalogueProviders: providers });
    cleanups.push(() => services.stop());
    reporter.line(`Ready: you are "${options.username}" (a server admin) in #general with the tastebud bot. Logs: ${options.logFile}`);
    return options.script ? await runScript(services.playground(options.out, false), options.script, options.out) : await runInteractive(services, options);
  } finally {
    await cleanup();
  }
}

interface ServiceContext extends PlaygroundRunOptions {
  prisma: import('../db/client.ts').PrismaClient;
  databaseUrl: string;
  logger: Logger;
  embeddingModel: string;
  /** The emulated providers of `--providers`; without them the bot answers from the local catalogue only. */
  catalogueProviders: import('../providers/index.ts').Providers | undefined;
}

interface Services {
  emulator: import('../emulator/index.ts').DiscordEmulator;
  /** A playground printing to `screen` (or a plain transcript on `out`). */
  playground(out: NodeJS.WriteStream, colour: boolean, screen?: Screen): Playground;
  stop(): Promise<void>;
}

/** Starts the emulator, a worker child process (all queues, no schedule) and the real bot logged into the emulator. */
async function startServices(ctx: ServiceContext): Promise<Services> {
  const { config, prisma, logger } = ctx;
  const { startDiscordEmulator } = await import('../emulator/index.ts');
  // Other local members, for group features: `as bob: react 3 🍿`.
  const PLAYGROUND_FRIENDS = ['bob', 'cy'];
  const { startBotProcess } = await import('../app/bot-process.ts');
  const { withJobWatcher } = await import('./progress.ts');
  const { Playground } = await import('./playground.ts');

  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
    stops.length = 0;
  };
  try {
    const emulator = await startDiscordEmulator({
      botUsername: 'tastebud',
      guildName: 'tastebud playground',
      members: [{ username: ctx.username, permissions: 'ManageGuild' }, ...PLAYGROUND_FRIENDS.map((username) => ({ username }))],
    });
    stops.push(() => emulator.close());
    const userId = emulator.memberIds[0]!;
    // The worker runs in a child process: training blocks its event loop for seconds at a time, which in
    // this process would stall the bot's interactions, BullMQ's lock renewals and the job's progress.
    const worker = await startWorkerChild(ctx);
    stops.push(() => worker.stop());
    const botLogger = logger.child({ component: 'bot' });
    const { createAdminActions } = await import('../admin/admin-service.ts');
    let watchedJobs = () => 0;
    // The worker child announces promotions on Redis; the 1 s check also catches a version promoted by hand.
    const botProcess = await startBotProcess({
      config,
      botConfig: { discord: { token: emulator.token, applicationId: emulator.applicationId, guildId: emulator.guildId, apiUrl: emulator.apiUrl }, rateLimit: config.rateLimit },
      prisma,
      ownsPrisma: false,
      logger: botLogger,
      ...(ctx.catalogueProviders ? { providers: ctx.catalogueProviders } : {}),
      servingPollMs: 1000,
      outboxIntervalMs: 1000,
      // A scripted line after `/admin retrain` waits for the watch, and so for the new version to serve.
      admin: ({ queues, serving }) => {
        const admin = withJobWatcher(createAdminActions(prisma, queues), { queues, afterJob: () => serving.refresh(), ...(ctx.train.epochs ? { epochs: ctx.train.epochs } : {}) });
        watchedJobs = () => admin.active();
        return admin;
      },
    });
    stops.push(() => botProcess.stop());
    const { queues } = botProcess;
    const names = new Map([[emulator.botUserId, 'tastebud'], [userId, ctx.username], ...PLAYGROUND_FRIENDS.map((username, i) => [emulator.memberIds[i + 1]!, username] as [string, string])]);
    const busy = async () => {
      if (watchedJobs() > 0) return true;
      for (const queue of [queues.userEmbedding, queues.retrain, queues.reindex]) {
        const counts = await queue.getJobCounts('active', 'waiting', 'prioritized');
        if (Object.values(counts).some((n) => n > 0)) return true;
      }
      return false;
    };
    return {
      emulator,
      playground: (out, colour, screen) => new Playground({ emulator, userId, screen: screen ?? transcriptScreen(out), colour, names, busy, markUpdates: !screen }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A screen that only appends: the transcript of `--script`. */
export function transcriptScreen(out: NodeJS.WritableStream): Screen {
  const write = (lines: readonly string[]) => out.write(`${lines.join('\n')}\n`);
  return { print: write, replace: (_key, lines) => write(lines) };
}

/** Runs script lines, echoing each as "> line"; stops at the first line that fails (exit code 1). */
async function runScript(playground: Playground, lines: readonly string[], out: NodeJS.WriteStream): Promise<number> {
  // SIGINT/SIGTERM end the script after stopping everything, instead of killing the process mid-way.
  let interrupt: (signal: NodeJS.Signals) => void = () => {};
  const interrupted = new Promise<'interrupted'>((resolve) => {
    interrupt = () => resolve('interrupted');
  });
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  playground.start();
  try {
    for (const line of lines) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      out.write(`> ${trimmed}\n`);
      const outcome = await Promise.race([playground.run(trimmed), interrupted]);
      if (outcome === 'interrupted') return 130;
      if (outcome === 'quit') break;
      if (outcome === 'error') return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    playground.stop();
  }
}

async function runInteractive(services: Services, options: PlaygroundRunOptions): Promise<number> {
  const { runTerminalChat } = await import('./terminal.ts');
  return runTerminalChat({ input: options.input, output: options.out, createPlayground: (screen, colour) => services.playground(options.out, colour, screen), username: options.username });
}

/** Setup progress on stderr: a status line redrawn in place on a terminal, else a line every 2 s. */
function createReporter(err: NodeJS.WriteStream): SetupReporter {
  const tty = Boolean(err.isTTY);
  let pending = false;
  let lastAt = 0;
  return {
    status(text) {
      if (tty) {
        err.write(`\r\x1b[K${text}`);
        pending = true;
      } else if (Date.now() - lastAt >= 2000) {
        err.write(`${text}\n`);
        lastAt = Date.now();
      }
    },
    line(text) {
      err.write(`${tty && pending ? '\r\x1b[K' : ''}${text}\n`);
      pending = false;
      lastAt = 0;
    },
  };
}

/** Logs of the bot and worker as JSON lines in a file, so they do not run through the chat. */
function fileLogger(path: string, level: Config['logLevel']): Logger {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  return pino(
    { name: 'tastebud-try', level, redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'databaseUrl', 'redisUrl'], censor: '***' } },
    pino.destination({ dest: resolve(path), sync: true }),
  );
}

/** How long a stopped playground, or its worker, may take to end by itself. */
const EXIT_GRACE_MS = 3000;

/**
 * For the `tastebud try` process once everything is stopped: the event loop should be empty and the
 * process end by itself. If something still holds it (in the worker, a retrain cut short by quitting
 * may still be finishing a step), exit after a grace period and log what was still open, so a leak
 * shows up in the log instead of as a playground that never ends.
 */
export function exitIfStillRunning(options: { logFile: string; level: Config['logLevel']; component: string }): void {
  setTimeout(() => {
    fileLogger(options.logFile, options.level)
      .child({ component: options.component })
      .warn({ graceMs: EXIT_GRACE_MS, stillOpen: process.getActiveResourcesInfo() }, 'still running after everything was stopped: exiting anyway');
    process.exit();
  }, EXIT_GRACE_MS).unref();
}

/** Line the worker child prints on stdout once it takes jobs. */
const WORKER_READY = 'tastebud-try-worker-ready';

/** Spawns `tastebud try --worker-only` with the same settings; resolves once it takes jobs. */
async function startWorkerChild(ctx: ServiceContext): Promise<{ stop(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const args = [join(PACKAGE_ROOT, 'bin', 'tastebud.js'), 'try', '--worker-only', '--log-file', ctx.logFile, '--embedding-model', ctx.embeddingModel];
  if (ctx.train.epochs) args.push('--epochs', String(ctx.train.epochs));
  if (ctx.train.dimension) args.push('--dimension', String(ctx.train.dimension));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes(WORKER_READY)) resolve();
    });
    void exited.then((code) => reject(new SetupError(`The worker process exited (code ${code}) before it was ready: ${stderr.trim() || 'no message'}`)));
  });
  return {
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The playground's worker process (`tastebud try --worker-only`): every queue, no schedule, and the
 * playground's training settings for /admin retrain. Runs until SIGTERM or SIGINT.
 */
export async function runPlaygroundWorker(options: { config: Config; train: PlaygroundRunOptions['train']; logFile: string; embeddingModel: string; out: NodeJS.WriteStream }): Promise<number> {
  const { config } = options;
  const { startWorkerProcess } = await import('../app/worker-process.ts');
  const { trainModel } = await import('../model/train.ts');
  const { createTitleEncoder } = await import('../embeddings/encoder.ts');
  const logger = fileLogger(options.logFile, config.logLevel).child({ component: 'worker' });
  const worker = await startWorkerProcess({
    config,
    logger,
    overrides: {
      // /admin retrain queues a job without training options; the playground's own (fewer epochs) apply here.
      train: (dataset, trainOptions, hooks) => trainModel(dataset, { ...trainOptions, ...options.train }, hooks),
      retrainCron: null,
      trendingRefreshCron: null,
      openEncoder: () => createTitleEncoder({ model: options.embeddingModel, modelsDir: config.embeddings.modelsDir, allowRemoteModels: false }),
    },
  });
  options.out.write(`${WORKER_READY}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  // Forced: quitting during a retrain should not wait for it; the next retrain marks an unfinished version failed.
  await worker.stop(true);
  return 0;
}
