import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { PrismaClient } from '../db/client.ts';
import type { ModelStatus, ModelVersion, Prisma } from '../generated/prisma/client.ts';
import { TitleIndex, type TitleIndexOptions } from '../index/title-index.ts';
import type { TrainedModel } from '../model/types.ts';

export type { ModelStatus, ModelVersion };

/** A model version that cannot be stored, found or loaded as asked; the message says which and why. */
export class ModelStoreError extends Error {
  override name = 'ModelStoreError';
}

/** A stored artifact whose bytes no longer match the checksum or size recorded with them. */
export class ArtifactIntegrityError extends ModelStoreError {
  override name = 'ArtifactIntegrityError';
}

/** Turns stored parts back into a model; the model package provides it, so this one needs no TF.js. */
export type DeserializeModel = (parts: Map<string, Uint8Array>) => TrainedModel;

/** Artifact names: the model's own parts are stored under this prefix, next to the shared ones. */
export const ARTIFACT = {
  modelPrefix: 'model/',
  /** The version's gate fit (trained without the promotion hold-out), kept to judge the next candidate against. */
  gateModelPrefix: 'gate-model/',
  titleIds: 'title-ids',
  titleVectors: 'title-vectors',
  index: 'index',
} as const;

/** What {@link saveModelVersion} records about a trained model. */
export interface NewModelVersion {
  model: TrainedModel;
  index: TitleIndex;
  /** The model the promotion gate scored, when it is not `model` itself (stored, never served). */
  gateModel?: TrainedModel;
  metrics?: Record<string, unknown>;
  params?: Record<string, unknown>;
  /** Training loss per epoch. */
  lossHistory?: number[];
  trainingRatings?: number;
  trainingUsers?: number;
  trainingTitles?: number;
  durationMs?: number;
  /** Defaults to candidate; use {@link promoteModelVersion} to make a version active. */
  status?: Exclude<ModelStatus, 'active'>;
  statusReason?: string;
}

/** A version loaded back: its row, the model and its index, ready to recommend from. */
export interface LoadedModelVersion {
  version: ModelVersion;
  model: TrainedModel;
  index: TitleIndex;
}

/** Serialised transactions may hold large artifacts; the default 5 s is not enough for ~10 MB. */
const TRANSACTION = { timeout: 120_000, maxWait: 10_000 } as const;
/** Key of the advisory lock that serialises status changes, so two promotions cannot both win. */
const PROMOTION_LOCK = 7_405_071;

/**
 * Stores a model version and all its artifacts (the model's serialised parts, title ids, title vectors
 * and the HNSW index, each with sha256 and size) in one transaction, so a half-written version is never
 * visible. Returns the new version id.
 */
export async function saveModelVersion(prisma: PrismaClient, input: NewModelVersion): Promise<number> {
  const { model, index } = input;
  if (index.dimension !== model.dimension) {
    throw new ModelStoreError(`Index dimension ${index.dimension} does not match model dimension ${model.dimension}.`);
  }
  if (model.titleVectors.length !== model.titleIds.length * model.dimension) {
    throw new ModelStoreError(`Model has ${model.titleIds.length} titles but ${model.titleVectors.length} vector values (dimension ${model.dimension}).`);
  }
  return prisma.$transaction(async (tx) => {
    const version = await tx.modelVersion.create({
      data: {
        status: input.status ?? 'candidate',
        statusReason: input.statusReason ?? null,
        architecture: model.architecture,
        backend: model.backend,
        dimension: model.dimension,
        params: (input.params ?? {}) as object,
        metrics: (input.metrics ?? {}) as object,
        lossHistory: input.lossHistory ?? [],
        trainingRatings: input.trainingRatings ?? 0,
        trainingUsers: input.trainingUsers ?? 0,
        trainingTitles: input.trainingTitles ?? model.titleIds.length,
        durationMs: input.durationMs === undefined ? null : Math.round(input.durationMs),
      },
    });
    // One part at a time, each serialised only when its turn comes and dropped once written: serialising every
    // part of both models up front made the save the peak of the whole retrain.
    await writeParts(tx, version.id, ARTIFACT.modelPrefix, model.serialize());
    if (input.gateModel) await writeParts(tx, version.id, ARTIFACT.gateModelPrefix, input.gateModel.serialize());
    await writeArtifact(tx, version.id, ARTIFACT.titleIds, int32Bytes(model.titleIds));
    await writeArtifact(tx, version.id, ARTIFACT.titleVectors, float32Bytes(model.titleVectors));
    await writeArtifact(tx, version.id, ARTIFACT.index, index.toBytes(version.id));
    index.versionId = version.id;
    return version.id;
  }, TRANSACTION);
}

/**
 * Replaces one artifact of a stored version (bytes, sha256 and size), written in chunks like a save and in one
 * transaction, so readers see the old artifact or the new one, never a mix.
 */
export async function replaceArtifact(prisma: PrismaClient, versionId: number, name: string, data: Uint8Array): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const where = { versionId_name: { versionId, name } };
    const found = await tx.modelArtifact.findUnique({ where, select: { createdAt: true } });
    if (!found) throw new ModelStoreError(`Model version ${versionId} has no "${name}" artifact to replace.`);
    await tx.modelArtifact.delete({ where });
    await writeArtifact(tx, versionId, name, data);
    // The row keeps the time its version was saved, as an update in place would.
    await tx.modelArtifact.update({ where, data: { createdAt: found.createdAt } });
  }, TRANSACTION);
}

/**
 * Bytes sent per statement when saving: Prisma passes a bytes parameter as base64 and again as a Buffer, so a
 * statement costs a few times its chunk in transient memory, however large the artifact. 1 MiB saved a 40 MiB part
 * with a 215 MB peak RSS rise against 280 MB for 4 MiB chunks (and 640 MB for the former whole-row insert).
 */
export const ARTIFACT_CHUNK_BYTES = 1 << 20;

type Transaction = Prisma.TransactionClient;

/** Writes a model's serialised parts under `prefix`, letting each go once written (the map holds the only reference). */
async function writeParts(tx: Transaction, versionId: number, prefix: string, parts: Map<string, Uint8Array>): Promise<void> {
  for (const [name, data] of parts) {
    await writeArtifact(tx, versionId, prefix + name, data);
    parts.delete(name);
  }
}

/** The view itself when it is over a plain ArrayBuffer (always, in practice), else a copy: Prisma's bytes type wants one. */
function ownBytes(view: Uint8Array): Uint8Array<ArrayBuffer> {
  return view.buffer instanceof ArrayBuffer ? (view as Uint8Array<ArrayBuffer>) : new Uint8Array(view);
}

/** Where the chunks of an artifact wait, inside the save's transaction, until the server joins them into its row. */
const CHUNK_MARK = '#chunk-';

/**
 * Inserts one artifact row with its sha256 and size. An artifact larger than one chunk is sent in chunks (views of
 * `data`, never copies of the whole) as rows of their own, which the server joins into the artifact's row and then
 * deletes, all inside the caller's transaction, so no other reader ever sees them. Appending to the artifact's row
 * instead would rewrite the whole value once per chunk. Bytes go through Prisma's model API, not `$executeRaw`: raw
 * queries kept their bytes parameters alive afterwards (+122 MB heap after GC for 10 raw inserts of 4 MiB; likely
 * Prisma's query-plan cache, which does not parameterise raw queries).
 */
async function writeArtifact(tx: Transaction, versionId: number, name: string, data: Uint8Array): Promise<void> {
  const hash = createHash('sha256');
  if (data.byteLength <= ARTIFACT_CHUNK_BYTES) {
    await tx.modelArtifact.create({ data: { versionId, name, sha256: hash.update(data).digest('hex'), size: data.byteLength, data: ownBytes(data) } });
    return;
  }
  const prefix = name + CHUNK_MARK;
  for (let at = 0, seq = 0; at < data.byteLength; at += ARTIFACT_CHUNK_BYTES, seq++) {
    const chunk = data.subarray(at, at + ARTIFACT_CHUNK_BYTES);
    hash.update(chunk);
    // Zero-padded so that the names sort in chunk order.
    await tx.modelArtifact.create({ data: { versionId, name: prefix + String(seq).padStart(8, '0'), sha256: '', size: chunk.byteLength, data: ownBytes(chunk) } });
  }
  await tx.$executeRaw`
    INSERT INTO model_artifacts (version_id, name, sha256, size, data)
    SELECT ${versionId}::int, ${name}, ${hash.digest('hex')}, ${data.byteLength}::int, string_agg(data, ''::bytea ORDER BY name)
    FROM model_artifacts WHERE version_id = ${versionId}::int AND starts_with(name, ${prefix})`;
  await tx.$executeRaw`DELETE FROM model_artifacts WHERE version_id = ${versionId}::int AND starts_with(name, ${prefix})`;
}

/**
 * Loads a version's artifacts, verifies every checksum and size, deserialises the model and loads the
 * index (checked against the model's dimension and title order). Throws {@link ModelStoreError} for an
 * unknown or incomplete version and {@link ArtifactIntegrityError} for corrupted bytes.
 */
export async function loadModelVersion(
  prisma: PrismaClient,
  versionId: number,
  deserializeModel: DeserializeModel,
  indexOptions: Pick<TitleIndexOptions, 'ef'> & { graph?: boolean } = {},
): Promise<LoadedModelVersion> {
  const version = await prisma.modelVersion.findUnique({ where: { id: versionId } });
  if (!version) throw new ModelStoreError(`No model version ${versionId}.`);
  // The gate fit is only for the next retrain's comparison: serving hosts do not fetch it.
  // `graph: false` (one CLI query) skips the HNSW graph too: its index scans the model's title vectors.
  const graph = indexOptions.graph ?? true;
  // title-vectors repeats the model's own rows (for readers without the model package): not needed here.
  const skipped = [{ name: { startsWith: ARTIFACT.gateModelPrefix } }, { name: ARTIFACT.titleVectors }, ...(graph ? [] : [{ name: ARTIFACT.index }])];
  const artifacts = await readArtifacts(prisma, versionId, { NOT: skipped });
  const need = (name: string) => {
    const data = artifacts.get(name);
    if (!data) throw new ModelStoreError(`Model version ${versionId} (status ${version.status}) has no "${name}" artifact; it was not saved completely.`);
    return data;
  };
  const model = deserializeParts(artifacts, ARTIFACT.modelPrefix, deserializeModel, version);
  const titleIds = Array.from(readInt32(need(ARTIFACT.titleIds)));
  if (titleIds.length !== model.titleIds.length || titleIds.some((id, row) => id !== model.titleIds[row])) {
    throw new ModelStoreError(`Model version ${versionId}: the stored title ids do not match the model's title order.`);
  }
  const index = graph
    ? TitleIndex.fromBytes(need(ARTIFACT.index), { dimension: model.dimension, titleIds: model.titleIds, versionId }, indexOptions)
    : TitleIndex.exact(model.titleIds, model.titleVectors, model.dimension);
  index.versionId = versionId;
  return { version, model, index };
}

/**
 * The gate fit a version was saved with (see {@link NewModelVersion.gateModel}), checksums verified, or null
 * when it has none (versions saved before the gate existed, or whose served model is the gate fit itself).
 */
export async function loadGateModel(prisma: PrismaClient, versionId: number, deserializeModel: DeserializeModel): Promise<TrainedModel | null> {
  const version = await prisma.modelVersion.findUnique({ where: { id: versionId } });
  if (!version) throw new ModelStoreError(`No model version ${versionId}.`);
  const artifacts = await readArtifacts(prisma, versionId, { name: { startsWith: ARTIFACT.gateModelPrefix } });
  return artifacts.size === 0 ? null : deserializeParts(artifacts, ARTIFACT.gateModelPrefix, deserializeModel, version);
}

/** A version's artifacts matching `where`, each checked against its stored size and sha256. */
async function readArtifacts(prisma: PrismaClient, versionId: number, where: Prisma.ModelArtifactWhereInput): Promise<Map<string, Uint8Array>> {
  const rows = await prisma.modelArtifact.findMany({ where: { versionId, ...where }, select: { name: true, sha256: true, size: true } });
  const artifacts = new Map<string, Uint8Array>();
  for (const row of rows) {
    const data = await readArtifactBytes(prisma, versionId, row.name, row.size);
    if (data.byteLength !== row.size) {
      throw new ArtifactIntegrityError(`Artifact "${row.name}" of model version ${versionId} has ${data.byteLength} bytes, but ${row.size} were stored; retrain or restore it.`);
    }
    if (sha256(data) !== row.sha256) {
      throw new ArtifactIntegrityError(`Artifact "${row.name}" of model version ${versionId} does not match its sha256 checksum; retrain or restore it.`);
    }
    artifacts.set(row.name, data);
  }
  return artifacts;
}

/** Bytes read per query: Prisma hands bytes over as base64, so one 15 MB artifact read whole costs ~100 MB of peak memory. */
const ARTIFACT_SLICE_BYTES = 1 << 20;

/** One artifact's bytes, read in slices into one array (a CLI call stays far below its whole-read peak memory). */
async function readArtifactBytes(prisma: PrismaClient, versionId: number, name: string, size: number): Promise<Uint8Array> {
  const data = new Uint8Array(size);
  let at = 0;
  for (;;) {
    const [slice] = await prisma.$queryRaw<{ part: Uint8Array | null }[]>`
      SELECT substring(data FROM ${at + 1}::int FOR ${ARTIFACT_SLICE_BYTES}::int) AS part FROM model_artifacts WHERE version_id = ${versionId} AND name = ${name}`;
    const part = slice?.part ?? new Uint8Array(0);
    // More bytes than recorded: return them all, so the size check names the difference.
    if (at + part.byteLength > size) {
      const longer = new Uint8Array(at + part.byteLength);
      longer.set(data.subarray(0, at));
      longer.set(part, at);
      return longer;
    }
    data.set(part, at);
    at += part.byteLength;
    if (part.byteLength < ARTIFACT_SLICE_BYTES) return at === size ? data : data.subarray(0, at);
  }
}

/** Deserialises the model stored under `prefix` and checks it against the version's recorded dimension. */
function deserializeParts(artifacts: Map<string, Uint8Array>, prefix: string, deserializeModel: DeserializeModel, version: ModelVersion): TrainedModel {
  const parts = new Map<string, Uint8Array>();
  for (const [name, data] of artifacts) if (name.startsWith(prefix)) parts.set(name.slice(prefix.length), data);
  if (parts.size === 0) throw new ModelStoreError(`Model version ${version.id} (status ${version.status}) has no model parts; it was not saved completely.`);
  const model = deserializeModel(parts);
  if (model.dimension !== version.dimension) {
    throw new ModelStoreError(`Model version ${version.id} records dimension ${version.dimension} but its stored model has dimension ${model.dimension}.`);
  }
  return model;
}

/** The stored title ids and vectors of a version, without deserialising the model (no TF.js needed). */
export async function loadTitleVectors(prisma: PrismaClient, versionId: number): Promise<{ titleIds: number[]; vectors: Float32Array }> {
  // Read in slices like every other artifact: a whole-row read of the vectors costs several copies of them at once.
  const artifacts = await readArtifacts(prisma, versionId, { name: { in: [ARTIFACT.titleIds, ARTIFACT.titleVectors] } });
  const read = (name: string) => {
    const data = artifacts.get(name);
    if (!data) throw new ModelStoreError(`Model version ${versionId} has no "${name}" artifact.`);
    return data;
  };
  return { titleIds: Array.from(readInt32(read(ARTIFACT.titleIds))), vectors: readFloat32(read(ARTIFACT.titleVectors)) };
}

/** The version every bot and worker should serve, or null before the first promotion. */
export async function activeModelVersion(prisma: PrismaClient): Promise<ModelVersion | null> {
  return prisma.modelVersion.findFirst({ where: { status: 'active' }, orderBy: { promotedAt: 'desc' } });
}

/**
 * Records a status other than active (training -> candidate, rejected, failed, ...), with an optional
 * reason. Activation goes through {@link promoteModelVersion} so there is always at most one active.
 */
export async function setModelStatus(prisma: PrismaClient, versionId: number, status: Exclude<ModelStatus, 'active'>, reason?: string): Promise<ModelVersion> {
  if ((status as ModelStatus) === 'active') throw new ModelStoreError('Use promoteModelVersion to make a version active.');
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${PROMOTION_LOCK})`);
    const found = await tx.modelVersion.findUnique({ where: { id: versionId }, select: { status: true } });
    if (!found) throw new ModelStoreError(`No model version ${versionId}.`);
    if (found.status === 'active') {
      throw new ModelStoreError(`Model version ${versionId} is active; promote another version or roll back before changing its status.`);
    }
    return tx.modelVersion.update({ where: { id: versionId }, data: { status, statusReason: reason ?? null } });
  }, TRANSACTION);
}

/**
 * Makes a version the active one and retires the previously active version, in one transaction under
 * an advisory lock, so exactly one version is active afterwards even when two hosts promote at once.
 * Only versions whose artifacts were saved (candidate, retired, rejected, active) can be promoted.
 */
export async function promoteModelVersion(prisma: PrismaClient, versionId: number, reason?: string): Promise<ModelVersion> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${PROMOTION_LOCK})`);
    const target = await tx.modelVersion.findUnique({ where: { id: versionId } });
    if (!target) throw new ModelStoreError(`No model version ${versionId}.`);
    if (target.status === 'training' || target.status === 'failed') {
      throw new ModelStoreError(`Model version ${versionId} is ${target.status}; only a finished version (candidate, retired or rejected) can be promoted.`);
    }
    await tx.modelVersion.updateMany({ where: { status: 'active', id: { not: versionId } }, data: { status: 'retired', statusReason: `replaced by version ${versionId}` } });
    return tx.modelVersion.update({ where: { id: versionId }, data: { status: 'active', promotedAt: new Date(), statusReason: reason ?? null } });
  }, TRANSACTION);
}

/**
 * Rolls back to the version that was active before the current one: the current version becomes
 * rejected (so a later rollback does not return to it) and the most recently promoted retired version
 * becomes active again. Returns the version now active.
 */
export async function rollbackModelVersion(prisma: PrismaClient, reason = 'rolled back'): Promise<ModelVersion> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${PROMOTION_LOCK})`);
    const current = await tx.modelVersion.findFirst({ where: { status: 'active' } });
    if (!current) throw new ModelStoreError('No model version is active, so there is nothing to roll back.');
    const previous = await tx.modelVersion.findFirst({
      where: { status: 'retired', promotedAt: { not: null }, id: { not: current.id } },
      orderBy: [{ promotedAt: 'desc' }, { id: 'desc' }],
    });
    if (!previous) throw new ModelStoreError(`Model version ${current.id} is the only one ever active; there is no earlier version to roll back to.`);
    await tx.modelVersion.updateMany({ where: { status: 'active' }, data: { status: 'rejected', statusReason: reason } });
    return tx.modelVersion.update({ where: { id: previous.id }, data: { status: 'active', promotedAt: new Date(), statusReason: `restored by rollback from version ${current.id}` } });
  }, TRANSACTION);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function int32Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return bytes;
}

/** Artifacts are little-endian: on such a host (every supported one) vectors are stored from views, without a copy. */
const LITTLE_ENDIAN = endianness() === 'LE';

function float32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function readInt32(bytes: Uint8Array): Int32Array {
  if (bytes.byteLength % 4 !== 0) throw new ArtifactIntegrityError(`An int32 artifact must be a multiple of 4 bytes, got ${bytes.byteLength}.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Int32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
}

function readFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new ArtifactIntegrityError(`A float32 artifact must be a multiple of 4 bytes, got ${bytes.byteLength}.`);
  // A view of the bytes read (aligned: sliced reads fill one fresh array), not a second copy of every vector.
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
