import type { PrismaClient } from '../../db/client.ts';
import { onlineReportOf } from '../../online/index.ts';
import type { OnlineReport } from '../../online/report.ts';

/**
 * The seam between the dashboard and the online measures (issue #19 item 3, computed in src/online). The report's
 * shape is the one `GET /api/reports/online?since&until` answers with; tests may pass their own source of it.
 */

export type { OnlineReport, OnlineRow } from '../../online/report.ts';

/** Computes the online report over [since, until). */
export type OnlineReportSource = (range: { since: Date; until: Date }) => Promise<OnlineReport>;

/** The real source over this database: the measures of src/online (see its README paragraph for the definitions). */
export const defaultOnlineReport =
  (prisma: PrismaClient): OnlineReportSource =>
  (range) =>
    onlineReportOf(prisma, range);
