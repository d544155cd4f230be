import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { readVersionMetrics } from '../model-store/metrics.ts';
import { describeJob, readJobSnapshot, watchJobProgress } from '../queue/job-progress.ts';
import { enqueueReindex, enqueueRetrain, withQueueTimeout, type Queues } from '../queue/queues.ts';
import type { AdminActions, AdminStatus } from './actions.ts';

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
    status: () => readAdminStatus(prisma, queues),
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
      const queue = queueName === 'retrain' ? queues.retrain : queues.reindex;
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

/** The active version (with its recorded gate figures), queue depths, the last jobs of each watched queue and the outbox backlog. */
async function readAdminStatus(prisma: PrismaClient, queues: Queues): Promise<AdminStatus> {
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
        durationMs: job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : undefined,
        failedReason: job.failedReason || undefined,
      })),
    ),
  );
  return {
    activeModel: active
      ? {
          id: active.id,
          architecture: active.architecture,
          createdAt: active.createdAt,
          promotedAt: active.promotedAt,
          durationMs: active.durationMs,
          promotionReason: active.statusReason,
          trainingRatings: active.trainingRatings,
          trainingUsers: active.trainingUsers,
          trainingTitles: active.trainingTitles,
          metrics: readVersionMetrics(active.metrics),
        }
      : null,
    queues: queueInfo.map(({ name, counts }) => ({ name, counts })),
    recentJobs: recentJobs.slice(0, 8),
    outboxPending,
  };
}
