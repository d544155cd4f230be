/**
 * The online report's shape: what `GET /api/reports/online`, `tastebud report online --json` and the dashboard's
 * online panel carry (src/api/dashboard/online-source.ts re-exports it). Rates are shares of `shown` (0 to 1),
 * null when there is nothing to divide by.
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
