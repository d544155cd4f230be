import type { VersionMetrics } from '../model-store/metrics.ts';

/**
 * What an admin can do and see, whichever door they use (/admin in Discord, the dashboard, the playground):
 * the shapes shared by src/admin/admin-service.ts and its callers.
 */

/** The model and queue state /admin status shows. */
export interface AdminStatus {
  activeModel: ActiveModelStatus | null;
  queues: { name: string; counts: Record<string, number> }[];
  recentJobs: RecentJob[];
  outboxPending: number;
}

/** The active version as /admin status shows it. */
export interface ActiveModelStatus {
  id: number;
  architecture: string;
  /** When its training finished (the row is written at the end). */
  createdAt: Date;
  promotedAt: Date | null;
  /** How long the retrain took, when recorded. */
  durationMs: number | null;
  /** Why it was promoted: the gate's decision, or what whoever promoted it by hand said. */
  promotionReason: string | null;
  trainingRatings: number;
  trainingUsers: number;
  trainingTitles: number;
  metrics: VersionMetrics;
}

/** A job of a watched queue, newest first. */
export interface RecentJob {
  queue: string;
  id: string;
  name: string;
  state: string;
  finishedAt: Date | null;
  /** From the moment a worker took it to the end, when it ended. */
  durationMs?: number | undefined;
  failedReason?: string | undefined;
}

/** Admin actions; job ids let a later progress poller edit the reply. */
export interface AdminActions {
  queueRetrain(requestedBy: string): Promise<string>;
  queueReindex(requestedBy: string): Promise<string>;
  status(): Promise<AdminStatus>;
  /**
   * Optional: report a queued job's progress by calling `update` until it finishes. The bot edits the
   * admin's reply with each text. Without it the reply stays "queued".
   */
  watchJob?(queue: 'retrain' | 'reindex', jobId: string, update: (text: string) => Promise<void>): Promise<void>;
}
