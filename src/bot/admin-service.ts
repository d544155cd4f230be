import type { PrismaClient } from '../db/client.ts';
import { enqueueReindex, enqueueRetrain, withQueueTimeout, type Queues } from '../queue/queues.ts';
import type { AdminActions, AdminStatus } from './ports.ts';

/** /admin actions over BullMQ and the model_versions table. */
export function createAdminActions(prisma: PrismaClient, queues: Queues): AdminActions {
  return {
    queueRetrain: (by) => enqueueRetrain(queues.retrain, by),
    queueReindex: (by) => enqueueReindex(queues.reindex, by),
    async status(): Promise<AdminStatus> {
      const [active, outboxPending] = await Promise.all([
        prisma.modelVersion.findFirst({ where: { status: 'active' }, orderBy: { promotedAt: 'desc' } }),
        prisma.outboxEvent.count({ where: { dispatchedAt: null } }),
      ]);
      const all = [queues.userEmbedding, queues.retrain, queues.reindex];
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
  };
}
