import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GATE_HOLDOUT, runRetrain, type Trainer } from '../../../jobs/retrain.ts';
import type { RetrainResult } from '../../../src/queue/job-progress.ts';
import { describeGate } from '../../../src/cli/commands/model.ts';
import { hashHoldoutSplit, inHashHoldout, stratifiedSplit } from '../../../src/eval/split.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { createLogger } from '../../../src/log.ts';
import { deserializeModel } from '../../../src/model/embedding-model.ts';
import { eachRating } from '../../../src/model/history.ts';
import { trainModel } from '../../../src/model/train.ts';
import type { TrainOptions } from '../../../src/model/options.ts';
import type { Rating, RatingsDataset, TrainedModel } from '../../../src/model/types.ts';
import { activeModelVersion, loadGateModel, loadModelVersion, promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import { loadActiveRecommender } from '../../../src/recommend/prisma-sources.ts';
import type { RetrainJobData } from '../../../src/queue/names.ts';
import { validationNdcg } from '../../../src/promotion/evaluate.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { randomDaeModel, seedCatalogue, type GeneratedCatalogue } from './support.ts';

const tiny: Partial<Omit<TrainOptions, 'backend'>> = { dimension: 8, epochs: 15 };
let db: TestDatabase;
let catalogue: GeneratedCatalogue;
/** A title only members who have it in the gate's hold-out rate: no gate fit ever sees it. */
let heldOutTitle: number;
let raters: number[];
/** A member with the raters' taste who never rated the held-out title. */
let lookalike: number;
let trainer: Trainer = trainModel;
const published: number[] = [];

function retrain(data: Partial<RetrainJobData> = {}): Promise<RetrainResult> {
  return runRetrain(
    {
      prisma: db.prisma,
      databaseUrl: db.url,
      deserialize: deserializeModel,
      train: (dataset, options, hooks) => trainer(dataset, options, hooks),
      backend: 'cpu',
      hnsw: { m: 8, efConstruction: 50, ef: 50 },
      publish: async (versionId) => void published.push(versionId),
      progress: async () => {},
      logger: createLogger({ logLevel: 'silent' }),
    },
    { requestedBy: 'test', train: tiny, ...data },
  );
}

async function allRatings(): Promise<Rating[]> {
  const rows = await db.prisma.rating.findMany();
  return rows.map((r) => ({ userId: r.userId, titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime() }));
}

const vectorOf = (model: TrainedModel, titleId: number) => {
  const row = model.titleIds.indexOf(titleId);
  return Array.from(model.titleVectors.subarray(row * model.dimension, (row + 1) * model.dimension));
};

/**
 * A trainer that memorises its training data instead of learning taste: it recognises a user by the training
 * user whose titles overlap their history most and scores exactly that user's training titles. On the data it
 * was trained on it looks perfect; on ratings it never saw it knows nothing.
 */
const memorise: Trainer = async (dataset: RatingsDataset) => {
  // The retrain passes its ratings as columns.
  const ratings = [...eachRating(dataset.ratings)];
  const users = [...new Set(ratings.map((r) => r.userId))];
  const column = new Map(users.map((u, i) => [u, i]));
  const d = users.length;
  const titleIds = dataset.titleIds;
  const rowOf = new Map(titleIds.map((id, row) => [id, row]));
  const titleVectors = new Float32Array(titleIds.length * d);
  for (const r of ratings) titleVectors[rowOf.get(r.titleId)! * d + column.get(r.userId)!] = 1;
  return {
    architecture: 'memoriser',
    backend: 'test',
    dimension: d,
    titleIds,
    titleVectors,
    userVector(history) {
      const overlap = new Float32Array(d);
      for (const h of history) for (let u = 0; u < d; u++) overlap[u]! += titleVectors[(rowOf.get(h.titleId) ?? 0) * d + u]!;
      const best = overlap.indexOf(Math.max(...overlap));
      return Float32Array.from({ length: d }, (_, u) => (u === best ? 1 : 0));
    },
    serialize: () => new Map([['memoriser.json', new TextEncoder().encode('{}')]]),
  };
};

beforeAll(async () => {
  db = await createTestDatabase();
  // Clusters of 50 titles of which each member rates 10: taste is learnable, but no model can tell which other
  // titles of the cluster a member rated without having memorised them.
  catalogue = await seedCatalogue(db.prisma, { titles: 200, users: 60 });
  heldOutTitle = (await db.prisma.title.create({ data: { name: 'Held Out', searchName: 'held out', year: 2001, genres: ['Genre0'], ratingCount: 0, ratingMean: 0 } })).id;
  // Members like the dataset's Genre0 users, each of whose rating of the new title falls in the gate's hold-out.
  const candidates = await db.prisma.user.createManyAndReturn({ data: Array.from({ length: 200 }, (_, m) => ({ source: 'discord' as const, externalId: String(900_000 + m) })), select: { id: true } });
  raters = candidates
    .map((u) => u.id)
    .filter((id) => inHashHoldout(id, heldOutTitle, DEFAULT_GATE_HOLDOUT))
    .slice(0, 4);
  expect(raters).toHaveLength(4);
  const genre0 = catalogue.byGenre.get('Genre0')!;
  await db.prisma.rating.createMany({
    data: raters.flatMap((userId, m) => [heldOutTitle, ...genre0.slice(m, m + 6)].map((titleId) => ({ userId, titleId, value: 5, source: 'reaction' as const }))),
  });
  lookalike = candidates.find((u) => !raters.includes(u.id))!.id;
  await db.prisma.rating.createMany({ data: genre0.slice(0, 6).map((titleId) => ({ userId: lookalike, titleId, value: 5, source: 'reaction' as const })) });
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe('the promotion gate', () => {
  it('serves a model trained on every rating, including the ones the gate held out, and records both figures', async () => {
    const result = await retrain();
    if (result.status === 'skipped') throw new Error('unexpected skip');
    expect(result.status).toBe('promoted');
    const total = await db.prisma.rating.count();
    const holdout = hashHoldoutSplit(await allRatings(), DEFAULT_GATE_HOLDOUT).test.length;
    expect(result.gate).toMatchObject({ holdoutRatings: holdout, trainingRatings: total - holdout, comparedRatings: null, activeScored: null });
    expect(result.servedTrainingRatings).toBe(total);

    const { version, model: served } = await loadModelVersion(db.prisma, result.versionId, deserializeModel);
    expect(version.trainingRatings).toBe(total);
    expect(version.metrics).toMatchObject({
      validationNdcg10: result.gate.holdoutNdcg,
      gateHoldoutRatings: holdout,
      gateHoldoutFraction: 0.1,
      gateTrainingRatings: total - holdout,
      refitTrainingRatings: total,
      activeVersionId: null,
      ratingsCutoff: expect.any(String),
      phaseMs: expect.objectContaining({ train: expect.any(Number), refit: expect.any(Number) }),
    });
    expect(describeGate(version.metrics).join('\n')).toContain(`refitted on all ${total.toLocaleString('en')} ratings`);

    // The gate fit never saw the held-out title: it has the zero vector of a title nobody rated.
    const gate = await loadGateModel(db.prisma, result.versionId, deserializeModel);
    expect(vectorOf(gate!, heldOutTitle).every((x) => x === 0)).toBe(true);
    // The served model learned it from the held-out ratings alone: it sits with the Genre0 titles it was rated with...
    const heldOut = vectorOf(served, heldOutTitle);
    const affinity = (genre: string) => catalogue.byGenre.get(genre)!.reduce((sum, t) => sum + vectorOf(served, t).reduce((s, x, i) => s + x * heldOut[i]!, 0), 0);
    expect(affinity('Genre0')).toBeGreaterThan(Math.max(affinity('Genre1'), affinity('Genre2'), affinity('Genre3')) + 0.01);
    // ...and a member with the raters' taste who never rated it is offered it.
    const { recommender } = await loadActiveRecommender(db.prisma, deserializeModel);
    const suggested = (await recommender.recommend(lookalike, { count: 5 })).map((r) => r.titleId);
    expect(suggested).toContain(heldOutTitle);
  });

  it('rejects a candidate that memorises, worse on ratings the active version never saw though better on its training data', async () => {
    const before = await activeModelVersion(db.prisma);
    let memoriser: TrainedModel | undefined;
    trainer = async (dataset, options, hooks) => (memoriser = await memorise(dataset, options, hooks));
    let result: RetrainResult;
    try {
      result = await retrain();
    } finally {
      trainer = trainModel;
    }
    if (result.status === 'skipped') throw new Error('unexpected skip');

    // On the active version's own training data (every rating outside the hold-out, split per user into history
    // and targets), the memoriser beats the active served model: a gate scored there would promote it.
    const seen = hashHoldoutSplit(await allRatings(), DEFAULT_GATE_HOLDOUT).train;
    const carve = stratifiedSplit(seen, { testFraction: 0.3, seed: 1 });
    const { model: activeServed } = await loadModelVersion(db.prisma, before!.id, deserializeModel);
    const onTraining = { memoriser: await validationNdcg(memoriser!, carve.train, carve.test), active: await validationNdcg(activeServed, carve.train, carve.test) };
    expect(onTraining.memoriser.ndcg).toBeGreaterThan(onTraining.active.ndcg + 0.2);

    // On the held-out ratings neither was trained on, it is worse, and the gate says no.
    expect(result.status).toBe('rejected');
    expect(result.gate).toMatchObject({ activeScored: 'gate fit', comparedRatings: result.gate.holdoutRatings });
    expect(result.validationNdcg).toBeLessThan(result.activeValidationNdcg!);
    const rejected = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: result.versionId } });
    expect(rejected.statusReason).toMatch(/worse than the active version's .* neither was trained on; version \d+ scored by its gate fit/);
    // Rejected: no refit is spent on it, and its row says it holds the gate fit.
    expect(rejected.trainingRatings).toBe(result.gate.trainingRatings);
    expect(rejected.metrics).toMatchObject({ refitTrainingRatings: null, activeVersionId: before!.id, activeScored: 'gate fit', comparedNdcg10: result.validationNdcg });
    expect(result.phaseMs.refit).toBe(0);
    expect(describeGate(rejected.metrics)).toContain('  served model: the gate fit itself (not refitted: the gate rejected it)');
    expect((await activeModelVersion(db.prisma))?.id).toBe(before!.id);
  });

  it('compares a new candidate with the active gate fit on the whole hold-out, including ratings given since', async () => {
    const before = await activeModelVersion(db.prisma);
    const member = raters[0]!;
    const genre0 = catalogue.byGenre.get('Genre0')!;
    await db.prisma.rating.createMany({ data: genre0.slice(8, 14).map((titleId) => ({ userId: member, titleId, value: 4, source: 'reaction' as const })), skipDuplicates: true });
    const result = await retrain();
    if (result.status === 'skipped') throw new Error('unexpected skip');
    expect(result.activeVersionId).toBe(before!.id);
    expect(result.gate).toMatchObject({ activeScored: 'gate fit', comparedRatings: result.gate.holdoutRatings });
    expect(result.servedTrainingRatings).toBe(result.status === 'promoted' ? await db.prisma.rating.count() : result.gate.trainingRatings);
    const row = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: result.versionId } });
    expect(describeGate(row.metrics).join('\n')).toMatch(/compared with version \d+ \(its gate fit\) on \d+ ratings neither was trained on: [\d.]+ vs [\d.]+/);
  });

  it('judges an active version saved without a gate fit only on the ratings created after it', async () => {
    const model = randomDaeModel([...catalogue.titleIds, heldOutTitle], 8, 5);
    const legacy = await saveModelVersion(db.prisma, { model, index: TitleIndex.build(model.titleIds, model.titleVectors, model.dimension) });
    await promoteModelVersion(db.prisma, legacy);
    const quiet = await retrain();
    if (quiet.status === 'skipped') throw new Error('unexpected skip');
    // Every rating predates it, so it may have been trained on any of them: nothing is fair to compare on.
    expect(quiet.gate).toMatchObject({ activeScored: 'served model', comparedRatings: 0 });
    expect(quiet.status).toBe('promoted');
    expect(quiet.reason).toMatch(/nothing fair to compare with/);

    await promoteModelVersion(db.prisma, legacy);
    // Enough new ratings that some fall in the hold-out: the comparison is on exactly those.
    const fresh = catalogue.userIds.flatMap((userId) => catalogue.titleIds.slice(0, 12).map((titleId) => ({ userId, titleId, value: 4, source: 'reaction' as const })));
    const existing = new Set((await allRatings()).map((r) => `${r.userId}:${r.titleId}`));
    const added = fresh.filter((r) => !existing.has(`${r.userId}:${r.titleId}`));
    await db.prisma.rating.createMany({ data: added });
    const result = await retrain();
    if (result.status === 'skipped') throw new Error('unexpected skip');
    const expected = added.filter((r) => inHashHoldout(r.userId, r.titleId, DEFAULT_GATE_HOLDOUT)).length;
    expect(expected).toBeGreaterThan(0);
    expect(result.gate).toMatchObject({ activeScored: 'served model', comparedRatings: expected });
    expect(result.activeVersionId).toBe(legacy);
    expect(result.activeValidationNdcg).not.toBeNull();
    expect(result.status).toBe('promoted');
  });

  it('falls back to the served model when the active gate fit is damaged, instead of comparing with it', async () => {
    const active = (await activeModelVersion(db.prisma))!;
    const part = await db.prisma.modelArtifact.findFirstOrThrow({ where: { versionId: active.id, name: { startsWith: 'gate-model/' } } });
    const tampered = new Uint8Array(part.data);
    tampered[0] = tampered[0]! ^ 0xff;
    await db.prisma.modelArtifact.update({ where: { versionId_name: { versionId: active.id, name: part.name } }, data: { data: tampered } });
    const result = await retrain();
    if (result.status === 'skipped') throw new Error('unexpected skip');
    // No rating arrived since that version's cut-off, so its served model has seen every held-out one.
    expect(result.gate).toMatchObject({ activeScored: 'served model', comparedRatings: 0 });
    expect(result).toMatchObject({ status: 'promoted', activeVersionId: active.id });
  });
});
