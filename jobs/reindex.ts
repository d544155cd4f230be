import type { PrismaClient } from '../src/db/client.ts';
import { TitleIndex, type TitleIndexOptions } from '../src/index/title-index.ts';
import type { Logger } from '../src/log.ts';
import { activeModelVersion, ARTIFACT, loadTitleVectors, replaceArtifact } from '../src/model-store/store.ts';
import type { ReindexResult } from '../src/queue/job-progress.ts';

export interface ReindexDeps {
  prisma: PrismaClient;
  /** HNSW build settings (HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF). */
  hnsw: TitleIndexOptions;
  /** Announces the rebuilt index to every bot (publishModelChange with kind 'reindex'). */
  publish(versionId: number): Promise<void>;
  progress?(percent: number): Promise<void>;
  logger?: Logger;
}

/**
 * Rebuilds the HNSW index of the active version from its stored title vectors (no TF.js needed), with
 * the current HNSW settings, replaces its index artifact (sha256 and size updated with it) and tells the
 * bots to reload. The index must keep the model's title order, so titles added since training appear
 * only after the next retrain gives them vectors.
 */
export async function rebuildActiveIndex(deps: ReindexDeps): Promise<ReindexResult> {
  const active = await activeModelVersion(deps.prisma);
  if (!active) return { status: 'skipped', reason: 'no model version is active yet' };
  const { titleIds, vectors } = await loadTitleVectors(deps.prisma, active.id);
  await deps.progress?.(30);
  const index = TitleIndex.build(titleIds, vectors, active.dimension, deps.hnsw);
  await deps.progress?.(80);
  // Chunked like a save: a whole-row update would hold the graph several times over (base64 and Buffer copies).
  const data = index.toBytes(active.id);
  await replaceArtifact(deps.prisma, active.id, ARTIFACT.index, data);
  await deps.publish(active.id);
  await deps.progress?.(100);
  deps.logger?.info({ versionId: active.id, titles: titleIds.length, bytes: data.byteLength }, 'index rebuilt');
  return { status: 'rebuilt', versionId: active.id, titles: titleIds.length, bytes: data.byteLength };
}
