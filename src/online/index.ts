/**
 * Online measures: acceptance, mean rating, hides, reactions, coverage, novelty and `/recommend` latency per model
 * version and day from the stored suggestions (`measures.ts`, `report.ts`, `format.ts`), read from PostgreSQL
 * (`prisma-source.ts`), and the replay of a stored version on the logged impressions (`replay.ts`,
 * `replay-source.ts`).
 *
 * May import `src/lib`, `src/db`, `src/model-store` and `src/recommend`; never a process or what composes them
 * (`src/bot`, `src/api`, `src/worker`, `jobs/`, `src/app`, `src/setup`, `src/cli`, `src/try`, `src/emulator`), and
 * `src/config.ts` only for types. Enforced by `.dependency-cruiser.cjs` (`npm run lint:deps`).
 */
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
