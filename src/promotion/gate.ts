import type { PrismaClient } from '../db/client.ts';
import { inHashHoldout, type HashHoldoutRule } from '../eval/split.ts';
import type { Logger } from '../log.ts';
import { activeModelVersion, loadGateModel, loadModelVersion, type DeserializeModel, type ModelVersion } from '../model-store/store.ts';
import type { Rating, RatingList, TrainedModel } from '../model/types.ts';
import { validationNdcg, type ValidationResult } from './evaluate.ts';

/** Which model of the active version the gate scored: its gate fit, or (versions saved without one) its served model. */
export type ActiveScored = 'gate fit' | 'served model';

/** How a candidate's gate fit compared with the active version; every field is absent when nothing is active. */
export interface ActiveComparison {
  activeVersionId?: number;
  scored?: ActiveScored;
  /** Both figures are nDCG@10 on the same ratings: held out from the candidate, never seen by the active model. */
  candidateNdcg?: number;
  activeNdcg?: number;
  ratings?: number;
  users?: number;
  /** Why there is an active version but no figure for it (the candidate is then promoted, as with none). */
  unavailable?: string;
  /** What the figures were measured on, for the decision's reason. */
  scope?: string;
}

/** The gate's hold-out split: the gate fit's training ratings (objects or columns) and the held-out ratings. */
export interface GateSplit {
  train: RatingList;
  test: readonly Rating[];
}

export interface GateDeps {
  prisma: PrismaClient;
  deserialize: DeserializeModel;
  logger?: Logger;
}

/** The active version's model to judge against, and which ratings that model was never trained on. */
interface Judge {
  model: TrainedModel;
  scored: ActiveScored;
  unseen(rating: Rating): boolean;
}

/**
 * Scores the candidate's gate fit (its figure on the whole hold-out is `onHoldout`) and the active version on
 * the held-out ratings the active model never saw either: with the same hold-out rule (the usual case) that is the whole hold-out, since the active version's
 * gate fit left the same pairs out; otherwise the pairs in both hold-outs, plus ratings created after the
 * active version's ratings cut-off. Held-out ratings outside the comparison are dropped from both rankings.
 * A broken active version must not block its own replacement: it yields no figure, and a reason.
 */
export async function compareWithActive(deps: GateDeps, candidate: TrainedModel, split: GateSplit, onHoldout: ValidationResult): Promise<ActiveComparison> {
  const active = await activeModelVersion(deps.prisma);
  if (!active) return {};
  let judge: Judge;
  try {
    judge = await judgeOf(deps, active);
  } catch (error) {
    deps.logger?.error({ err: error, versionId: active.id }, 'could not load the active version to compare with; comparing with nothing');
    return { activeVersionId: active.id, unavailable: `the active version ${active.id} could not be loaded to compare with (${(error as Error).message})` };
  }
  const compared = split.test.filter((r) => judge.unseen(r));
  const options = { k: 10, ignore: split.test.filter((r) => !judge.unseen(r)) };
  const base = { activeVersionId: active.id, scored: judge.scored, ratings: compared.length };
  // Scoring is most of this phase's time: reuse the candidate's figure when the comparison is the whole hold-out.
  const candidateResult = compared.length === split.test.length ? onHoldout : await validationNdcg(candidate, split.train, compared, options);
  if (candidateResult.users === 0) {
    return { ...base, users: 0, unavailable: `no held-out rating is unseen by the active version ${active.id}'s ${judge.scored}, so there was nothing fair to compare with` };
  }
  const activeResult = await validationNdcg(judge.model, split.train, compared, options);
  return {
    ...base,
    users: candidateResult.users,
    candidateNdcg: candidateResult.ndcg,
    activeNdcg: activeResult.ndcg,
    scope: `(on ${compared.length} held-out ratings of ${candidateResult.users} users that neither was trained on; version ${active.id} scored by its ${judge.scored})`,
  };
}

/** The hold-out rule a version's gate fit left out, from its metrics; undefined for versions saved before the gate. */
export function holdoutRuleOf(metrics: unknown): HashHoldoutRule | undefined {
  const m = (metrics ?? {}) as Record<string, unknown>;
  return typeof m.gateHoldoutFraction === 'number' && typeof m.gateHoldoutSeed === 'number' ? { fraction: m.gateHoldoutFraction, seed: m.gateHoldoutSeed } : undefined;
}

async function judgeOf(deps: GateDeps, active: ModelVersion): Promise<Judge> {
  const metrics = (active.metrics ?? {}) as Record<string, unknown>;
  // Versions saved before the cut-off was recorded: their creation is later than their ratings load.
  const cutoff = typeof metrics.ratingsCutoff === 'string' ? new Date(metrics.ratingsCutoff) : active.createdAt;
  const newer = await ratingsCreatedAfter(deps.prisma, cutoff);
  const isNewer = (r: Rating) => newer.has(pairKey(r));
  const rule = holdoutRuleOf(metrics);
  // A gate fit never saw its own hold-out, nor anything created after its cut-off.
  const heldOutOrNewer = (r: Rating) => (rule !== undefined && inHashHoldout(r.userId, r.titleId, rule)) || isNewer(r);
  const gate = rule ? await gateFitOf(deps, active.id) : null;
  if (gate) return { model: gate, scored: 'gate fit', unseen: heldOutOrNewer };
  const { model } = await loadModelVersion(deps.prisma, active.id, deps.deserialize);
  // A version the gate rejected (then promoted by hand) serves its gate fit: no refit was made.
  if (rule && metrics.refitTrainingRatings === null) return { model, scored: 'gate fit', unseen: heldOutOrNewer };
  return { model, scored: 'served model', unseen: isNewer };
}

/** The version's stored gate fit; a damaged one still leaves the served model and the ratings it cannot have seen. */
async function gateFitOf(deps: GateDeps, versionId: number): Promise<TrainedModel | null> {
  try {
    return await loadGateModel(deps.prisma, versionId, deps.deserialize);
  } catch (error) {
    deps.logger?.warn({ err: error, versionId }, "could not load the active version's gate fit; judging its served model on newer ratings");
    return null;
  }
}

const pairKey = (r: Pick<Rating, 'userId' | 'titleId'>) => `${r.userId}:${r.titleId}`;

/**
 * The (user, title) pairs whose rating row was created after `cutoff`, compared in the database's own
 * timestamp convention. A rating removed and given again after the cut-off counts as new although the
 * model saw the earlier one; that is the only way this set can include a pair the model was trained on.
 */
async function ratingsCreatedAfter(prisma: PrismaClient, cutoff: Date): Promise<Set<string>> {
  const rows = await prisma.$queryRaw<{ user_id: number; title_id: number }[]>`
    SELECT user_id, title_id FROM ratings WHERE extract(epoch FROM created_at) * 1000 > ${cutoff.getTime()}`;
  return new Set(rows.map((r) => pairKey({ userId: r.user_id, titleId: r.title_id })));
}
