/**
 * Writes provider titles into the catalogue, one transaction per title: the title row, which provider record it
 * is (title_external_ids), and its provider names for search. A record already in the catalogue is updated, never
 * added twice: found by its external id, or for a TMDB movie by the tmdbId MovieLens' links.csv gave it.
 */
import { normaliseSearchText } from '../catalog/names.ts';
import { writeProviderNames, type ProviderNameSource } from '../catalog/title-names.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { ProviderError } from './http.ts';
import { imageUrlOrNull, type ExternalSource, type ProviderTitle } from './types.ts';

type Tx = Prisma.TransactionClient;

export interface SavedTitle {
  titleId: number;
  created: boolean;
}

/** The external id already belongs to another title (MovieLens lists a few movies twice under one tmdbId). */
export class ExternalIdTakenError extends Error {
  override name = 'ExternalIdTakenError';
}

const nameSourceOf: Record<ExternalSource, ProviderNameSource> = {
  tmdb_movie: 'tmdb',
  tmdb_tv: 'tmdb',
  rawg: 'rawg',
  openlibrary: 'openlibrary',
  musicbrainz: 'musicbrainz',
};

/**
 * Saves `t` as the title `titleId` (enrichment of a known title) or as whichever title already is that record,
 * else as a new title. Nothing is written when any step fails.
 */
export async function saveProviderTitle(db: PrismaClient, t: ProviderTitle, options: { titleId?: number } = {}): Promise<SavedTitle> {
  // The provider's answer is at fault, not the caller: counted as malformed, and a bulk import goes on.
  if (!t.name.trim()) throw new ProviderError(nameSourceOf[t.source], 'malformed', `${t.source} ${t.externalId} has no name; it was not saved.`);
  return db.$transaction(async (tx) => {
    const existing = options.titleId ?? (await findExisting(tx, t));
    const titleId = existing ?? (await createTitle(tx, t));
    if (existing !== undefined) await updateTitle(tx, existing, t);
    await linkExternalId(tx, titleId, t);
    if (t.detailed || existing === undefined) {
      await writeProviderNames(tx, titleId, nameSourceOf[t.source], [t.name, ...(t.originalName ? [t.originalName] : []), ...t.alternativeNames]);
    }
    return { titleId, created: existing === undefined };
  });
}

async function findExisting(tx: Tx, t: ProviderTitle): Promise<number | undefined> {
  const linked = await tx.titleExternalId.findUnique({ where: { source_externalId: { source: t.source, externalId: t.externalId } } });
  if (linked) return linked.titleId;
  if (t.source !== 'tmdb_movie') return undefined;
  const movie = await tx.title.findFirst({ where: { kind: 'movie', tmdbId: Number(t.externalId) }, orderBy: { ratingCount: 'desc' }, select: { id: true } });
  return movie?.id;
}

/** The provider's details; list and search summaries leave out what they do not carry. */
function detailFields(t: ProviderTitle) {
  return {
    ...(imageUrlOrNull(t.imageUrl) ? { imageUrl: imageUrlOrNull(t.imageUrl) } : {}),
    ...(t.overview ? { overview: t.overview } : {}),
    ...(t.runtimeMinutes ? { runtimeMinutes: t.runtimeMinutes } : {}),
    ...(t.pageCount ? { pageCount: t.pageCount } : {}),
    ...(t.originalLanguage ? { originalLanguage: t.originalLanguage } : {}),
    ...(t.detailed ? { topCast: t.cast, creators: t.creators, enrichedAt: new Date() } : {}),
  };
}

async function createTitle(tx: Tx, t: ProviderTitle): Promise<number> {
  const row = await tx.title.create({
    data: {
      kind: t.kind,
      name: t.name,
      year: t.year,
      genres: t.genres,
      searchName: normaliseSearchText(t.name),
      tmdbId: t.source === 'tmdb_movie' ? Number(t.externalId) : null,
      ...detailFields(t),
    },
    select: { id: true },
  });
  return row.id;
}

async function updateTitle(tx: Tx, titleId: number, t: ProviderTitle): Promise<void> {
  const current = await tx.title.findUniqueOrThrow({ where: { id: titleId }, select: { genres: true, movielensId: true } });
  // MovieLens' genre names stay (genre filters and models use them); the provider's current ones are added.
  const known = new Set(current.genres.map((g) => g.toLowerCase()));
  const genres = [...current.genres, ...t.genres.filter((g) => !known.has(g.toLowerCase()))];
  // A dataset title keeps the dataset's name and year; a provider's own title follows the provider.
  const identity = current.movielensId === null ? { name: t.name, year: t.year, searchName: normaliseSearchText(t.name) } : {};
  await tx.title.update({ where: { id: titleId }, data: { ...identity, genres, ...detailFields(t) } });
}

async function linkExternalId(tx: Tx, titleId: number, t: ProviderTitle): Promise<void> {
  const key = { source: t.source, externalId: t.externalId };
  const linked = await tx.titleExternalId.findUnique({ where: { source_externalId: key } });
  if (linked && linked.titleId !== titleId) {
    throw new ExternalIdTakenError(`${t.source} ${t.externalId} is already title ${linked.titleId}; title ${titleId} was left as it was.`);
  }
  if (!linked) await tx.titleExternalId.create({ data: { ...key, titleId } });
}
