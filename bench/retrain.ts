/**
 * Retrain of ml-latest-small plus Discord ratings end to end, as production runs it: load from PostgreSQL,
 * hold out the gate's hash hold-out, fit the gate model with the production defaults (flags override),
 * evaluate it and the active version's gate fit, refit on every rating, build the index, save, promote, and
 * hot swap: a serving model subscribed through Redis as the bot's is
 * picks the promoted version up from the real publishModelChange and answers a member's /recommend with it.
 * Setup (not timed) in a scratch database: the production MovieLens import, N Discord members who copy a
 * random MovieLens user's taste with noise, and the titles embedded with the project's own embedding model.
 * Two retrains run: the first has no active version, the second evaluates the active one too (steady state).
 *
 *   npx tsx bench/retrain.ts [--dir data/movielens/ml-latest-small] [--members 50] [--runs 2]
 *     [--backend <TF_BACKEND>] [--architecture spectral|linear|mult-dae] [--epochs N] [--dimension N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runRetrain } from '../jobs/retrain.ts';
import type { RetrainPhase } from '../src/queue/job-progress.ts';
import { servingRecommender } from '../src/bot/adapters.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma, type PrismaClient } from '../src/db/client.ts';
import { createTitleEncoder } from '../src/embeddings/encoder.ts';
import { makeModelFromMovieLens } from '../src/embeddings/make-model.ts';
import { updateTitleEmbeddings } from '../src/embeddings/store.ts';
import { seededRandom, shuffleInPlace } from '../src/lib/random.ts';
import type { BackendPreference } from '../src/model/backend.ts';
import { deserializeModel } from '../src/model/embedding-model.ts';
import { architectureDefaults, defaultTrainOptions, type TrainOptions } from '../src/model/options.ts';
import { trainModel } from '../src/model/train.ts';
import { publishModelChange } from '../src/serving/publish.ts';
import { createServingModel } from '../src/serving/serving-model.ts';
import { importCatalogue } from '../src/setup/prepare.ts';
import { createScratchDatabase, dropPrefix, machine, REDIS_URL, uniquePrefix, waitFor } from '../test/integration/worker/support.ts';
import { movieLensOrStop } from '../test/support/movielens.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    members: { type: 'string', default: '50' },
    runs: { type: 'string', default: '2' },
    backend: { type: 'string' },
    architecture: { type: 'string' },
    epochs: { type: 'string' },
    dimension: { type: 'string' },
  },
});
// Default: where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared beside the repository, or a download).
values.dir ??= await movieLensOrStop();
const config = loadConfig();
const backend = (values.backend ?? config.tfBackend) as BackendPreference;
const overrides: Partial<Omit<TrainOptions, 'backend'>> = {
  ...(values.architecture === undefined ? {} : { architecture: values.architecture as TrainOptions['architecture'] }),
  ...(values.epochs === undefined ? {} : { epochs: Number(values.epochs) }),
  ...(values.dimension === undefined ? {} : { dimension: Number(values.dimension) }),
};
const architecture = overrides.architecture ?? defaultTrainOptions.architecture;
const effective = { ...defaultTrainOptions, ...architectureDefaults[architecture], ...overrides };

/**
 * Adds `members` Discord members, each copying 20-60 ratings of a random MovieLens user with noise: most
 * through the reaction scale (5, 4, 3, 1), some through /rate (half stars), all within the last 30 days.
 */
async function addDiscordMembers(prisma: PrismaClient, members: number, seed: number): Promise<{ userIds: number[]; ratings: number }> {
  const random = seededRandom(seed);
  const byUser = new Map<number, { titleId: number; value: number }[]>();
  for (const r of await prisma.rating.findMany({ select: { userId: true, titleId: true, value: true } })) {
    const own = byUser.get(r.userId) ?? [];
    own.push({ titleId: r.titleId, value: r.value });
    byUser.set(r.userId, own);
  }
  const templates = [...byUser.values()].filter((ratings) => ratings.length >= 20);
  await prisma.user.createMany({
    data: Array.from({ length: members }, (_, m) => ({ source: 'discord' as const, externalId: String(1_200_000_000_000_000_000n + BigInt(m)), displayName: `member${m}` })),
  });
  const userIds = (await prisma.user.findMany({ where: { source: 'discord' }, select: { id: true }, orderBy: { id: 'asc' } })).map((u) => u.id);
  const reactionScale = [1, 3, 4, 5];
  const now = Date.now();
  const rows = userIds.flatMap((userId) => {
    const template = templates[Math.floor(random() * templates.length)]!;
    const count = Math.min(template.length, 20 + Math.floor(random() * 41));
    return shuffleInPlace([...template], random)
      .slice(0, count)
      .map(({ titleId, value }) => {
        const noisy = value + (random() + random() - 1);
        const byReaction = random() < 0.85;
        const rated = byReaction ? reactionScale.reduce((best, v) => (Math.abs(v - noisy) < Math.abs(best - noisy) ? v : best)) : Math.min(5, Math.max(0.5, Math.round(noisy * 2) / 2));
        const at = new Date(now - random() * 30 * 86_400_000);
        return { userId, titleId, value: rated, source: byReaction ? ('reaction' as const) : ('command' as const), createdAt: at, updatedAt: at };
      });
  });
  await prisma.rating.createMany({ data: rows });
  return { userIds, ratings: rows.length };
}

console.log(`machine: ${await machine()}`);
const scratch = await createScratchDatabase('retrain');
const prisma = createPrisma(scratch.url);
// The bot reads through its own connection pool; so does the serving model here.
const servingPrisma = createPrisma(scratch.url);
const prefix = uniquePrefix('bench-retrain');
const publisher = new Redis(REDIS_URL);
const serving = createServingModel({
  prisma: servingPrisma,
  redisUrl: REDIS_URL,
  prefix,
  deserialize: deserializeModel,
  ef: config.hnsw.ef,
  // No periodic re-check: the swap measured must be the one the published message causes.
  pollIntervalMs: 0,
});
try {
  const setupStarted = performance.now();
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    await importCatalogue(client, values.dir, { status: () => {}, line: (text) => console.log(text) });
  } finally {
    await client.end();
  }
  const discord = await addDiscordMembers(prisma, Number(values.members), 5);
  console.log(`added ${discord.userIds.length} Discord members with ${discord.ratings} ratings (copied MovieLens tastes with noise)`);

  const modelDir = await mkdtemp(join(tmpdir(), 'tastebud-bench-retrain-'));
  try {
    // The project's own embedding model, made with the settings prepareDeployment (seed, try) uses.
    const made = await makeModelFromMovieLens({ moviesPath: join(values.dir, 'movies.csv'), tagsPath: join(values.dir, 'tags.csv'), outDir: modelDir, dimension: 64, minCount: 2 });
    const encoder = await createTitleEncoder({ model: made.dir, modelsDir: config.embeddings.modelsDir, allowRemoteModels: false });
    try {
      const embedded = await updateTitleEmbeddings(prisma, encoder);
      console.log(`embedded ${embedded.embedded} titles with the project's own ${made.dimension}-dimensional model (${made.vocabularySize} words)`);
    } finally {
      await encoder.dispose();
    }
  } finally {
    await rm(modelDir, { recursive: true, force: true });
  }
  console.log(`setup (not part of the retrain) took ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

  const swaps: { versionId: number; at: number }[] = [];
  serving.onSwap((snapshot) => swaps.push({ versionId: snapshot.versionId, at: performance.now() }));
  await serving.start();
  const recommender = servingRecommender(servingPrisma, serving);
  const member = discord.userIds[0]!;

  console.log(
    `train options: ${Object.keys(overrides).length === 0 ? 'production defaults' : `overrides ${JSON.stringify(overrides)}`} ` +
      `(architecture ${effective.architecture}, dimension ${effective.dimension}${effective.architecture === 'spectral' ? '' : `, ${effective.epochs} epochs`}), backend ${backend}, hnsw ${JSON.stringify(config.hnsw)}`,
  );
  for (let run = 1; run <= Number(values.runs); run++) {
    let published: { versionId: number; at: number; receivers: number } | undefined;
    const started = performance.now();
    const result = await runRetrain(
      {
        prisma,
        databaseUrl: scratch.url,
        deserialize: deserializeModel,
        train: trainModel,
        backend,
        hnsw: config.hnsw,
        publish: async (versionId) => {
          const at = performance.now();
          published = { versionId, at, receivers: await publishModelChange(publisher, prefix, versionId, 'promote') };
        },
        progress: async (p) => {
          if ((p.phase === 'train' || p.phase === 'refit') && p.epoch)
            console.log(`  ${p.phase === 'train' ? 'gate fit' : 'refit'} epoch ${p.epoch}${p.epochs ? `/${p.epochs}` : ''}: loss ${p.loss?.toFixed(2)}`);
        },
      },
      { requestedBy: 'bench', ...(Object.keys(overrides).length === 0 ? {} : { train: overrides }) },
    );
    const returned = performance.now();
    if (result.status === 'skipped') throw new Error(result.reason);
    const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: result.versionId } });
    console.log(
      `run ${run}: ${result.status} version ${result.versionId} (${version.architecture}) on ${version.backend}, served model trained on ${version.trainingRatings} ratings; ` +
        `gate fit on ${result.gate.trainingRatings}, nDCG@10 ${result.gate.holdoutNdcg.toFixed(4)} on ${result.gate.holdoutRatings} held-out ratings` +
        (result.activeValidationNdcg === null
          ? ''
          : `; ${result.validationNdcg.toFixed(4)} vs active ${result.activeValidationNdcg.toFixed(4)} (its ${result.gate.activeScored}) on ${result.gate.comparedRatings}`),
    );

    let hotSwap: { ms: number; toSwap: number; toAnswer: number; overlap: number; total: number } | undefined;
    if (result.status === 'promoted') {
      const announce = published;
      if (announce?.versionId !== result.versionId) throw new Error(`version ${result.versionId} was promoted but not published`);
      if (announce.receivers < 1) throw new Error('nobody was subscribed to the model channel when the promotion was published');
      const swap = await waitFor(() => swaps.find((s) => s.versionId === result.versionId), `the serving model to load version ${result.versionId}`, 120_000, 5);
      if (swap.at < announce.at) throw new Error('the serving model loaded the version before it was published');
      const answer = await recommender.recommend(member, { count: 5 });
      const answered = performance.now();
      if (answer.modelVersionId !== result.versionId) throw new Error(`served version ${answer.modelVersionId} instead of the promoted ${result.versionId}`);
      if (!answer.personal || answer.titles.length === 0) throw new Error(`the served answer is not personal (${answer.titles.length} titles)`);
      console.log(`  served version ${answer.modelVersionId} to a Discord member: ${answer.titles.map((t) => `${t.name} (${t.year})`).join(', ')}`);
      hotSwap = { ms: answered - announce.at, toSwap: swap.at - announce.at, toAnswer: answered - swap.at, overlap: returned - announce.at, total: answered - started };
    } else {
      console.log(`  ${result.reason}: nothing published, the serving model keeps version ${serving.current()?.versionId ?? 'none'}`);
    }

    const total = hotSwap?.total ?? result.durationMs;
    console.log(`  end to end ${(total / 1000).toFixed(1)} s (retrain job ${(result.durationMs / 1000).toFixed(1)} s)`);
    const line = (name: string, ms: number) => console.log(`  ${name.padEnd(9)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${((ms / total) * 100).toFixed(1).padStart(5)} %`);
    for (const phase of Object.keys(result.phaseMs) as RetrainPhase[]) line(phase, result.phaseMs[phase]);
    if (hotSwap) {
      line('hot swap', hotSwap.ms);
      console.log(
        `  hot swap = publish → version loaded ${hotSwap.toSwap.toFixed(0)} ms + → /recommend answered ${hotSwap.toAnswer.toFixed(0)} ms; ` +
          `it overlaps the last ${hotSwap.overlap.toFixed(0)} ms of promote`,
      );
    }
  }
} finally {
  await serving.stop();
  publisher.disconnect();
  await dropPrefix(prefix);
  await servingPrisma.$disconnect();
  await prisma.$disconnect();
  await scratch.drop();
}
