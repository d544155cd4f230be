import type { PrismaClient } from '../db/client.ts';
import { reportFrom, type DateRange } from './measures.ts';
import { prismaOnlineData } from './prisma-source.ts';
import type { OnlineReport } from './report.ts';

export { onlineReport, reportFrom, type DateRange, type OnlineData, type OnlineDataSource, type ShownSuggestion } from './measures.ts';
export type { OnlineReport, OnlineRow } from './report.ts';

/** The online report over this database for [since, until). */
export function onlineReportOf(prisma: PrismaClient, range: DateRange, now: Date = new Date()): Promise<OnlineReport> {
  return reportFrom(prismaOnlineData(prisma), range, now);
}
