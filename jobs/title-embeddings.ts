import type { PrismaClient } from '../src/db/client.ts';
import type { TitleEncoder } from '../src/embeddings/encoder.ts';
import { updateTitleEmbeddings, type UpdateEmbeddingsResult } from '../src/embeddings/store.ts';
import type { Logger } from '../src/log.ts';

export interface TitleEmbeddingsDeps {
  prisma: PrismaClient;
  /** Opens the configured encoder (createTitleEncoder with EMBEDDING_MODEL, MODELS_DIR, ALLOW_REMOTE_MODELS). */
  openEncoder(): Promise<TitleEncoder>;
  progress?(percent: number): Promise<void>;
  logger?: Logger;
}

/** Embeds titles that are new or whose text changed; unchanged ones are skipped by the store. */
export async function embedChangedTitles(deps: TitleEmbeddingsDeps): Promise<UpdateEmbeddingsResult> {
  const encoder = await deps.openEncoder();
  try {
    let last = 0;
    const result = await updateTitleEmbeddings(deps.prisma, encoder, {
      onProgress: (p) => {
        const percent = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
        if (percent > last) {
          last = percent;
          void deps.progress?.(percent)?.catch(() => {});
        }
      },
    });
    deps.logger?.info({ ...result, model: encoder.modelKey }, 'title embeddings updated');
    return result;
  } finally {
    await encoder.dispose();
  }
}
