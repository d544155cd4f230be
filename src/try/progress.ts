import type { Queue } from 'bullmq';
import type { AdminActions } from '../admin/actions.ts';
import { describeJob, describeResult, progressBarLine, readJobSnapshot, retrainResultLine, watchJobProgress, type JobWording } from '../queue/job-progress.ts';

/**
 * The playground's wording of job progress: the shared shapes and words of src/queue/job-progress.ts,
 * with a bar in front and the epoch total the playground's trainer runs.
 */

export interface JobWatcherOptions {
  queues: { retrain: Queue; reindex: Queue };
  /** Epochs the playground's trainer runs, for "epoch 3/8". */
  epochs?: number;
  /** Poll period (default 500 ms). */
  intervalMs?: number;
  /** Give up after this long (default 30 minutes). */
  timeoutMs?: number;
  /** Runs when a watched job has ended, before the watch counts as done (the playground reloads the served model). */
  afterJob?: () => Promise<unknown>;
}

/**
 * Replaces {@link AdminActions.watchJob} of `admin` with one in the playground's wording: the shared watcher
 * polls the BullMQ job and reports each new line at once until it ends, so the admin's reply shows the
 * progress in place. `active()` counts the watches still running (the playground waits for them before the
 * next scripted line).
 */
export function withJobWatcher<A extends AdminActions>(admin: A, options: JobWatcherOptions): A & { active(): number } {
  let running = 0;
  const wording: JobWording = {
    progress: (progress) => progressBarLine(progress, options.epochs),
    result: (queue, result) => (queue === 'retrain' ? retrainResultLine(result) : describeResult(queue, result)),
    waiting: 'waiting for a worker',
  };
  return {
    // Everything else the bot's admin service offers (the status chart…) stays as it is.
    ...admin,
    active: () => running,
    async watchJob(queueName: 'retrain' | 'reindex', jobId: string, update: (text: string) => Promise<void>) {
      running += 1;
      try {
        await watchJobProgress({
          readJob: () => readJobSnapshot(options.queues[queueName], jobId),
          update,
          describe: (job) => describeJob(queueName, job, wording),
          pollMs: options.intervalMs ?? 500,
          // The emulator has no rate limit: every change is shown.
          minEditIntervalMs: 0,
          timeoutMs: options.timeoutMs ?? 30 * 60_000,
        });
        await options.afterJob?.();
      } finally {
        running -= 1;
      }
    },
  };
}
