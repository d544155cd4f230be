import type { PrismaClient } from '../src/db/client.ts';
import { loadTitleEmbeddings } from '../src/embeddings/store.ts';
import { partitionHashHoldout, type HashHoldoutRule } from '../src/eval/split.ts';
import { TitleIndex, type TitleIndexOptions } from '../src/index/title-index.ts';
import type { Logger } from '../src/log.ts';
import type { RecordedGateMetrics } from '../src/model-store/metrics.ts';
import { promoteModelVersion, saveModelVersion, setModelStatus, type DeserializeModel } from '../src/model-store/store.ts';
import type { BackendPreference } from '../src/model/backend.ts';
import { resolveTrainOptions, type TrainOptions } from '../src/model/options.ts';
import type { TrainHooks } from '../src/model/trainer.ts';
import type { Rating, RatingColumns, RatingsDataset, TrainedModel } from '../src/model/types.ts';
import { readRatings } from '../src/ratings/training-ratings.ts';
import { RETRAIN_LOCK_KEY, tryAdvisoryLock, type HeldLock } from '../src/db/advisory-lock.ts';
import { promotionDecision, validationNdcg, type ValidationResult } from '../src/promotion/evaluate.ts';
import { compareWithActive, type ActiveComparison } from '../src/promotion/gate.ts';
import { PHASE_SPAN, phasePercent, type GateFigures, type RetrainPhase, type RetrainProgress, type RetrainResult } from '../src/queue/job-progress.ts';
import type { RetrainJobData } from '../src/queue/names.ts';

/** Trains a model; the real one is src/model/train.ts trainModel, injected so tests can pass a different trainer. */
export type Trainer = (
  dataset: RatingsDataset,
  options: Partial<TrainOptions>,
  hooks: TrainHooks,
) => Promise<TrainedModel & { weights?: { training?: Record<string, unknown>; encoderRows?: Float32Array; hidden?: number } }>;

export interface RetrainDeps {
  prisma: PrismaClient;
  /** For the session advisory lock that keeps two trainings from running at once. */
  databaseUrl: string;
  deserialize: DeserializeModel;
  train: Trainer;
  backend: BackendPreference;
  /** Threads for the sparse passes of the default model (TRAIN_THREADS; default 1). */
  trainThreads?: number;
  hnsw: TitleIndexOptions;
  /** Announces a promotion to every bot (publishModelChange). */
  publish(versionId: number): Promise<void>;
  progress(progress: RetrainProgress): Promise<void>;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * The promotion hold-out: 10 % of (user, title) pairs, fixed by a hash so every version leaves the same pairs out
 * of its gate fit. Changing it (job data `validationFraction` / `seed`) shrinks the next comparison to the pairs
 * in both rules' hold-outs.
 */
export const DEFAULT_GATE_HOLDOUT: HashHoldoutRule = { fraction: 0.1, seed: 42 };

/** A retrain that cannot start because there is nothing (or too little) to learn from. */
export class RetrainInputError extends Error {
  override name = 'RetrainInputError';
}

/**
 * Retrains end to end: loads every rating (dataset and Discord users) and the title text embeddings, fits a
 * *gate model* on every rating outside the hash hold-out, measures nDCG@10 of it and of the active version on
 * the held-out ratings neither was trained on, and if the candidate is not worse refits on all ratings (the
 * model that serves), builds the HNSW index, saves the version (status 'training' while being written, then
 * 'candidate') with its gate fit, and promotes it; a worse candidate is saved as rejected with the reason (its
 * gate fit is its model: no refit is spent on it). Runs under a PostgreSQL session advisory lock: a second
 * retrain anywhere returns 'skipped' instead of training in parallel. The active version is only touched in
 * the final promote step, so a crash anywhere earlier leaves it serving.
 */
export async function runRetrain(deps: RetrainDeps, data: RetrainJobData): Promise<RetrainResult> {
  const lock: HeldLock | undefined = await tryAdvisoryLock(deps.databaseUrl, RETRAIN_LOCK_KEY);
  if (!lock) {
    deps.logger?.info('another retrain holds the lock; skipping this one');
    return { status: 'skipped', reason: 'another retrain is already running' };
  }
  try {
    return await retrainLocked(deps, data);
  } finally {
    await lock.release();
  }
}

/** Times the phases and reports the start of each one. */
function phaseClock(deps: RetrainDeps) {
  const started = performance.now();
  const phaseMs = { load: 0, train: 0, evaluate: 0, refit: 0, index: 0, save: 0, promote: 0 } satisfies Record<RetrainPhase, number>;
  let current: RetrainPhase | undefined;
  let phaseStarted = started;
  const stop = () => {
    const now = performance.now();
    if (current) phaseMs[current] += now - phaseStarted;
    phaseStarted = now;
  };
  return {
    phaseMs,
    elapsed: () => performance.now() - started,
    stop,
    async enter(phase: RetrainPhase) {
      stop();
      current = phase;
      deps.logger?.info({ phase }, 'retrain phase');
      await deps.progress({ phase, percent: PHASE_SPAN[phase][0] });
    },
  };
}

/** What the load phase reads: every rating and title, the ratings cut-off, and the gate's hold-out split. */
interface RetrainInput {
  ratings: RatingColumns;
  dataset(ratings: RatingColumns): RatingsDataset;
  cutoff: Date;
  rule: HashHoldoutRule;
  split: { train: RatingColumns; test: Rating[] };
}

async function loadInput(deps: RetrainDeps, data: RetrainJobData): Promise<RetrainInput> {
  const { prisma, logger } = deps;
  // We hold the training lock, so a version still 'training' was left by a worker that died mid-save.
  const stale = await prisma.modelVersion.updateMany({ where: { status: 'training' }, data: { status: 'failed', statusReason: 'the worker stopped before the version was complete' } });
  if (stale.count > 0) logger?.warn({ versions: stale.count }, 'marked unfinished versions as failed');
  const { ratings, titleIds, titleText } = await loadDataset(prisma, deps.databaseUrl);
  // Read after the ratings: every rating this retrain saw was created before it.
  const cutoff = await databaseNow(prisma);
  if (titleIds.length === 0) throw new RetrainInputError('There are no titles to train on; import a catalogue first (tastebud import movielens).');
  if (ratings.length === 0) throw new RetrainInputError('There are no ratings to train on; import ratings or rate some titles first.');
  const rule: HashHoldoutRule = { fraction: data.validationFraction ?? DEFAULT_GATE_HOLDOUT.fraction, seed: data.seed ?? DEFAULT_GATE_HOLDOUT.seed };
  return { ratings, dataset: (subset) => ({ ratings: subset, titleIds, ...(titleText ? { titleText } : {}) }), cutoff, rule, split: partitionHashHoldout(ratings, rule) };
}

async function retrainLocked(deps: RetrainDeps, data: RetrainJobData): Promise<RetrainResult> {
  const clock = phaseClock(deps);
  await clock.enter('load');
  const input = await loadInput(deps, data);
  const { ratings, split } = input;
  const trainOptions: Partial<TrainOptions> = { ...data.train, backend: deps.backend, ...(deps.trainThreads === undefined ? {} : { trainThreads: deps.trainThreads }) };

  await clock.enter('train');
  const gateModel = await fit(deps, 'train', input.dataset(split.train), trainOptions);

  await clock.enter('evaluate');
  const holdout = await validationNdcg(gateModel, split.train, split.test, { k: 10 });
  const comparison = await compareWithActive(deps, gateModel, split, holdout);
  const decision = promotionDecision(comparison.candidateNdcg ?? holdout.ndcg, comparison.activeNdcg, 0, comparison.unavailable);
  const reason = comparison.scope ? `${decision.reason} ${comparison.scope}` : decision.reason;
  deps.logger?.info({ holdoutNdcg: holdout.ndcg, ...comparison, users: holdout.users }, 'gate evaluation done');

  // Only a candidate that passed the gate is refitted: a rejected one keeps its gate fit as its model.
  let model = gateModel;
  if (decision.promote) {
    await clock.enter('refit');
    // Warm-started from the gate fit: the two data sets differ by the hold-out, so the refit needs fewer passes.
    model = await fit(deps, 'refit', input.dataset(ratings), trainOptions, gateModel);
  }
  const refitted = model !== gateModel;

  await clock.enter('index');
  const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, deps.hnsw);

  await clock.enter('save');
  const gate: GateFigures = {
    holdoutNdcg: holdout.ndcg,
    holdoutRatings: split.test.length,
    trainingRatings: split.train.length,
    comparedRatings: comparison.ratings ?? null,
    activeScored: comparison.scored ?? null,
  };
  const served = refitted ? ratings : split.train;
  const versionId = await saveModelVersion(deps.prisma, {
    model,
    ...(refitted ? { gateModel } : {}),
    index,
    status: 'training',
    metrics: { ...gateMetrics(gate, holdout, input, comparison), refitTrainingRatings: refitted ? ratings.length : null, ...trainingMetrics(model), phaseMs: { ...clock.phaseMs } },
    params: { ...trainOptions, requestedBy: data.requestedBy },
    lossHistory: lossHistoryOf(model),
    trainingRatings: served.length,
    trainingUsers: new Set(served.userIds).size,
    trainingTitles: model.titleIds.length,
    durationMs: clock.elapsed(),
  });
  await setModelStatus(deps.prisma, versionId, 'candidate');

  await clock.enter('promote');
  await settle(deps, versionId, decision.promote, reason);
  clock.stop();
  const durationMs = clock.elapsed();
  await deps.prisma.modelVersion.update({ where: { id: versionId }, data: { durationMs: Math.round(durationMs), metrics: await metricsWithPhases(deps.prisma, versionId, clock.phaseMs) } });
  await deps.progress({ phase: 'promote', percent: 100 });
  const result: RetrainResult = {
    status: decision.promote ? 'promoted' : 'rejected',
    versionId,
    validationNdcg: comparison.candidateNdcg ?? holdout.ndcg,
    activeVersionId: comparison.activeVersionId ?? null,
    activeValidationNdcg: comparison.activeNdcg ?? null,
    reason,
    gate,
    servedTrainingRatings: served.length,
    phaseMs: clock.phaseMs,
    durationMs,
  };
  deps.logger?.info({ ...result }, `retrain ${result.status}`);
  return result;
}

/** The final step: promote and announce, or mark rejected. Nothing before it touches the active version. */
async function settle(deps: RetrainDeps, versionId: number, promote: boolean, reason: string): Promise<void> {
  if (!promote) {
    await setModelStatus(deps.prisma, versionId, 'rejected', reason);
    return;
  }
  await promoteModelVersion(deps.prisma, versionId, reason);
  try {
    await deps.publish(versionId);
  } catch (error) {
    // The promotion stands; bots find it at their next periodic check instead of at once.
    deps.logger?.warn({ err: error, versionId }, 'could not announce the promotion; bots will pick it up at their next check');
  }
}

/** Per-epoch validation figures of gradient-trained architectures (the stored model's own training record). */
function trainingMetrics(model: { weights?: { training?: Record<string, unknown> } }): Record<string, unknown> {
  const training = model.weights?.training ?? {};
  return {
    ...(Array.isArray(training.validationNdcg) ? { epochValidationNdcg: training.validationNdcg } : {}),
    ...(typeof training.bestEpoch === 'number' ? { bestEpoch: training.bestEpoch } : {}),
  };
}

/** One training run (the gate fit in phase 'train', the refit in 'refit'), reporting each epoch within its phase. */
async function fit(deps: RetrainDeps, phase: 'train' | 'refit', dataset: RatingsDataset, options: Partial<TrainOptions>, warmStart?: TrainHooks['warmStart']): ReturnType<Trainer> {
  // An upper bound: early stopping or convergence may end training sooner.
  const epochs = resolveTrainOptions(options).epochs;
  return deps.train(dataset, options, {
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(warmStart ? { warmStart } : {}),
    onEpoch: async (epoch, loss, metrics) => {
      await deps.progress({
        phase,
        percent: phasePercent(phase, epochs ? epoch / epochs : 0),
        epoch,
        ...(epochs ? { epochs } : {}),
        loss,
        ...(metrics?.validationNdcg === undefined ? {} : { validationNdcg: metrics.validationNdcg }),
      });
    },
  });
}

/** The gate's figures as stored in a version's metrics; the names are documented in src/model/README.md. */
function gateMetrics(gate: GateFigures, holdout: ValidationResult, { rule, cutoff }: Pick<RetrainInput, 'rule' | 'cutoff'>, comparison: ActiveComparison): RecordedGateMetrics {
  return {
    validationNdcg10: gate.holdoutNdcg,
    validationUsers: holdout.users,
    gateHoldoutRatings: gate.holdoutRatings,
    gateHoldoutFraction: rule.fraction,
    gateHoldoutSeed: rule.seed,
    gateTrainingRatings: gate.trainingRatings,
    ratingsCutoff: cutoff.toISOString(),
    activeVersionId: comparison.activeVersionId ?? null,
    activeScored: gate.activeScored,
    comparedRatings: gate.comparedRatings,
    comparedUsers: comparison.users ?? null,
    comparedNdcg10: comparison.candidateNdcg ?? null,
    activeValidationNdcg10: comparison.activeNdcg ?? null,
  };
}

async function metricsWithPhases(prisma: PrismaClient, versionId: number, phaseMs: Record<RetrainPhase, number>): Promise<object> {
  const row = await prisma.modelVersion.findUniqueOrThrow({ where: { id: versionId }, select: { metrics: true } });
  const rounded = Object.fromEntries(Object.entries(phaseMs).map(([k, v]) => [k, Math.round(v)]));
  return { ...(row.metrics as Record<string, unknown>), phaseMs: rounded };
}

function lossHistoryOf(model: { weights?: { training?: Record<string, unknown> } }): number[] {
  const history = model.weights?.training?.lossHistory;
  return Array.isArray(history) ? history.filter((x): x is number => typeof x === 'number') : [];
}

/**
 * Every rating and title, plus the text embeddings of the encoder that embedded the most titles
 * (vectors of different encoders do not share a space). The ratings are read by COPY on a connection of
 * their own and parsed straight into {@link Rating}s: a findMany / $queryRaw result of every row (Prisma's rows
 * and its driver's, about 450 bytes a rating at their peak) was the retrain's largest allocation.
 */
export async function loadDataset(prisma: PrismaClient, databaseUrl: string): Promise<RatingsDataset & { ratings: RatingColumns }> {
  const [ratings, titles, encoders] = await Promise.all([
    readRatings(databaseUrl),
    prisma.title.findMany({ select: { id: true }, orderBy: { id: 'asc' } }),
    prisma.titleEmbedding.groupBy({ by: ['model'], _count: { _all: true } }),
  ]);
  const dominant = encoders.sort((a, b) => b._count._all - a._count._all)[0]?.model;
  const titleText = dominant === undefined ? undefined : await loadTitleEmbeddings(prisma, { model: dominant });
  return { ratings, titleIds: titles.map((t) => t.id), ...(titleText && titleText.size > 0 ? { titleText } : {}) };
}

/**
 * The ratings cut-off: the database's clock, which stamps every rating's created_at, in that column's
 * convention (timestamp(3), read as UTC like every other timestamp here), plus 1 ms for its rounding.
 */
async function databaseNow(prisma: PrismaClient): Promise<Date> {
  const [row] = await prisma.$queryRaw<{ ms: number }[]>`SELECT (extract(epoch FROM CURRENT_TIMESTAMP::timestamp(3)) * 1000)::float8 AS ms`;
  return new Date(row!.ms + 1);
}
