import type { PrismaClient } from '../../src/db/client.ts';
import { TitleIndex } from '../../src/index/title-index.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { promoteModelVersion, saveModelVersion, setModelStatus } from '../../src/model-store/store.ts';
import { randomDaeModel, seedCatalogue, type GeneratedCatalogue } from '../integration/worker/support.ts';

/*
 * Demo data for the dashboard (its browser test and scripts/screenshot-dashboard.ts): a catalogue of several kinds,
 * a history of model versions (retired, rejected with the gate's reason, active) with loss curves and nDCG, members
 * who rated over the last weeks, and the suggestions they were shown under two versions.
 */

export interface DashboardSeed {
  catalogue: GeneratedCatalogue;
  versionIds: number[];
  activeVersionId: number;
  memberIds: number[];
}

const DAY = 86_400_000;

/** A loss curve that falls and flattens, as training does. */
const lossCurve = (start: number, floor: number, epochs: number, random: () => number) => Array.from({ length: epochs }, (_, i) => floor + (start - floor) * Math.exp(-i / 3.5) + random() * 0.02);

async function seedExtraKinds(prisma: PrismaClient): Promise<void> {
  const kinds = [
    ['show', 24],
    ['book', 14],
    ['game', 9],
    ['music', 5],
  ] as const;
  await prisma.title.createMany({
    data: kinds.flatMap(([kind, count]) => Array.from({ length: count }, (_, i) => ({ kind, name: `${kind} ${i}`, searchName: `${kind} ${i}`, genres: ['Drama'], ratingCount: 3, ratingMean: 3.8 }))),
  });
}

/** Four versions: v1 and v3 retired, v2 rejected by the gate, v4 active (random weights: serving cost, not quality). */
async function seedVersions(prisma: PrismaClient, titleIds: number[], random: () => number): Promise<number[]> {
  const specs = [
    { ndcg: 0.182, loss: [1.9, 1.22], epochs: 12 },
    { ndcg: 0.171, loss: [1.85, 1.27], epochs: 9, active: 0.186 },
    { ndcg: 0.204, loss: [1.8, 1.15], epochs: 14, active: 0.188 },
    { ndcg: 0.226, loss: [1.75, 1.08], epochs: 16, active: 0.207 },
  ];
  const ids: number[] = [];
  for (const [i, spec] of specs.entries()) {
    const model = randomDaeModel(titleIds, 8, 100 + i);
    const index = TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 40 });
    const metrics = {
      validationNdcg10: spec.ndcg,
      activeVersionId: i === 0 ? null : (ids[ids.length - (i === 2 ? 2 : 1)] ?? null),
      activeValidationNdcg10: spec.active ?? null,
      comparedRatings: i === 0 ? null : 1204 + i * 37,
    };
    ids.push(
      await saveModelVersion(prisma, {
        model,
        index,
        metrics,
        lossHistory: lossCurve(spec.loss[0]!, spec.loss[1]!, spec.epochs, random),
        trainingRatings: 9_000 + i * 420,
        durationMs: 41_000 + i * 3_000,
      }),
    );
  }
  await promoteModelVersion(prisma, ids[0]!, 'first version: nothing to compare with');
  await setModelStatus(prisma, ids[1]!, 'rejected', `validation nDCG@10 0.171 is below the active version ${ids[0]}'s 0.186 on the same 1,241 ratings`);
  await promoteModelVersion(prisma, ids[2]!, `validation nDCG@10 0.204 beats the active version ${ids[0]}'s 0.188 on the same 1,278 ratings`);
  await promoteModelVersion(prisma, ids[3]!, `validation nDCG@10 0.226 beats the active version ${ids[2]}'s 0.207 on the same 1,315 ratings`);
  return ids;
}

/** Members who rated over the last 21 days and the suggestions they were shown (v3 first, then v4). */
async function seedMembersAndSuggestions(prisma: PrismaClient, titleIds: number[], versions: number[], now: Date, random: () => number): Promise<number[]> {
  await prisma.user.createMany({ data: Array.from({ length: 8 }, (_, i) => ({ source: 'discord' as const, externalId: String(900_000_000_000_000_000n + BigInt(i)), displayName: `member${i}` })) });
  const members = (await prisma.user.findMany({ where: { source: 'discord' }, select: { id: true }, orderBy: { id: 'asc' } })).map((u) => u.id);
  const ratings = new Map<string, { userId: number; titleId: number; value: number; source: 'reaction' | 'command'; updatedAt: Date }>();
  const suggestions: { messageId: string; channelId: string; userId: number; titleId: number; position: number; modelVersionId: number; createdAt: Date }[] = [];
  for (let day = 20; day >= 0; day--) {
    const version = day > 9 ? versions[2]! : versions[3]!;
    for (const userId of members) {
      if (random() < 0.3) continue;
      for (let position = 0; position < 3; position++) {
        const titleId = titleIds[Math.floor(random() * titleIds.length)]!;
        const createdAt = new Date(now.getTime() - day * DAY - random() * 0.5 * DAY);
        suggestions.push({ messageId: `${userId}-${day}-${position}-${titleId}`, channelId: '1000', userId, titleId, position, modelVersionId: version, createdAt });
        const likes = random() < (version === versions[3] ? 0.42 : 0.3);
        if (random() < 0.55)
          ratings.set(`${userId}:${titleId}`, {
            userId,
            titleId,
            value: likes ? 4 + Math.round(random() * 2) / 2 : 1 + Math.round(random() * 4) / 2,
            source: random() < 0.7 ? 'reaction' : 'command',
            updatedAt: new Date(createdAt.getTime() + random() * DAY),
          });
      }
    }
  }
  await prisma.suggestion.createMany({ data: suggestions, skipDuplicates: true });
  await prisma.rating.createMany({ data: [...ratings.values()].map((r) => ({ ...r, createdAt: r.updatedAt })), skipDuplicates: true });
  return members;
}

export async function seedDashboardData(prisma: PrismaClient, now = new Date()): Promise<DashboardSeed> {
  const random = seededRandom(19);
  const catalogue = await seedCatalogue(prisma, { titles: 120, users: 30 });
  // The imported dataset ratings are older than the 30 days the ratings panel shows.
  await prisma.rating.updateMany({ data: { updatedAt: new Date(now.getTime() - 40 * DAY), createdAt: new Date(now.getTime() - 40 * DAY) } });
  await seedExtraKinds(prisma);
  const titleIds = (await prisma.title.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((t) => t.id);
  const versionIds = await seedVersions(prisma, titleIds, random);
  const memberIds = await seedMembersAndSuggestions(prisma, titleIds, versionIds, now, random);
  return { catalogue: { ...catalogue, titleIds }, versionIds, activeVersionId: versionIds[3]!, memberIds };
}
