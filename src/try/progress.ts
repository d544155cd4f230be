import type { Queue } from 'bullmq';
import { phasePercent, type RetrainProgress, type RetrainResult } from '../../jobs/retrain.ts';
import { PHASE_WORDS } from '../bot/admin-service.ts';
import type { AdminActions } from '../bot/ports.ts';
import { bar } from '../setup/prepare.ts';

/**
 * One line for a retrain's progress: phase, epoch (of `epochs` when known, since the job reports the
 * total only when its payload set it) and loss, with a bar. Reindex jobs report a bare percentage.
 */
export function describeProgress(progress: unknown, epochs?: number): string {
  // BullMQ's progress is 0 until the job reports anything.
  if (progress === 0 || progress === undefined) return 'starting';
  if (typeof progress === 'number') return `${bar(progress / 100)}`;
  if (!progress || typeof progress !== 'object' || !('phase' in progress)) return 'waiting for a worker';
  const p = progress as RetrainProgress;
  const total = p.epochs ?? epochs;
  let percent = p.percent;
  // Without a known total the job's own percentage stalls at the start of the fit's span.
  if ((p.phase === 'train' || p.phase === 'refit') && p.epoch !== undefined && total) percent = Math.max(percent, phasePercent(p.phase, p.epoch / total));
  const parts = [PHASE_WORDS[p.phase] ?? p.phase];
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}${total ? `/${total}` : ''}`);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(1)}`);
  if (p.validationNdcg !== undefined) parts.push(`nDCG@10 ${p.validationNdcg.toFixed(3)}`);
  return `${bar(percent / 100)} ${parts.join(', ')}`;
}

/** The last line of a finished retrain: promoted or not, and why. */
export function describeRetrainResult(result: unknown): string {
  const r = result as Partial<RetrainResult> | null | undefined;
  if (!r || typeof r !== 'object' || !('status' in r)) return 'done.';
  if (r.status === 'skipped') return `skipped: ${String((r as { reason?: string }).reason ?? 'another retrain was running')}.`;
  const done = r as Extract<RetrainResult, { status: 'promoted' | 'rejected' }>;
  const ndcg = `validation nDCG@10 ${done.validationNdcg.toFixed(3)}${done.activeValidationNdcg === null ? '' : ` vs ${done.activeValidationNdcg.toFixed(3)} for version ${done.activeVersionId}`}`;
  const seconds = `${(done.durationMs / 1000).toFixed(1)} s`;
  return done.status === 'promoted'
    ? `done in ${seconds}: version ${done.versionId} is now active (${ndcg}). Suggestions use it from now on.`
    : `done in ${seconds}: version ${done.versionId} was not promoted (${ndcg}): ${done.reason}.`;
}

export interface JobWatcherOptions {
  queues: { retrain: Queue; reindex: Queue };
  /** Epochs the playground's trainer runs, for "epoch 3/8". */
  epochs?: number;
  /** Poll period (default 500 ms). */
  intervalMs?: number;
  /** Give up after this long (default 30 minutes). */
  timeoutMs?: number;
}

/**
 * Replaces {@link AdminActions.watchJob} of `admin` with one that knows the playground's epoch count: polls the BullMQ job and reports each new progress line
 * until it completes or fails, so the admin's reply shows the progress in place. `active()` counts the
 * watches still running (the playground waits for them before the next scripted line).
 */
export function withJobWatcher<A extends AdminActions>(admin: A, options: JobWatcherOptions): A & { active(): number } {
  let running = 0;
  const intervalMs = options.intervalMs ?? 500;
  return {
    // Everything else the bot's admin service offers (the status chart…) stays as it is.
    ...admin,
    active: () => running,
    async watchJob(queueName: 'retrain' | 'reindex', jobId: string, update: (text: string) => Promise<void>) {
      running += 1;
      try {
        const queue = options.queues[queueName];
        const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
        let last = '';
        const say = async (text: string) => {
          if (text === last) return;
          last = text;
          await update(text);
        };
        while (Date.now() < deadline) {
          const job = await queue.getJob(jobId);
          if (!job) return say('the job is gone (removed from the queue).');
          const state = await job.getState();
          if (state === 'completed') return say(queueName === 'retrain' ? describeRetrainResult(job.returnvalue) : 'done: the index was rebuilt.');
          if (state === 'failed') return say(`failed: ${job.failedReason || 'no reason given'}`);
          await say(state === 'active' ? describeProgress(job.progress, options.epochs) : 'waiting for a worker');
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
        await say('still running; see /admin status.');
      } finally {
        running -= 1;
      }
    },
  };
}
