import type { PrismaClient } from '../db/client.ts';
import { loadTitleEmbeddings } from '../embeddings/store.ts';

/** A title near another one by the text of both (name, genres, tags, overview), not by who rated them. */
export interface TextNeighbour {
  titleId: number;
  /** Cosine of the two titles' text embeddings. */
  similarity: number;
}

/** The `count` titles whose text embeddings are closest (cosine) to the title's own, best first, ties by id. */
export function textNeighbours(vectors: ReadonlyMap<number, Float32Array>, titleId: number, count: number): TextNeighbour[] {
  const query = vectors.get(titleId);
  if (!query) return [];
  const queryNorm = norm(query);
  const scored: TextNeighbour[] = [];
  for (const [id, vector] of vectors) {
    if (id === titleId || vector.length !== query.length) continue;
    let dot = 0;
    for (let i = 0; i < vector.length; i++) dot += query[i]! * vector[i]!;
    const lengths = queryNorm * norm(vector);
    scored.push({ titleId: id, similarity: lengths === 0 ? 0 : dot / lengths });
  }
  return scored.sort((a, b) => b.similarity - a.similarity || a.titleId - b.titleId).slice(0, count);
}

function norm(vector: Float32Array): number {
  let squared = 0;
  for (let i = 0; i < vector.length; i++) squared += vector[i]! * vector[i]!;
  return Math.sqrt(squared);
}

/**
 * Text neighbours over the title_embeddings table, for /similar before a model is trained (or for a title
 * newer than the model). The vectors of the title's encoder are read once and kept until that encoder's
 * rows change (count or newest update), which one small query per call checks.
 */
export function textSimilarity(prisma: PrismaClient): { neighbours(titleId: number, count: number): Promise<TextNeighbour[] | undefined> } {
  let cached: { model: string; stamp: string; vectors: Map<number, Float32Array> } | undefined;
  return {
    /** Undefined when the title has no text embedding (run `tastebud embeddings update`). */
    async neighbours(titleId, count) {
      const [state] = await prisma.$queryRaw<{ model: string; stamp: string }[]>`
        SELECT e.model, count(*)::text || '@' || coalesce(max(e.updated_at)::text, '') AS stamp
        FROM title_embeddings e WHERE e.model = (SELECT model FROM title_embeddings WHERE title_id = ${titleId})
        GROUP BY e.model`;
      if (!state) return undefined;
      if (cached?.model !== state.model || cached.stamp !== state.stamp) {
        cached = { ...state, vectors: await loadTitleEmbeddings(prisma, { model: state.model }) };
      }
      return textNeighbours(cached.vectors, titleId, count);
    },
  };
}
