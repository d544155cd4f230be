/**
 * The figures each retrain records in `model_versions.metrics` (jobs/retrain.ts writes them; src/model/README.md,
 * "Recorded on each version", explains them), and reading them back from the untyped JSON column.
 */

/** The promotion gate's figures, as recorded. */
export interface RecordedGateMetrics {
  /** The candidate's gate fit on its whole hold-out. */
  validationNdcg10: number;
  validationUsers: number;
  gateHoldoutRatings: number;
  gateHoldoutFraction: number;
  gateHoldoutSeed: number;
  gateTrainingRatings: number;
  /** ISO time of the newest rating the version could see. */
  ratingsCutoff: string;
  /** The version that was active when this one was trained: the one it replaces if promoted. */
  activeVersionId: number | null;
  activeScored: string | null;
  comparedRatings: number | null;
  comparedUsers: number | null;
  comparedNdcg10: number | null;
  activeValidationNdcg10: number | null;
}

/** What can be read of a version's metrics; whatever a version did not record (older versions, hand-saved ones) is absent. */
export interface VersionMetrics extends Partial<RecordedGateMetrics> {
  /** Ratings the served model was trained on after the gate passed; null when not refitted. */
  refitTrainingRatings?: number | null;
  bestEpoch?: number;
  /** Milliseconds per retrain phase (load, train, evaluate, refit, index, save, promote). */
  phaseMs?: Record<string, number>;
}

const NUMBERS = [
  'validationNdcg10',
  'validationUsers',
  'gateHoldoutRatings',
  'gateHoldoutFraction',
  'gateHoldoutSeed',
  'gateTrainingRatings',
  'activeVersionId',
  'comparedRatings',
  'comparedUsers',
  'comparedNdcg10',
  'activeValidationNdcg10',
  'refitTrainingRatings',
  'bestEpoch',
] as const;
const STRINGS = ['ratingsCutoff', 'activeScored'] as const;

/** Reads the known fields of a version's metrics JSON, keeping only values of the right type (null where null is recorded). */
export function readVersionMetrics(metrics: unknown): VersionMetrics {
  if (!metrics || typeof metrics !== 'object') return {};
  const m = metrics as Record<string, unknown>;
  const read: Record<string, unknown> = {};
  for (const key of NUMBERS) if ((typeof m[key] === 'number' && Number.isFinite(m[key])) || (m[key] === null && key !== 'bestEpoch')) read[key] = m[key];
  for (const key of STRINGS) if (typeof m[key] === 'string' || m[key] === null) read[key] = m[key];
  if (m.phaseMs && typeof m.phaseMs === 'object') {
    read.phaseMs = Object.fromEntries(Object.entries(m.phaseMs as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
  }
  return read as VersionMetrics;
}
