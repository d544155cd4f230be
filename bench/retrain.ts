/**
 * Retrain of MovieLens ml-latest-small end to end (load from PostgreSQL, split, train, evaluate the new
 * and the active version, build the index, save, promote), with each phase's share of the time. The data
 * is imported into a scratch database first (not timed). Two retrains run: the first has no active
 * version to compare with, the second evaluates the active one too (the steady state).
 *
 *   npx tsx bench/retrain.ts [--dir ../shared/data/movielens/ml-latest-small] [--epochs 10] [--dimension 200] [--backend auto] [--runs 2]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runRetrain, type RetrainPhase } from '../jobs/retrain.ts';
import { parseMovieLensTitle, searchNameOf } from '../src/catalog/names.ts';
import { createPrisma } from '../src/db/client.ts';
import { readMoviesCsv, readRatingsCsv } from '../src/eval/movielens.ts';
import { deserializeDae } from '../src/model/dae-model.ts';
import { trainModel } from '../src/model/train.ts';
import type { BackendPreference } from '../src/model/backend.ts';
import { createScratchDatabase, machine } from '../test/integration/worker/support.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: resolve(import.meta.dirname, '../../shared/data/movielens/ml-latest-small') },
    epochs: { type: 'string', default: '10' },
    dimension: { type: 'string', default: '200' },
    backend: { type: 'string', default: 'auto' },
    runs: { type: 'string', default: '2' },
  },
});
console.log(`machine: ${await machine()}`);
const scratch = await createScratchDatabase('retrain');
const prisma = createPrisma(scratch.url);
try {
  const importStarted = performance.now();
  const movies = await readMoviesCsv(join(values.dir, 'movies.csv'));
  const ratings = await readRatingsCsv(join(values.dir, 'ratings.csv'));
  for (let i = 0; i < movies.length; i += 2000) {
    await prisma.title.createMany({
      data: movies.slice(i, i + 2000).map((m) => {
        const { name, year } = parseMovieLensTitle(m.title);
        return { name, year, genres: m.genres, movielensId: m.movieId, searchName: searchNameOf(name) };
      }),
    });
  }
  const titleOf = new Map((await prisma.title.findMany({ select: { id: true, movielensId: true } })).map((t) => [t.movielensId!, t.id]));
  const userIds = [...new Set(ratings.map((r) => r.userId))];
  await prisma.user.createMany({ data: userIds.map((u) => ({ source: 'dataset' as const, externalId: String(u) })) });
  const userOf = new Map((await prisma.user.findMany({ select: { id: true, externalId: true } })).map((u) => [Number(u.externalId), u.id]));
  for (let i = 0; i < ratings.length; i += 10_000) {
    await prisma.rating.createMany({
      data: ratings.slice(i, i + 10_000).map((r) => ({ userId: userOf.get(r.userId)!, titleId: titleOf.get(r.titleId)!, value: r.value, source: 'import' as const, updatedAt: new Date(r.ratedAt) })),
    });
  }
  console.log(`imported ${movies.length} titles, ${userIds.length} users, ${ratings.length} ratings in ${((performance.now() - importStarted) / 1000).toFixed(1)} s (not part of the retrain)`);

  const train = { epochs: Number(values.epochs), dimension: Number(values.dimension), patience: 1000 };
  for (let run = 1; run <= Number(values.runs); run++) {
    let lastEpochLog = 0;
    const result = await runRetrain(
      {
        prisma,
        databaseUrl: scratch.url,
        deserialize: deserializeDae,
        train: trainModel,
        backend: values.backend as BackendPreference,
        hnsw: { m: 16, efConstruction: 200, ef: 100 },
        publish: async () => {},
        progress: async (p) => {
          if (p.phase === 'train' && p.epoch && performance.now() - lastEpochLog > 0) {
            lastEpochLog = performance.now();
            console.log(`  epoch ${p.epoch}/${p.epochs}: loss ${p.loss?.toFixed(2)}`);
          }
        },
      },
      { requestedBy: 'bench', train },
    );
    if (result.status === 'skipped') throw new Error(result.reason);
    const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: result.versionId } });
    console.log(
      `run ${run}: ${result.status} version ${result.versionId} on ${version.backend}, ${version.trainingRatings} training ratings, nDCG@10 ${result.validationNdcg.toFixed(4)}` +
        (result.activeValidationNdcg === null ? '' : ` vs active ${result.activeValidationNdcg.toFixed(4)}`) +
        `, total ${(result.durationMs / 1000).toFixed(1)} s`,
    );
    for (const phase of Object.keys(result.phaseMs) as RetrainPhase[]) {
      const ms = result.phaseMs[phase];
      console.log(`  ${phase.padEnd(9)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${((ms / result.durationMs) * 100).toFixed(1).padStart(5)} %`);
    }
  }
} finally {
  await prisma.$disconnect();
  await scratch.drop();
}
