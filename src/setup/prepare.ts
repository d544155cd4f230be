import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import type { PrismaClient } from '../db/client.ts';
import { locateModel, missingModelFiles } from '../embeddings/encoder.ts';

/** How setup talks to the person: a transient status (a bar that redraws) and permanent lines. */
export interface SetupReporter {
  status(text: string): void;
  line(text: string): void;
}

/** Setup cannot go on; the message says what is missing and how to get it. Maps to a one-line CLI error. */
export class PlaygroundSetupError extends Error {
  override name = 'PlaygroundSetupError';
}

const MOVIELENS_FILES = ['movies.csv', 'links.csv', 'tags.csv', 'ratings.csv'] as const;

/** The first of `candidates` that holds every MovieLens file, or undefined. */
export function findMovieLensDir(candidates: readonly string[]): string | undefined {
  return candidates.map((c) => resolve(c)).find((dir) => MOVIELENS_FILES.every((f) => existsSync(join(dir, f))));
}

/** The error for an empty catalogue with no MovieLens files anywhere we looked. */
export function missingMovieLens(candidates: readonly string[]): PlaygroundSetupError {
  const looked = [...new Set(candidates.map((c) => resolve(c)))].join(' and ');
  return new PlaygroundSetupError(
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
 * The configured EMBEDDING_MODEL when its files are on disk (no download is attempted: the playground
 * must start offline), else the project's own model in MODELS_DIR/tastebud, made from MovieLens if absent.
 */
export function chooseEmbeddingModel(configured: string, modelsDir: string): EmbeddingModelChoice {
  const location = locateModel(configured, modelsDir);
  if (missingModelFiles(location.dir).length === 0) return { model: location.name, dir: location.dir, needsMaking: false };
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

/** A text progress bar of `width` cells for a share between 0 and 1, with the percentage. */
export function bar(share: number, width = 20): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(share) ? share : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(clamped * 100)).padStart(3)}%`;
}

/** Counts the setup needs to decide what to do. */
export async function catalogueState(prisma: PrismaClient): Promise<{ titles: number; activeVersionId: number | null; embedded: number }> {
  const [titles, active, embedded] = await Promise.all([
    prisma.title.count(),
    prisma.modelVersion.findFirst({ where: { status: 'active' }, select: { id: true } }),
    prisma.titleEmbedding.count(),
  ]);
  return { titles, activeVersionId: active?.id ?? null, embedded };
}
