import type { PrismaClient } from '../../db/client.ts';

/**
 * The seam between the dashboard and the online measures (issue #19 item 3). The report's shape is the one
 * `GET /api/reports/online?since&until` answers with; the module that computes it is built on another branch.
 * At merge the lead points {@link defaultOnlineReport} at it (one import), and the dashboard, its tests and the
 * screenshot script use the real measures from then on. Until then the dashboard says the measures are not
 * available, and the tests pass their own source of this shape.
 */

/** One row of the online report: what was shown under one model version (null: suggestions without one). */
export interface OnlineRow {
  modelVersion: number | null;
  shown: number;
  rated: number;
  accepted: number;
  acceptance: number | null;
  meanRating: number | null;
  hideRate: number | null;
  reactionRate: number | null;
  coverage: number | null;
  novelty: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface OnlineReport {
  since: string;
  until: string;
  generatedAt: string;
  byVersion: OnlineRow[];
  byDay: (OnlineRow & { day: string })[];
}

/** Computes the online report over [since, until). */
export type OnlineReportSource = (range: { since: Date; until: Date }) => Promise<OnlineReport>;

/**
 * The real source over this database once it is merged (see above); undefined in this branch. At merge, e.g.:
 * `export const defaultOnlineReport = (prisma: PrismaClient): OnlineReportSource => (range) => onlineReport(prisma, range);`
 */
export const defaultOnlineReport: ((prisma: PrismaClient) => OnlineReportSource) | undefined = undefined;
