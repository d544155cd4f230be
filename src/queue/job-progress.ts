import type { Queue } from 'bullmq';
import type { Logger } from '../log.ts';
import type { ActiveScored } from '../promotion/gate.ts';
import { withQueueTimeout } from './queues.ts';
import { bar } from '../lib/progress-bar.ts';

/**
 * The one home of job progress: the shapes the retrain and reindex processors (jobs/) report and return,
 * reading them back from BullMQ's untyped `job.progress` / `job.returnvalue`, their wording, and the
 * poller that edits a reply until a job ends. /admin (bot/admin-service.ts) and `tastebud try`
 * (try/progress.ts, which adds a terminal bar) both use it.
 */

/** The phases of a retrain, in order. */
export type RetrainPhase = 'load' | 'train' | 'evaluate' | 'refit' | 'index' | 'save' | 'promote';

/** What the job reports through job.updateProgress: the phase, overall percent, and per-epoch numbers while training. */
export interface RetrainProgress {
  phase: RetrainPhase;
  percent: number;
  epoch?: number;
  epochs?: number;
  loss?: number;
  validationNdcg?: number;
}

/** What the promotion gate measured (see src/model/README.md, "Promotion"). */
export interface GateFigures {
  /** nDCG@10 of the candidate's gate fit on the whole hold-out. */
  holdoutNdcg: number;
  holdoutRatings: number;
  /** Ratings the gate fit was trained on (every rating outside the hold-out). */
  trainingRatings: number;
  /** Hold-out ratings the active version never saw either, on which both were compared (null: no comparison). */
  comparedRatings: number | null;
  /** Which model of the active version was scored: its own gate fit, or (versions without one) its served model. */
  activeScored: ActiveScored | null;
}

export type RetrainResult =
  | {
      status: 'promoted' | 'rejected';
      versionId: number;
      /** The candidate's nDCG@10 on the ratings it was compared on (the whole hold-out when nothing was compared). */
      validationNdcg: number;
      activeVersionId: number | null;
      /** The active version's nDCG@10 on the same ratings. */
      activeValidationNdcg: number | null;
      reason: string;
      gate: GateFigures;
      /** Ratings the stored model was trained on: all of them after a refit, the gate fit's when rejected. */
      servedTrainingRatings: number;
      phaseMs: Record<RetrainPhase, number>;
      durationMs: number;
    }
  | { status: 'skipped'; reason: string };

/** Where each phase starts and ends on the overall 0-100 progress scale (two fits: the gate fit, then the refit). */
export const PHASE_SPAN: Record<RetrainPhase, [number, number]> = {
  load: [0, 5],
  train: [5, 45],
  evaluate: [45, 50],
  refit: [50, 88],
  index: [88, 92],
  save: [92, 98],
  promote: [98, 100],
};

/** The overall percent `share` (0-1) of the way through `phase`. */
export function phasePercent(phase: RetrainPhase, share: number): number {
  const [from, to] = PHASE_SPAN[phase];
  return Math.round(from + Math.min(1, Math.max(0, share)) * (to - from));
}

/** What a reindex job returns. */
export type ReindexResult = { status: 'rebuilt'; versionId: number; titles: number; bytes: number } | { status: 'skipped'; reason: string };

/** The queues whose jobs people watch. */
export type WatchedQueue = 'retrain' | 'reindex';

/** A job's progress as read back: nothing yet, a bare percentage (reindex, embeddings), a retrain's phase, or something else. */
export type JobProgress = { kind: 'none' } | { kind: 'percent'; percent: number } | { kind: 'retrain'; progress: RetrainProgress } | { kind: 'unknown' };

const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Reads BullMQ's `job.progress` (0 until the job reports anything) into a {@link JobProgress}; only finite numbers are kept. */
export function readProgress(progress: unknown): JobProgress {
  if (progress === 0 || progress === undefined || progress === null) return { kind: 'none' };
  if (typeof progress === 'number') return { kind: 'percent', percent: progress };
  if (typeof progress !== 'object') return { kind: 'none' };
  const p = progress as Record<string, unknown>;
  if (typeof p.phase !== 'string') return { kind: 'unknown' };
  const read: RetrainProgress = { phase: p.phase as RetrainPhase, percent: finite(p.percent) ?? 0 };
  for (const key of ['epoch', 'epochs', 'loss', 'validationNdcg'] as const) {
    const value = finite(p[key]);
    if (value !== undefined) read[key] = value;
  }
  return { kind: 'retrain', progress: read };
}

/**
 * A retrain's overall percent. While fitting, the job's own figure moves only when it knows the epoch total
 * (its payload set it); `epochs` (what the caller knows the trainer runs) fills that in.
 */
export function retrainPercent(p: RetrainProgress, epochs?: number): number {
  const total = p.epochs ?? epochs;
  if ((p.phase === 'train' || p.phase === 'refit') && p.epoch !== undefined && total) return Math.max(p.percent, phasePercent(p.phase, p.epoch / total));
  return p.percent;
}

/** How a retrain's phases read to people (the bot's /admin replies and the playground). */
export const PHASE_WORDS: Record<RetrainPhase, string> = {
  load: 'loading ratings',
  train: 'training',
  evaluate: 'evaluating',
  refit: 'training on every rating',
  index: 'building the index',
  save: 'saving',
  promote: 'promoting',
};

/** "training", "epoch 3/15": the phase and epoch of a retrain's progress. */
export function phaseParts(p: RetrainProgress, epochs?: number): string[] {
  const total = p.epochs ?? epochs;
  const parts = [PHASE_WORDS[p.phase] ?? p.phase];
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}${total ? `/${total}` : ''}`);
  return parts;
}

/** One line for a job's progress in a chat reply, e.g. "training, epoch 3/15, loss 12.35, validation nDCG@10 0.123 (42 %)". */
export function describeProgress(progress: unknown): string {
  const read = readProgress(progress);
  if (read.kind === 'none') return 'started';
  if (read.kind === 'percent') return `${Math.round(read.percent)} %`;
  if (read.kind === 'unknown') return 'running';
  const p = read.progress;
  const parts = phaseParts(p);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(2)}`);
  if (p.validationNdcg !== undefined) parts.push(`validation nDCG@10 ${p.validationNdcg.toFixed(3)}`);
  return `${parts.join(', ')} (${retrainPercent(p).toFixed(0)} %)`;
}

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object';

/** The final line of a job that completed, from its return value (a {@link RetrainResult} or {@link ReindexResult}). */
export function describeResult(queue: WatchedQueue, result: unknown): string {
  const r = isObject(result) ? result : {};
  if (r.status === 'skipped') return `skipped: ${typeof r.reason === 'string' ? r.reason : 'no reason given'}.`;
  if (queue === 'reindex') {
    return r.status === 'rebuilt' ? `done: the index of version ${String(r.versionId)} was rebuilt (${String(r.titles)} titles).` : 'done.';
  }
  if (r.status !== 'promoted' && r.status !== 'rejected') return 'done.';
  const ndcg = finite(r.validationNdcg)?.toFixed(3);
  const activeNdcg = finite(r.activeValidationNdcg)?.toFixed(3);
  const comparison = `validation nDCG@10 ${ndcg ?? '?'}${activeNdcg === undefined ? '' : ` vs ${activeNdcg} for version ${String(r.activeVersionId)}`}`;
  const durationMs = finite(r.durationMs);
  const took = durationMs === undefined ? '' : ` in ${(durationMs / 1000).toFixed(1)} s`;
  return r.status === 'promoted'
    ? `done${took}: version ${String(r.versionId)} is now active (${comparison}).`
    : `done${took}: version ${String(r.versionId)} was not promoted (${comparison}): ${typeof r.reason === 'string' ? r.reason : 'no reason given'}.`;
}

/** What a watcher reads of a BullMQ job on each poll. */
export interface JobSnapshot {
  state: string;
  progress: unknown;
  returnValue: unknown;
  failedReason: string | undefined;
}

/**
 * The job now, or undefined once it is gone. The job's hash is read before its state, so a job that
 * completed in between is seen completed with the return value it did not have yet: then it is read again.
 */
export async function readJobSnapshot(queue: Pick<Queue, 'getJob'>, jobId: string): Promise<JobSnapshot | undefined> {
  let job = await withQueueTimeout('reading a job', queue.getJob(jobId));
  if (!job) return undefined;
  const state = String(await withQueueTimeout('reading a job state', job.getState()));
  if ((state === 'completed' && job.returnvalue == null) || (state === 'failed' && !job.failedReason)) {
    job = await withQueueTimeout('reading a job', queue.getJob(jobId));
    if (!job) return undefined;
  }
  return { state, progress: job.progress, returnValue: job.returnvalue as unknown, failedReason: job.failedReason || undefined };
}

/** How {@link describeJob} words a job: the chat's by default; the playground passes its bar and result lines. */
export interface JobWording {
  progress(progress: unknown): string;
  result(queue: WatchedQueue, result: unknown): string;
  /** For a job still waiting for a worker; null says nothing new (the reply keeps saying it was queued). */
  waiting: string | null;
}

const CHAT_WORDING: JobWording = { progress: describeProgress, result: describeResult, waiting: null };

/** The reply text for a job's current state (null: nothing new to say), and whether the job has ended. */
export function describeJob(queue: WatchedQueue, job: JobSnapshot | undefined, wording: JobWording = CHAT_WORDING): { text: string | null; final: boolean } {
  if (!job) return { text: 'the job is gone from the queue (removed or expired); see `/admin status`.', final: true };
  switch (job.state) {
    case 'completed':
      return { text: wording.result(queue, job.returnValue), final: true };
    case 'failed':
      return { text: `failed: ${job.failedReason ?? 'no reason given'}`, final: true };
    case 'active':
      return { text: wording.progress(job.progress), final: false };
    case 'delayed':
      return { text: 'waiting to retry', final: false };
    default:
      return { text: wording.waiting, final: false };
  }
}

export interface WatchJobOptions {
  /** The job now; undefined once it is gone from the queue. May throw (Redis down): the watcher retries. */
  readJob(): Promise<JobSnapshot | undefined>;
  /** Edits the admin's reply. A failure is logged and the next text tried later. */
  update(text: string): Promise<void>;
  /** The text for a job (null: nothing new to say yet) and whether it is final. */
  describe(job: JobSnapshot | undefined): { text: string | null; final: boolean };
  pollMs?: number;
  minEditIntervalMs?: number;
  timeoutMs?: number;
  logger?: Logger;
  /** Clock and timer, injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Polls a job and reports its progress through `update` until it ends or `timeoutMs` passes. Edits
 * only when the text changed and at most once per `minEditIntervalMs`; the final text is always sent
 * (after waiting out that interval). Never rejects: a job that cannot be read or an edit that fails is
 * logged and retried on the next poll.
 */
export async function watchJobProgress(options: WatchJobOptions): Promise<void> {
  const now = options.now ?? Date.now;
  // Unref'd: a watch still polling must not keep a bot that is shutting down alive.
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  const pollMs = options.pollMs ?? 1_000;
  const minEditMs = options.minEditIntervalMs ?? 1_500;
  const deadline = now() + (options.timeoutMs ?? 14 * 60_000);
  let sentText: string | undefined;
  let sentAt = -Infinity;

  const send = async (text: string): Promise<void> => {
    if (text === sentText) return;
    const wait = sentAt + minEditMs - now();
    if (wait > 0) await sleep(wait);
    sentAt = now();
    try {
      await options.update(text);
      sentText = text;
    } catch (error) {
      options.logger?.warn({ err: error }, 'could not edit the job progress reply');
    }
  };

  try {
    while (now() < deadline) {
      let job: JobSnapshot | undefined;
      try {
        job = await options.readJob();
      } catch (error) {
        options.logger?.debug({ err: error }, 'reading the watched job failed; retrying');
        await sleep(pollMs);
        continue;
      }
      const { text, final } = options.describe(job);
      if (final) {
        if (text !== null) await send(text);
        return;
      }
      // A change arriving inside the edit interval waits for the next poll rather than blocking it.
      if (text !== null && now() - sentAt >= minEditMs) await send(text);
      await sleep(pollMs);
    }
    await send(
      sentText === undefined
        ? 'still waiting for a worker (is `tastebud worker` running?); see `/admin status`.'
        : 'still running; this message stops updating here. See `/admin status` for how it ends.',
    );
  } catch (error) {
    options.logger?.warn({ err: error }, 'job progress reporting stopped');
  }
}

/**
 * A terminal's line for a job's progress (the playground, `tastebud seed`): a retrain's phase, epoch (of `epochs` when known, since the job reports the
 * total only when its payload set it) and loss, with a bar. Reindex jobs report a bare percentage.
 */
export function progressBarLine(progress: unknown, epochs?: number): string {
  const read = readProgress(progress);
  if (read.kind === 'none') return 'starting';
  if (read.kind === 'percent') return bar(read.percent / 100);
  if (read.kind === 'unknown') return 'waiting for a worker';
  const p = read.progress;
  const parts = phaseParts(p, epochs);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(1)}`);
  if (p.validationNdcg !== undefined) parts.push(`nDCG@10 ${p.validationNdcg.toFixed(3)}`);
  return `${bar(retrainPercent(p, epochs) / 100)} ${parts.join(', ')}`;
}

/** The last line of a finished retrain: promoted or not, and why. */
export function retrainResultLine(result: unknown): string {
  const line = describeResult('retrain', result);
  const promoted = !!result && typeof result === 'object' && (result as { status?: unknown }).status === 'promoted';
  return promoted ? `${line} Suggestions use it from now on.` : line;
}
