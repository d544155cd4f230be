import type { PrismaClient } from '../src/db/client.ts';
import { loadTitleEmbeddings } from '../src/embeddings/store.ts';
import { stratifiedSplit } from '../src/eval/split.ts';
import { TitleIndex, type TitleIndexOptions } from '../src/index/title-index.ts';
import type { Logger } from '../src/log.ts';
import {
  activeModelVersion,
  loadModelVersion,
  promoteModelVersion,
  saveModelVersion,
  setModelStatus,
  type DeserializeModel,
} from '../src/model-store/store.ts';
import type { BackendPreference } from '../src/model/backend.ts';
import { resolveTrainOptions, type TrainOptions, type TrainHooks } from '../src/model/train.ts';
import type { Rating, RatingsDataset, TrainedModel } from '../src/model/types.ts';
import { promotionDecision, validationNdcg } from '../src/worker/evaluate.ts';
import { RETRAIN_LOCK_KEY, tryAdvisoryLock, type HeldLock } from '../src/worker/lock.ts';
import type { RetrainJobData } from '../src/worker/queues.ts';

export type RetrainPhase = 'load' | 'train' | 'evaluate' | 'index' | 'save' | 'promote';

/** What the job reports through job.updateProgress: the phase, overall percent, and per-epoch numbers while training. */
export interface RetrainProgress {
  phase: RetrainPhase;
  percent: number;
  epoch?: number;
  epochs?: number;
  loss?: number;
  validationNdcg?: number;
}

/** Trains a model; the real one is src/model/train.ts trainModel, injected so tests can pass a different trainer. */
export type Trainer = (dataset: RatingsDataset, options: Partial<TrainOptions>, hooks: TrainHooks) => Promise<TrainedModel & { weights?: { training?: Record<string, unknown> } }>;

export interface RetrainDeps {
  prisma: PrismaClient;
  /** For the session advisory lock that keeps two trainings from running at once. */
  databaseUrl: string;
  deserialize: DeserializeModel;
  train: Trainer;
  backend: BackendPreference;
  hnsw: TitleIndexOptions;
  /** Announces a promotion to every bot (publishModelChange). */
  publish(versionId: number): Promise<void>;
  progress(progress: RetrainProgress): Promise<void>;
  logger?: Logger;
  signal?: AbortSignal;
}

export type RetrainResult =
  | {
      status: 'promoted' | 'rejected';
      versionId: number;
      validationNdcg: number;
      activeVersionId: number | null;
      activeValidationNdcg: number | null;
      reason: string;
      phaseMs: Record<RetrainPhase, number>;
      durationMs: number;
    }
  | { status: 'skipped'; reason: string };

/** Where each phase starts and ends on the overall 0-100 progress scale. */
const PHASE_SPAN: Record<RetrainPhase, [number, number]> = {
  load: [0, 5],
  train: [5, 80],
  evaluate: [80, 90],
  index: [90, 93],
  save: [93, 98],
  promote: [98, 100],
};

/** A retrain that cannot start because there is nothing (or too little) to learn from. */
export class RetrainInputError extends Error {
  override name = 'RetrainInputError';
}

/**
 * Retrains end to end: loads every rating (dataset and Discord users) and the title text embeddings,
 * holds out a seeded per-user stratified split, trains on the rest, measures validation nDCG@10 of the
 * new version and of the active one on the same split, builds the HNSW index, saves the version
 * (status 'training' while being written, then 'candidate'), and promotes it only when it is not worse
 * than the active version, else marks it rejected with the reason. Runs under a PostgreSQL session
 * advisory lock: a second retrain anywhere returns 'skipped' instead of training in parallel. The active
 * version is only touched in the final promote step, so a crash anywhere earlier leaves it serving.
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

async function retrainLocked(deps: RetrainDeps, data: RetrainJobData): Promise<RetrainResult> {
  const { prisma, logger } = deps;
  const started = performance.now();
  const phaseMs = { load: 0, train: 0, evaluate: 0, index: 0, save: 0, promote: 0 } satisfies Record<RetrainPhase, number>;
  let phaseStarted = started;
  const enter = async (phase: RetrainPhase, previous?: RetrainPhase) => {
    const now = performance.now();
    if (previous) phaseMs[previous] = now - phaseStarted;
    phaseStarted = now;
    logger?.info({ phase }, 'retrain phase');
    await deps.progress({ phase, percent: PHASE_SPAN[phase][0] });
  };

  await enter('load');
  // We hold the training lock, so a version still 'training' was left by a worker that died mid-save.
  const stale = await prisma.modelVersion.updateMany({ where: { status: 'training' }, data: { status: 'failed', statusReason: 'the worker stopped before the version was complete' } });
  if (stale.count > 0) logger?.warn({ versions: stale.count }, 'marked unfinished versions as failed');
  const { ratings, titleIds, titleText } = await loadDataset(prisma);
  if (titleIds.length === 0) throw new RetrainInputError('There are no titles to train on; import a catalogue first (tastebud import movielens).');
  if (ratings.length === 0) throw new RetrainInputError('There are no ratings to train on; import ratings or rate some titles first.');
  const validationFraction = data.validationFraction ?? 0.1;
  const seed = data.seed ?? 42;
  const split = stratifiedSplit(ratings, { testFraction: validationFraction, seed, minRatings: 5 });

  await enter('train', 'load');
  const trainOptions: Partial<TrainOptions> = { ...data.train, backend: deps.backend };
  // An upper bound: early stopping or convergence may end training sooner.
  const epochs = resolveTrainOptions(trainOptions).epochs;
  const [trainFrom, trainTo] = PHASE_SPAN.train;
  const model = await deps.train({ ratings: split.train, titleIds, ...(titleText ? { titleText } : {}) }, trainOptions, {
    ...(deps.signal ? { signal: deps.signal } : {}),
    onEpoch: async (epoch, loss, metrics) => {
      const share = epochs ? Math.min(1, epoch / epochs) : 0;
      await deps.progress({
        phase: 'train',
        percent: Math.round(trainFrom + share * (trainTo - trainFrom)),
        epoch,
        ...(epochs ? { epochs } : {}),
        loss,
        ...(metrics?.validationNdcg === undefined ? {} : { validationNdcg: metrics.validationNdcg }),
      });
    },
  });

  await enter('evaluate', 'train');
  const candidate = await validationNdcg(model, split.train, split.test, { k: 10 });
  const active = await activeModelVersion(prisma);
  let activeNdcg: number | undefined;
  if (active) {
    try {
      const loaded = await loadModelVersion(prisma, active.id, deps.deserialize);
      activeNdcg = (await validationNdcg(loaded.model, split.train, split.test, { k: 10 })).ndcg;
    } catch (error) {
      // A broken active version must not block its own replacement.
      logger?.error({ err: error, versionId: active.id }, 'could not load the active version to compare with; comparing with nothing');
    }
  }
  logger?.info({ candidateNdcg: candidate.ndcg, activeNdcg, activeVersionId: active?.id, users: candidate.users }, 'validation done');

  await enter('index', 'evaluate');
  const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, deps.hnsw);

  await enter('save', 'index');
  const lossHistory = lossHistoryOf(model);
  const training = model.weights?.training ?? {};
  const decision = promotionDecision(candidate.ndcg, activeNdcg);
  const versionId = await saveModelVersion(prisma, {
    model,
    index,
    status: 'training',
    metrics: {
      validationNdcg10: candidate.ndcg,
      validationUsers: candidate.users,
      activeVersionId: active?.id ?? null,
      activeValidationNdcg10: activeNdcg ?? null,
      ...(Array.isArray(training.validationNdcg) ? { epochValidationNdcg: training.validationNdcg } : {}),
      ...(typeof training.bestEpoch === 'number' ? { bestEpoch: training.bestEpoch } : {}),
      phaseMs: { ...phaseMs },
    },
    params: { ...trainOptions, validationFraction, seed, requestedBy: data.requestedBy },
    lossHistory,
    trainingRatings: split.train.length,
    trainingUsers: new Set(split.train.map((r) => r.userId)).size,
    trainingTitles: titleIds.length,
    durationMs: performance.now() - started,
  });
  await setModelStatus(prisma, versionId, 'candidate');

  await enter('promote', 'save');
  if (decision.promote) {
    await promoteModelVersion(prisma, versionId, decision.reason);
    try {
      await deps.publish(versionId);
    } catch (error) {
      // The promotion stands; bots find it at their next periodic check instead of at once.
      logger?.warn({ err: error, versionId }, 'could not announce the promotion; bots will pick it up at their next check');
    }
  } else {
    await setModelStatus(prisma, versionId, 'rejected', decision.reason);
  }
  phaseMs.promote = performance.now() - phaseStarted;
  const durationMs = performance.now() - started;
  await prisma.modelVersion.update({ where: { id: versionId }, data: { durationMs: Math.round(durationMs), metrics: await metricsWithPhases(prisma, versionId, phaseMs) } });
  await deps.progress({ phase: 'promote', percent: 100 });
  const result: RetrainResult = {
    status: decision.promote ? 'promoted' : 'rejected',
    versionId,
    validationNdcg: candidate.ndcg,
    activeVersionId: active?.id ?? null,
    activeValidationNdcg: activeNdcg ?? null,
    reason: decision.reason,
    phaseMs,
    durationMs,
  };
  logger?.info({ ...result }, `retrain ${result.status}`);
  return result;
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
 * (vectors of different encoders do not share a space).
 */
export async function loadDataset(prisma: PrismaClient): Promise<RatingsDataset & { ratings: Rating[] }> {
  const [rows, titles, encoders] = await Promise.all([
    prisma.$queryRaw<{ user_id: number; title_id: number; value: number; rated_at: number }[]>`
      SELECT user_id, title_id, value::float8 AS value, (extract(epoch FROM updated_at) * 1000)::float8 AS rated_at FROM ratings`,
    prisma.title.findMany({ select: { id: true }, orderBy: { id: 'asc' } }),
    prisma.titleEmbedding.groupBy({ by: ['model'], _count: { _all: true } }),
  ]);
  const ratings: Rating[] = rows.map((r) => ({ userId: r.user_id, titleId: r.title_id, value: r.value, ratedAt: r.rated_at }));
  const dominant = encoders.sort((a, b) => b._count._all - a._count._all)[0]?.model;
  const titleText = dominant === undefined ? undefined : await loadTitleEmbeddings(prisma, { model: dominant });
  return { ratings, titleIds: titles.map((t) => t.id), ...(titleText && titleText.size > 0 ? { titleText } : {}) };
}
