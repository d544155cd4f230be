/**
 * The production set-up for the loop benchmarks (freshness, burst): `tastebud seed` fills the scratch database as a
 * deployment does (MovieLens ml-latest-small import, the project's own text model, title embeddings, the first
 * training of the default model, promoted), and the loop serves that active version.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { movieLensOrStop } from '../test/support/movielens.ts';
import type { PrismaClient } from '../src/db/client.ts';
import { deserializeModel, type EmbeddingModel } from '../src/model/embedding-model.ts';
import { activeModelVersion, loadModelVersion } from '../src/model-store/store.ts';
import { REDIS_URL, uniquePrefix, type GeneratedCatalogue } from '../test/integration/worker/support.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** ml-latest-small where the tests find it (TEST_MOVIELENS_DIR, data/movielens/, ../shared, a download). */
export const DEFAULT_MOVIELENS = await movieLensOrStop();

/** A `prepare` for startBenchLoop: runs `tastebud seed` on the scratch database and loads the model it promoted. */
export function seedProduction(movielensDir: string = DEFAULT_MOVIELENS) {
  return async (url: string, prisma: PrismaClient): Promise<{ catalogue: GeneratedCatalogue; model: EmbeddingModel; seconds: number }> => {
    const started = performance.now();
    const modelsDir = mkdtempSync(join(tmpdir(), 'tastebud-bench-models-'));
    try {
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LOG_LEVEL: 'warn',
        DATABASE_URL: url,
        REDIS_URL,
        QUEUE_PREFIX: uniquePrefix('bench-seed'),
        MOVIELENS_DIR: movielensDir,
        MODELS_DIR: modelsDir,
        ALLOW_REMOTE_MODELS: 'false',
      };
      const child = spawn(process.execPath, ['bin/tastebud.js', 'seed'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`tastebud seed exited with ${code}:\n${output.slice(-3000)}`);
    } finally {
      rmSync(modelsDir, { recursive: true, force: true });
    }
    const active = await activeModelVersion(prisma);
    if (!active) throw new Error('tastebud seed promoted no model version');
    const { model } = await loadModelVersion(prisma, active.id, deserializeModel);
    const users = await prisma.user.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    const catalogue: GeneratedCatalogue = { titleIds: [...model.titleIds], byGenre: new Map(), userIds: users.map((u) => u.id) };
    return { catalogue, model: model as EmbeddingModel, seconds: (performance.now() - started) / 1000 };
  };
}

/** One line saying what the loop serves, for the benchmark's output. */
export function describeModel(model: EmbeddingModel): string {
  return `${model.architecture} d=${model.dimension} (${model.titleIds.length} titles), trained by tastebud seed on ml-latest-small`;
}

/** Throws unless the list came from the personal path (the popular fallback's reasons start with "popular"). */
export function requirePersonal(list: readonly { reason: string }[]): void {
  const fallback = list.find((r) => r.reason.startsWith('popular'));
  if (fallback) throw new Error(`a recommendation came from the popular fallback ("${fallback.reason}"), not the personal path`);
}
