import type { PrismaClient } from '../../db/client.ts';
import { readVersionMetrics } from '../../model-store/metrics.ts';
import { describeJob, readJobSnapshot, readProgress, retrainPercent } from '../../queue/job-progress.ts';
import type { Queues } from '../../queue/queues.ts';

/*
 * What the dashboard's panels read, as plain functions over the database and the queues. Queue depths and recent
 * jobs come from the same reader as /admin status (bot/admin-service.ts); job progress from queue/job-progress.ts.
 */

/** One model version as the history panel shows it. */
export interface VersionHistoryRow {
  id: number;
  status: string;
  architecture: string;
  createdAt: Date;
  promotedAt: Date | null;
  durationMs: number | null;
  trainingRatings: number;
  /** The candidate's validation nDCG@10 on its hold-out (null: not recorded). */
  validationNdcg10: number | null;
  /** The version it was compared with, and that version's nDCG@10 on the same ratings. */
  comparedWith: number | null;
  activeValidationNdcg10: number | null;
  /** Training loss per epoch. */
  lossHistory: number[];
  /** Why it has its status: the gate's decision, a rejection reason, a rollback. */
  statusReason: string | null;
}

/** The newest `limit` versions, oldest first, and the one this process serves. */
export async function readModelHistory(prisma: PrismaClient, limit = 40): Promise<VersionHistoryRow[]> {
  const rows = await prisma.modelVersion.findMany({
    orderBy: { id: 'desc' },
    take: limit,
    select: { id: true, status: true, architecture: true, createdAt: true, promotedAt: true, durationMs: true, trainingRatings: true, metrics: true, lossHistory: true, statusReason: true },
  });
  return rows.reverse().map((row) => {
    const metrics = readVersionMetrics(row.metrics);
    const loss = Array.isArray(row.lossHistory) ? row.lossHistory.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
    return {
      id: row.id,
      status: row.status,
      architecture: row.architecture,
      createdAt: row.createdAt,
      promotedAt: row.promotedAt,
      durationMs: row.durationMs,
      trainingRatings: row.trainingRatings,
      validationNdcg10: metrics.validationNdcg10 ?? null,
      comparedWith: metrics.activeVersionId ?? null,
      activeValidationNdcg10: metrics.activeValidationNdcg10 ?? null,
      lossHistory: loss,
      statusReason: row.statusReason,
    };
  });
}

/** Titles per kind (movie, show, game, book, music), and members and ratings in all. */
export async function readCatalogueCounts(prisma: PrismaClient): Promise<{ kinds: { kind: string; titles: number }[]; members: number; ratings: number }> {
  const [kinds, members, ratings] = await Promise.all([
    prisma.title.groupBy({ by: ['kind'], _count: { _all: true }, orderBy: { kind: 'asc' } }),
    prisma.user.count({ where: { source: 'discord' } }),
    prisma.rating.count(),
  ]);
  return { kinds: kinds.map((k) => ({ kind: k.kind, titles: k._count._all })), members, ratings };
}

/** Ratings stored or changed per UTC day and source over the last `days` days (days without any are absent). */
export async function readRatingsPerDay(prisma: PrismaClient, days: number, now = new Date()): Promise<{ day: string; source: string; ratings: number }[]> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const rows = await prisma.$queryRaw<{ day: string; source: string; ratings: number }[]>`
    SELECT to_char(date_trunc('day', updated_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, source::text AS source, count(*)::int AS ratings
    FROM ratings WHERE updated_at >= ${since}
    GROUP BY 1, 2 ORDER BY 1, 2`;
  return rows;
}

/** A retrain job as the retrain button shows it: its state, a sentence, the overall percent and whether it ended. */
export interface RetrainJobView {
  jobId: string;
  state: string;
  text: string;
  percent: number;
  final: boolean;
}

/** Reads one retrain job through the progress module, worded as /admin words it. */
export async function readRetrainJob(queues: Pick<Queues, 'retrain'>, jobId: string): Promise<RetrainJobView> {
  const job = await readJobSnapshot(queues.retrain, jobId);
  const { text, final } = describeJob('retrain', job);
  const progress = readProgress(job?.progress);
  const running = progress.kind === 'retrain' ? retrainPercent(progress.progress) : progress.kind === 'percent' ? progress.percent : 0;
  const percent = job?.state === 'completed' ? 100 : Math.max(0, Math.min(100, Math.round(running)));
  return { jobId, state: job?.state ?? 'gone', text: text ?? 'queued, waiting for a worker (is `tastebud worker` running?)', percent, final };
}
