import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import { locateModel, missingModelFiles } from '../embeddings/encoder.ts';
import { findMovieLensDir, MOVIELENS_FILES } from '../import/locate.ts';
import type { MovieLensSize } from '../import/download.ts';
import type { Logger } from '../log.ts';
import type { TrainOptions } from '../model/options.ts';
import { bar } from '../lib/progress-bar.ts';

/** How setup talks to the person: a transient status (a bar that redraws) and permanent lines. */
export interface SetupReporter {
  status(text: string): void;
  line(text: string): void;
}

/** Setup cannot go on; the message says what is missing and how to get it. Maps to a one-line CLI error. */
export class SetupError extends Error {
  override name = 'SetupError';
}

export { findMovieLensDir };

/** The error for an empty catalogue with no MovieLens files anywhere we looked. */
export function missingMovieLens(candidates: readonly string[]): SetupError {
  const looked = [...new Set(candidates.map((c) => resolve(c)))].join(' and ');
  return new SetupError(
    `The catalogue is empty and no MovieLens files (${MOVIELENS_FILES.join(', ')}) were found in ${looked}. ` +
      `Get them with 'tastebud data download movielens' (or set MOVIELENS_DIR to an unpacked ml-latest-small), then run 'tastebud try' again.`,
  );
}

/** Which embedding model the playground uses, and whether it has to be made first. */
export interface EmbeddingModelChoice {
  /** What to pass as `model` to createTitleEncoder. */
  model: string;
  /** The directory the model is in, or will be made in. */
  dir: string;
  /** The configured model is not on disk, and the project's own model is not made yet. */
  needsMaking: boolean;
}

/**
 * The configured EMBEDDING_MODEL when its files are on disk or may be downloaded (`allowDownload`), else the
 * project's own model in MODELS_DIR/tastebud, made from MovieLens if absent.
 */
export function chooseEmbeddingModel(configured: string, modelsDir: string, allowDownload = false): EmbeddingModelChoice {
  const location = locateModel(configured, modelsDir);
  if (allowDownload || missingModelFiles(location.dir).length === 0) return { model: location.name, dir: location.dir, needsMaking: false };
  const own = resolve(modelsDir, 'tastebud');
  return { model: own, dir: own, needsMaking: missingModelFiles(own).length > 0 };
}

/** Imports MovieLens from `dir` into an empty catalogue, reporting progress per file. */
export async function importCatalogue(client: pg.Client, dir: string, report: SetupReporter): Promise<void> {
  const { importMovieLens } = await import('../import/movielens.ts');
  report.line(`The catalogue is empty: importing MovieLens from ${dir}.`);
  let problems = 0;
  const summary = await importMovieLens(client, {
    dir,
    onProgress: (p) => report.status(`  import ${p.file}.csv ${bar(p.bytesRead / Math.max(p.totalBytes, 1))} ${p.rowsRead.toLocaleString('en')} rows`),
    onProblem: () => {
      problems += 1;
    },
  });
  const t = summary.totals;
  report.line(
    `  imported ${t.titles.toLocaleString('en')} titles, ${t.users.toLocaleString('en')} users and ${t.ratings.toLocaleString('en')} ratings in ${(summary.ms / 1000).toFixed(1)} s` +
      (problems > 0 ? ` (${problems} malformed row(s) skipped)` : ''),
  );
}

/** Counts the setup needs to decide what to do. */
export async function catalogueState(prisma: PrismaClient): Promise<{ titles: number; activeVersionId: number | null; embedded: number }> {
  const [titles, active, embedded] = await Promise.all([prisma.title.count(), prisma.modelVersion.findFirst({ where: { status: 'active' }, select: { id: true } }), prisma.titleEmbedding.count()]);
  return { titles, activeVersionId: active?.id ?? null, embedded };
}

/** What {@link prepareDeployment} works with and how it reports. */
export interface PrepareContext {
  config: Config;
  /** Training settings of the first training (e.g. fewer epochs in the playground). */
  train?: Partial<Omit<TrainOptions, 'backend'>>;
  /** Directories that may hold MovieLens, first match wins. */
  candidates: readonly string[];
  /** Where to download MovieLens when no candidate holds it (seed on a machine with internet); absent = never download. */
  downloadTo?: string;
  /** Which release to download there (MOVIELENS_RELEASE); default small. */
  release?: MovieLensSize;
  /** Who the first retrain is recorded as requested by. */
  requestedBy: string;
  /** May the configured embedding model be downloaded (seed with ALLOW_REMOTE_MODELS), or must setup work offline (try)? */
  allowModelDownload: boolean;
  prisma: PrismaClient;
  redis: Redis;
  databaseUrl: string;
  reporter: SetupReporter;
  logger: Logger;
}

/**
 * Makes a database ready to serve: imports MovieLens into an empty catalogue and, without an active model
 * version, embeds the titles and trains a first model. Returns the embedding model in use. Used by
 * `tastebud seed` (deployments) and `tastebud try` (the playground).
 */
export async function prepareDeployment(ctx: PrepareContext): Promise<string> {
  const { prisma, reporter, config } = ctx;
  const candidates = [...ctx.candidates];
  let state = await catalogueState(prisma);
  if (state.titles === 0) {
    const dir = findMovieLensDir(candidates) ?? (ctx.downloadTo ? await downloadCatalogue(ctx.downloadTo, ctx.release ?? 'small', reporter) : undefined);
    if (!dir) throw missingMovieLens(candidates);
    candidates.unshift(dir);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    try {
      await importCatalogue(client, dir, reporter);
    } finally {
      await client.end();
    }
    state = await catalogueState(prisma);
  }
  const choice = chooseEmbeddingModel(config.embeddings.model, config.embeddings.modelsDir, ctx.allowModelDownload);
  if (state.activeVersionId !== null) {
    reporter.line(`Catalogue: ${state.titles.toLocaleString('en')} titles; model version ${state.activeVersionId} is active.`);
    return choice.model;
  }
  reporter.line('No model version is active yet: preparing title embeddings and a first training, so suggestions are personal.');
  if (choice.needsMaking) {
    const dir = findMovieLensDir(candidates);
    if (!dir)
      throw new SetupError(
        `No embedding model is available offline and no MovieLens files were found to make one (looked in ${candidates.join(' and ')}). Run 'tastebud data download movielens', or set EMBEDDING_MODEL to a model directory.`,
      );
    const { makeModelFromMovieLens } = await import('../embeddings/make-model.ts');
    reporter.status(`  making the project's own embedding model from ${dir} …`);
    const started = Date.now();
    const made = await makeModelFromMovieLens({ moviesPath: join(dir, 'movies.csv'), tagsPath: join(dir, 'tags.csv'), outDir: choice.dir, dimension: 64, minCount: 2 });
    reporter.line(`  made a ${made.dimension}-dimensional embedding model of ${made.vocabularySize.toLocaleString('en')} words in ${((Date.now() - started) / 1000).toFixed(1)} s (${made.dir})`);
  }
  const { createTitleEncoder } = await import('../embeddings/encoder.ts');
  const { updateTitleEmbeddings } = await import('../embeddings/store.ts');
  const encoder = await createTitleEncoder({ model: choice.model, modelsDir: config.embeddings.modelsDir, allowRemoteModels: ctx.allowModelDownload });
  try {
    const started = Date.now();
    const result = await updateTitleEmbeddings(prisma, encoder, {
      onProgress: (p) => ctx.reporter.status(`  embedding titles ${bar(p.done / Math.max(p.total, 1))} ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')}`),
    });
    reporter.line(`  embedded ${result.embedded.toLocaleString('en')} titles (${result.skipped.toLocaleString('en')} unchanged) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await encoder.dispose();
  }

  const { runRetrain } = await import('../../jobs/retrain.ts');
  const { progressBarLine, retrainResultLine } = await import('../queue/job-progress.ts');
  const { trainModel } = await import('../model/train.ts');
  const { deserializeModel } = await import('../model/embedding-model.ts');
  const { publishModelChange } = await import('../serving/publish.ts');
  const result = await runRetrain(
    {
      prisma,
      databaseUrl: ctx.databaseUrl,
      deserialize: deserializeModel,
      train: trainModel,
      backend: config.tfBackend,
      hnsw: config.hnsw,
      publish: async (versionId) => {
        await publishModelChange(ctx.redis, config.queuePrefix, versionId, 'promote');
      },
      progress: async (p) => reporter.status(`  first training ${progressBarLine(p, ctx.train?.epochs)}`),
      logger: ctx.logger,
    },
    { requestedBy: ctx.requestedBy, ...(ctx.train ? { train: ctx.train } : {}) },
  );
  reporter.line(`  first training ${retrainResultLine(result)}`);
  if (result.status === 'skipped') reporter.line('  (suggestions are popular titles until that training ends)');
  return choice.model;
}

/** Downloads the release into `dir` (machines with internet); the error says how to copy it in by hand. */
async function downloadCatalogue(dir: string, size: MovieLensSize, report: SetupReporter): Promise<string> {
  const { downloadMovieLens, MOVIELENS_ARCHIVES } = await import('../import/download.ts');
  report.line(`No MovieLens files found: downloading ${MOVIELENS_ARCHIVES[size]} into ${dir}.`);
  const result = await downloadMovieLens({ size, dir, onProgress: (p) => report.status(`  download ${bar(p.received / Math.max(p.total ?? p.received, 1))}`) });
  return result.dataDir;
}
