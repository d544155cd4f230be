import { Command, InvalidArgumentError } from 'commander';
import { PRUNE_EVERY_MS, WORKER_QUEUES as QUEUE_NAMES } from '../../worker/queues.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

function queueList(value: string): (typeof QUEUE_NAMES)[number][] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(QUEUE_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`must list queues from: ${QUEUE_NAMES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}.`);
  return names as (typeof QUEUE_NAMES)[number][];
}

/** `tastebud worker`: runs the learning loop's BullMQ workers until SIGTERM or SIGINT. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the background workers: user vector rebuilds, scheduled retrains, index rebuilds, title embeddings, retention prunes')
    .option('--queues <list>', `comma-separated queues to consume (${QUEUE_NAMES.join(', ')})`, queueList)
    .option('--concurrency <n>', 'user-embedding jobs run side by side', positiveInt, 4)
    .option('--no-schedule', 'do not register the job schedulers (RETRAIN_CRON retrain, periodic prune, TRENDING_REFRESH_CRON refresh)')
    .option('--lock-duration-ms <ms>', 'job lock lifetime before a silent worker counts as stalled', positiveInt)
    .option('--stalled-interval-ms <ms>', 'how often to look for stalled jobs', positiveInt)
    .action(async (opts: { queues?: (typeof QUEUE_NAMES)[number][]; concurrency: number; schedule: boolean; lockDurationMs?: number; stalledIntervalMs?: number }) => {
      const { loadConfig } = await import('../../config.ts');
      const { createLogger } = await import('../../log.ts');
      const { startWorkerProcess } = await import('../../app/worker-process.ts');
      const config = loadConfig();
      const logger = createLogger(config, 'worker');
      const worker = await startWorkerProcess({
        config,
        logger,
        observability: true,
        overrides: {
          retrainCron: opts.schedule ? config.retrainCron : null,
          pruneEveryMs: opts.schedule ? PRUNE_EVERY_MS : null,
          trendingRefreshCron: opts.schedule ? config.trendingRefresh.cron : null,
          ...(opts.queues ? { queues: opts.queues } : {}),
          userEmbeddingConcurrency: opts.concurrency,
          ...(opts.lockDurationMs ? { lockDurationMs: opts.lockDurationMs } : {}),
          ...(opts.stalledIntervalMs ? { stalledIntervalMs: opts.stalledIntervalMs } : {}),
        },
      });
      await new Promise<void>((resolve) => {
        let signals = 0;
        const stop = (signal: NodeJS.Signals) => {
          signals += 1;
          if (signals > 1) {
            // A second signal: stop waiting; running jobs stall and another worker retries them.
            logger.warn({ signal }, 'second signal: exiting without waiting for running jobs');
            process.exit(1);
          }
          logger.info({ signal }, 'shutting down: finishing running jobs (send the signal again to exit at once)');
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      await worker.stop();
    });
}
