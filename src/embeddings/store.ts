import type { PrismaClient } from '../db/client.ts';
import type { TitleEncoder } from './encoder.ts';
import { textHash, titleText } from './title-text.ts';
import { bytesToVector, vectorToBytes } from './vector-bytes.ts';

export interface UpdateEmbeddingsProgress {
  /** Titles looked at so far (embedded or skipped). */
  done: number;
  total: number;
  embedded: number;
  skipped: number;
}

export interface UpdateEmbeddingsOptions {
  /** Titles embedded and written per round trip (default 256). */
  batchSize?: number;
  /** Tags per title in the embedded text (default 10). */
  maxTags?: number;
  onProgress?: (progress: UpdateEmbeddingsProgress) => void;
}

export interface UpdateEmbeddingsResult {
  embedded: number;
  skipped: number;
}

/** Titles read from the database per page, so the catalogue never sits in memory twice. */
const PAGE_SIZE = 2000;

/**
 * Embeds every title whose text or encoder changed since its stored embedding, and upserts the
 * vectors (little-endian float32), one batch per statement. A title is skipped when its stored `textHash`, `model`
 * (the encoder's {@link TitleEncoder.modelKey}) and dimension all still match.
 */
export async function updateTitleEmbeddings(prisma: PrismaClient, encoder: TitleEncoder, options: UpdateEmbeddingsOptions = {}): Promise<UpdateEmbeddingsResult> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a whole number of 1 or more; got ${batchSize}.`);
  const total = await prisma.title.count();
  const progress: UpdateEmbeddingsProgress = { done: 0, total, embedded: 0, skipped: 0 };
  let pending: { titleId: number; text: string; hash: string }[] = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const vectors = await encoder.encode(batch.map((p) => p.text));
    const hex = vectors.map((v) => Buffer.from(vectorToBytes(v)).toString('hex'));
    // One INSERT ... ON CONFLICT per batch: measured ~8x faster than Prisma's createMany with Bytes,
    // which spent ~0.4 s per 256 rows. Vectors travel as hex text so no driver guesses at bytea[] arrays.
    await prisma.$executeRaw`
      INSERT INTO title_embeddings (title_id, model, text_hash, dimension, vector, updated_at)
      SELECT t.title_id, t.model, t.text_hash, t.dimension, decode(t.vector, 'hex'), now()
      FROM unnest(
        ${batch.map((item) => item.titleId)}::int[],
        ${batch.map(() => encoder.modelKey)}::text[],
        ${batch.map((item) => item.hash)}::text[],
        ${batch.map(() => encoder.dimension)}::int[],
        ${hex}::text[]
      ) AS t(title_id, model, text_hash, dimension, vector)
      ON CONFLICT (title_id) DO UPDATE SET
        model = excluded.model,
        text_hash = excluded.text_hash,
        dimension = excluded.dimension,
        vector = excluded.vector,
        updated_at = excluded.updated_at`;
    progress.embedded += batch.length;
    progress.done += batch.length;
    options.onProgress?.({ ...progress });
  };

  // What is stored, without the vectors, read once: cheaper than joining it to every page of titles.
  const stored = new Map((await prisma.titleEmbedding.findMany({ select: { titleId: true, model: true, textHash: true, dimension: true } })).map((e) => [e.titleId, e]));
  let cursor: number | undefined;
  for (;;) {
    const titles = await prisma.title.findMany({
      select: { id: true, name: true, year: true, genres: true, tags: true, overview: true },
      orderBy: { id: 'asc' },
      take: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor: { id: cursor }, skip: 1 }),
    });
    if (titles.length === 0) break;
    cursor = titles[titles.length - 1]!.id;
    let skippedHere = 0;
    for (const title of titles) {
      const text = titleText(title, { maxTags: options.maxTags });
      const hash = textHash(text);
      const previous = stored.get(title.id);
      if (previous && previous.textHash === hash && previous.model === encoder.modelKey && previous.dimension === encoder.dimension) {
        progress.skipped++;
        progress.done++;
        skippedHere++;
        continue;
      }
      pending.push({ titleId: title.id, text, hash });
      if (pending.length >= batchSize) await flush();
    }
    if (skippedHere > 0) options.onProgress?.({ ...progress });
  }
  await flush();
  return { embedded: progress.embedded, skipped: progress.skipped };
}

/**
 * Stored title embeddings by title id; pass `model` (an encoder's {@link TitleEncoder.modelKey}) to keep
 * only vectors of that encoder, since vectors of different models do not share a space.
 * Throws if a stored vector's length disagrees with its dimension.
 */
export async function loadTitleEmbeddings(prisma: PrismaClient, options: { model?: string } = {}): Promise<Map<number, Float32Array>> {
  const rows = await prisma.titleEmbedding.findMany({
    select: { titleId: true, dimension: true, vector: true },
    ...(options.model === undefined ? {} : { where: { model: options.model } }),
  });
  const out = new Map<number, Float32Array>();
  for (const row of rows) {
    try {
      out.set(row.titleId, bytesToVector(row.vector, row.dimension));
    } catch (error) {
      throw new Error(`Stored embedding of title ${row.titleId} is corrupt (${(error as Error).message}); delete its row from title_embeddings and run \`tastebud embeddings update\`.`, {
        cause: error,
      });
    }
  }
  return out;
}
