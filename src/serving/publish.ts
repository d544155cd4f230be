import type { Redis } from 'ioredis';

/** Why the active model changed; a reindex keeps the version id but still needs a reload. */
export type ModelChangeKind = 'promote' | 'rollback' | 'reindex';

/** The message sent on {@link modelChannel} whenever the active model version or its index changes. */
export interface ModelChange {
  versionId: number;
  kind: ModelChangeKind;
  at: number;
}

/** Redis pub/sub channel every serving process listens on, under the deployment's queue prefix. */
export function modelChannel(prefix: string): string {
  return `${prefix}:model-promoted`;
}

/**
 * Tells every bot and worker that the active model changed, so they load it in the background.
 * Listeners re-read the active version from PostgreSQL, so a lost or reordered message only delays a swap.
 * Returns the number of subscribers that received it.
 */
export async function publishModelChange(redis: Pick<Redis, 'publish'>, prefix: string, versionId: number, kind: ModelChangeKind = 'promote'): Promise<number> {
  const change: ModelChange = { versionId, kind, at: Date.now() };
  return redis.publish(modelChannel(prefix), JSON.stringify(change));
}

/** Parses a message from {@link modelChannel}; undefined for anything malformed (it is ignored, not fatal). */
export function parseModelChange(message: string): ModelChange | undefined {
  try {
    const value = JSON.parse(message) as Partial<ModelChange>;
    if (typeof value.versionId !== 'number' || !Number.isInteger(value.versionId)) return undefined;
    const kind = value.kind === 'rollback' || value.kind === 'reindex' ? value.kind : 'promote';
    return { versionId: value.versionId, kind, at: typeof value.at === 'number' ? value.at : Date.now() };
  } catch {
    return undefined;
  }
}
