import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { enqueueReindex, enqueueRetrain, withQueueTimeout, type Queues } from '../queue/queues.ts';
import type { AdminActions, AdminStatus } from './ports.ts';

/** The /admin status chart, when the admin service can draw one (commands/admin.ts attaches it). */
export interface StatusChartSource {
  /** A PNG of training loss and validation nDCG per version; undefined when it could not be drawn. */
  statusChart(): Promise<Buffer | undefined>;
}

/** {@link AdminActions} with progress reporting and the status chart. */
export type BotAdminActions = AdminActions & StatusChartSource & { watchJob: NonNullable<AdminActions['watchJob']> };

export interface AdminServiceOptions {
  logger?: Logger;
  /** How often a watched job's state is read (default 1,000 ms). */
  pollMs?: number;
  /** Least time between two edits of the admin's reply (default 1,500 ms), to stay under Discord's rate limits. */
  minEditIntervalMs?: number;
  /**
   * Stop reporting after this long (default 14 minutes: Discord's interaction token, which the edits
   * use, expires after 15). The job itself keeps running; /admin status shows how it ended.
   */
  watchTimeoutMs?: number;
  /** Draws the status chart; the default reads model_versions and renders with src/observability/charts.ts. */
  renderChart?: () => Promise<Buffer>;
}

/** /admin actions over BullMQ and the model_versions table. */
export function createAdminActions(prisma: PrismaClient, queues: Queues, options: AdminServiceOptions = {}): BotAdminActions {
  const { logger } = options;
  const renderChart =
    options.renderChart ??
    (async () => {
      const { statusChartData, renderStatusChart } = await import('../observability/charts.ts');
      return renderStatusChart(await statusChartData(prisma));
    });
  return {
    queueRetrain: (by) => enqueueRetrain(queues.retrain, by),
    queueReindex: (by) => enqueueReindex(queues.reindex, by),
    async status(): Promise<AdminStatus> {
      const [active, outboxPending] = await Promise.all([
        prisma.modelVersion.findFirst({ where: { status: 'active' }, orderBy: { promotedAt: 'desc' } }),
        prisma.outboxEvent.count({ where: { dispatchedAt: null } }),
      ]);
      const all = [queues.userEmbedding, queues.retrain, queues.reindex, queues.titleEmbeddings];
      const queueInfo = await withQueueTimeout(
        'reading queue depths',
        Promise.all(
          all.map(async (queue) => {
            const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
            const jobs = queue === queues.userEmbedding ? [] : await queue.getJobs(['active', 'waiting', 'completed', 'failed'], 0, 4);
            return { name: queue.name, counts, jobs };
          }),
        ),
      );
      const recentJobs = await Promise.all(
        queueInfo.flatMap(({ name, jobs }) =>
          jobs.map(async (job) => ({
            queue: name,
            id: String(job.id),
            name: job.name,
            state: String(await job.getState()),
            finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
            failedReason: job.failedReason || undefined,
          })),
        ),
      );
      return {
        activeModel: active
          ? { id: active.id, architecture: active.architecture, createdAt: active.createdAt, promotedAt: active.promotedAt, metrics: active.metrics, trainingRatings: active.trainingRatings }
          : null,
        queues: queueInfo.map(({ name, counts }) => ({ name, counts })),
        recentJobs: recentJobs.slice(0, 8),
        outboxPending,
      };
    },
    async statusChart() {
      try {
        return await renderChart();
      } catch (error) {
        // The text status is still worth sending without the picture.
        logger?.warn({ err: error }, 'rendering the status chart failed');
        return undefined;
      }
    },
    watchJob(queueName, jobId, update) {
      const queue: Queue = queueName === 'retrain' ? queues.retrain : queues.reindex;
      return watchJobProgress({
        readJob: () => readJobSnapshot(queue, jobId),
        update,
        describe: (job) => describeJob(queueName, job),
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
        ...(options.minEditIntervalMs === undefined ? {} : { minEditIntervalMs: options.minEditIntervalMs }),
        ...(options.watchTimeoutMs === undefined ? {} : { timeoutMs: options.watchTimeoutMs }),
        ...(logger ? { logger: logger.child({ queue: queueName, jobId }) } : {}),
      });
    },
  };
}

/** What a watcher reads of a BullMQ job on each poll. */
export interface JobSnapshot {
  state: string;
  progress: unknown;
  returnValue: unknown;
  failedReason: string | undefined;
}

async function readJobSnapshot(queue: Queue, jobId: string): Promise<JobSnapshot | undefined> {
  const job = await withQueueTimeout('reading a job', queue.getJob(jobId));
  if (!job) return undefined;
  const state = await withQueueTimeout('reading a job state', job.getState());
  return { state: String(state), progress: job.progress, returnValue: job.returnvalue as unknown, failedReason: job.failedReason || undefined };
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
    await send(sentText === undefined ? 'still waiting for a worker (is `tastebud worker` running?); see `/admin status`.' : 'still running; this message stops updating here. See `/admin status` for how it ends.');
  } catch (error) {
    options.logger?.warn({ err: error }, 'job progress reporting stopped');
  }
}

/** How a retrain's phases read to people (the bot's /admin replies and the playground). */
export const PHASE_WORDS: Record<string, string> = {
  load: 'loading ratings',
  train: 'training',
  evaluate: 'evaluating',
  refit: 'training on every rating',
  index: 'building the index',
  save: 'saving',
  promote: 'promoting',
};

const num = (value: unknown, digits: number): string | undefined => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : undefined);

/** One line for the progress a job reported through job.updateProgress (a retrain's object or a bare percentage). */
export function describeProgress(progress: unknown): string {
  if (typeof progress === 'number') return progress === 0 ? 'started' : `${Math.round(progress)} %`;
  if (!progress || typeof progress !== 'object') return 'started';
  const p = progress as Record<string, unknown>;
  const parts = [typeof p.phase === 'string' ? (PHASE_WORDS[p.phase] ?? p.phase) : 'running'];
  if (typeof p.epoch === 'number') parts.push(`epoch ${p.epoch}${typeof p.epochs === 'number' ? `/${p.epochs}` : ''}`);
  const loss = num(p.loss, 2);
  if (loss !== undefined) parts.push(`loss ${loss}`);
  const ndcg = num(p.validationNdcg, 3);
  if (ndcg !== undefined) parts.push(`validation nDCG@10 ${ndcg}`);
  const percent = num(p.percent, 0);
  return `${parts.join(', ')}${percent === undefined ? '' : ` (${percent} %)`}`;
}

/** The final line of a job that completed, from its return value. */
export function describeResult(queue: 'retrain' | 'reindex', result: unknown): string {
  const r = (result && typeof result === 'object' ? result : {}) as Record<string, unknown>;
  if (r.status === 'skipped') return `skipped: ${typeof r.reason === 'string' ? r.reason : 'no reason given'}.`;
  if (queue === 'reindex') {
    return r.status === 'rebuilt' ? `done: the index of version ${String(r.versionId)} was rebuilt (${String(r.titles)} titles).` : 'done.';
  }
  if (r.status !== 'promoted' && r.status !== 'rejected') return 'done.';
  const ndcg = num(r.validationNdcg, 3);
  const activeNdcg = num(r.activeValidationNdcg, 3);
  const comparison = `validation nDCG@10 ${ndcg ?? '?'}${activeNdcg === undefined ? '' : ` vs ${activeNdcg} for version ${String(r.activeVersionId)}`}`;
  const seconds = num(typeof r.durationMs === 'number' ? r.durationMs / 1000 : undefined, 1);
  const took = seconds === undefined ? '' : ` in ${seconds} s`;
  return r.status === 'promoted'
    ? `done${took}: version ${String(r.versionId)} is now active (${comparison}).`
    : `done${took}: version ${String(r.versionId)} was not promoted (${comparison}): ${typeof r.reason === 'string' ? r.reason : 'no reason given'}.`;
}

/**
 * The reply text for a job's current state, and whether the job has ended. A job still waiting for a
 * worker gives null: the reply keeps saying it was queued.
 */
export function describeJob(queue: 'retrain' | 'reindex', job: JobSnapshot | undefined): { text: string | null; final: boolean } {
  if (!job) return { text: 'the job is gone from the queue (removed or expired); see `/admin status`.', final: true };
  switch (job.state) {
    case 'completed':
      return { text: describeResult(queue, job.returnValue), final: true };
    case 'failed':
      return { text: `failed: ${job.failedReason ?? 'no reason given'}`, final: true };
    case 'active':
      return { text: describeProgress(job.progress), final: false };
    case 'delayed':
      return { text: 'waiting to retry', final: false };
    default:
      return { text: null, final: false };
  }
}
