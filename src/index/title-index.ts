import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

/**
 * How inner product is searched: `mips` maps it to L2 nearest neighbours with one extra coordinate
 * (see {@link TitleIndex}); `ip` uses hnswlib's inner-product space on the raw vectors. bench/index.ts
 * compares them: with a wide spread of vector norms, `ip` keeps recall that `mips` loses.
 */
export type IndexSpace = 'mips' | 'ip';

/** HNSW graph parameters; defaults follow hnswlib's recommendations for ~100-dimensional data. */
export interface TitleIndexOptions {
  /**
   * Default `ip`: on the closed-form model's title vectors (norms up to 8x the median) `mips` reached recall@10
   * 0.53 at ef 800 where `ip` reached 0.9997 at ef 100 (BENCHMARKS.md). Indexes saved without a space are `mips`.
   */
  space?: IndexSpace;
  /** Outgoing links per node (default 16). */
  m?: number;
  /** Candidate list size while building (default 200). */
  efConstruction?: number;
  /** Candidate list size while searching (default 100); raised to k for queries asking for more. */
  ef?: number;
  /** Seed of hnswlib's level generator, so builds are reproducible (default 100). */
  randomSeed?: number;
}

/** One search hit: the title and its real inner-product score with the query (what the model scores). */
export interface TitleMatch {
  titleId: number;
  score: number;
}

/** Decides whether a title may be returned; applied inside the graph search, so k results still come back. */
export type TitleFilter = (titleId: number) => boolean;

/** What a caller expects a stored index to hold; anything given is checked on load. */
export interface IndexExpectation {
  dimension: number;
  /** Row order of the model's title vectors; the index's id map must match it exactly. */
  titleIds?: readonly number[];
  versionId?: number;
}

/** Stored index bytes that do not fit the model or version they are loaded for. */
export class IndexMismatchError extends Error {
  override name = 'IndexMismatchError';
}

const MAGIC = 'TBHNSW01';
const FORMAT_VERSION = 1;
/** Spare norm when the largest vector grows, so a stream of slightly larger titles does not rebuild each time. */
const NORM_HEADROOM = 1.05;
const MIN_CAPACITY = 64;

interface Header {
  format: number;
  space: IndexSpace;
  versionId: number | null;
  dimension: number;
  maxNorm: number;
  m: number;
  efConstruction: number;
  ef: number;
  randomSeed: number;
  count: number;
}

/**
 * Approximate maximum-inner-product search over title vectors with hnswlib.
 *
 * The model scores by inner product of unnormalised vectors. By default (`space: 'ip'`) the graph is built on
 * hnswlib's inner-product space over the raw vectors: inner product is not a metric, but measured on real
 * and generated title vectors it keeps recall that the textbook alternative loses. That alternative,
 * `space: 'mips'`, stores each title x as [x, sqrt(M^2 - |x|^2)] with M the largest norm and each query q
 * as [q, 0], so every stored point has norm M and squared L2 distance equals M^2 + |q|^2 - 2 q.x: nearest
 * in L2 is largest inner product; with a wide spread of norms it squeezes the short vectors together.
 * Scores returned are exact inner products recomputed from the raw vectors.
 */
export class TitleIndex {
  readonly dimension: number;
  readonly space: IndexSpace;
  readonly m: number;
  readonly efConstruction: number;
  readonly randomSeed: number;
  /** Default search breadth; each query uses max(ef, k). */
  ef: number;
  /** Model version the index was built for, once saved. */
  versionId: number | undefined;

  /** Null for an {@link TitleIndex.exact} index, which scans instead of walking a graph. */
  private hnsw: Hnsw | null;
  private maxNorm: number;
  private capacity: number;
  /** label -> title id; labels are dense 0..count-1. */
  private ids: number[] = [];
  private labels = new Map<number, number>();
  /** Raw title vectors by label, capacity x dimension. */
  private vectors: Float32Array;
  /** Euclidean length of each raw vector, by label. */
  private norms: Float32Array;
  /** The vectors are the caller's array ({@link TitleIndex.exact}): copied before the first write. */
  private sharedRows = false;

  private constructor(dimension: number, options: TitleIndexOptions, maxNorm: number, capacity: number, hnsw?: Hnsw | null) {
    if (!Number.isInteger(dimension) || dimension < 1) throw new RangeError(`Index dimension must be a positive integer, got ${dimension}.`);
    this.dimension = dimension;
    this.space = options.space ?? 'ip';
    if (this.space !== 'mips' && this.space !== 'ip') throw new RangeError(`Index space must be mips or ip, got ${String(this.space)}.`);
    this.m = positiveInt(options.m ?? 16, 'm');
    this.efConstruction = positiveInt(options.efConstruction ?? 200, 'efConstruction');
    this.ef = positiveInt(options.ef ?? 100, 'ef');
    this.randomSeed = options.randomSeed ?? 100;
    this.maxNorm = maxNorm;
    this.capacity = Math.max(capacity, MIN_CAPACITY);
    this.vectors = new Float32Array(this.capacity * dimension);
    this.norms = new Float32Array(this.capacity);
    this.hnsw = hnsw === undefined ? this.createGraph() : hnsw;
  }

  /**
   * An empty index; titles are added with {@link add} and capacity grows as needed. Knowing roughly how
   * many titles and how long the longest vector will be (`expected`) avoids regrowing and rebuilding.
   */
  static empty(dimension: number, options: TitleIndexOptions = {}, expected: { capacity?: number; maxNorm?: number } = {}): TitleIndex {
    return new TitleIndex(dimension, options, expected.maxNorm ?? 0, expected.capacity ?? MIN_CAPACITY);
  }

  /**
   * Builds an index over `titleIds.length` row-major vectors (the layout of {@link TrainedModel.titleVectors}).
   * `onProgress` is called every 10,000 titles with the number added so far.
   */
  static build(titleIds: readonly number[], vectors: Float32Array, dimension: number, options: TitleIndexOptions = {}, onProgress?: (added: number) => void): TitleIndex {
    checkRows(titleIds, vectors, dimension);
    let maxNorm = 0;
    for (let row = 0; row < titleIds.length; row++) maxNorm = Math.max(maxNorm, norm(vectors, row * dimension, dimension));
    const index = new TitleIndex(dimension, options, maxNorm * NORM_HEADROOM, titleIds.length);
    for (let row = 0; row < titleIds.length; row++) {
      index.insert(titleIds[row]!, vectors.subarray(row * dimension, (row + 1) * dimension));
      if (onProgress && (row + 1) % 10_000 === 0) onProgress(row + 1);
    }
    return index;
  }

  /**
   * The same titles without a graph: every search is an exact scan. For one query (a CLI call) scanning
   * ~10k titles costs less than reading a graph back, and the answer is exact. It cannot be saved.
   */
  static exact(titleIds: readonly number[], vectors: Float32Array, dimension: number): TitleIndex {
    checkRows(titleIds, vectors, dimension);
    const index = new TitleIndex(dimension, {}, 0, titleIds.length, null);
    // Shares the caller's rows rather than copying them (the model keeps them anyway); a later add() copies first.
    index.vectors = vectors;
    index.sharedRows = true;
    for (let label = 0; label < titleIds.length; label++) {
      const titleId = titleIds[label]!;
      index.ids.push(titleId);
      index.labels.set(titleId, label);
      index.norms[label] = norm(vectors, label * dimension, dimension);
    }
    return index;
  }

  /** Number of titles in the index. */
  get size(): number {
    return this.ids.length;
  }

  /** Title ids in label order (the id map). */
  get titleIds(): readonly number[] {
    return this.ids;
  }

  has(titleId: number): boolean {
    return this.labels.has(titleId);
  }

  /** The raw (untransformed) vector of a title, or undefined when it is not indexed. */
  vectorOf(titleId: number): Float32Array | undefined {
    const label = this.labels.get(titleId);
    if (label === undefined) return undefined;
    return this.vectors.subarray(label * this.dimension, (label + 1) * this.dimension);
  }

  /** Length of a title's raw vector (for cosine similarity), or undefined when it is not indexed. */
  normOf(titleId: number): number | undefined {
    const label = this.labels.get(titleId);
    return label === undefined ? undefined : this.norms[label];
  }

  /**
   * Adds a title, or replaces its vector when it is already indexed. Capacity doubles when full. A vector
   * longer than the transform's norm bound rebuilds the graph (every stored point's extra coordinate
   * depends on that bound); this is rare because the bound keeps 5% headroom.
   */
  add(titleId: number, vector: ArrayLike<number>): void {
    if (!Number.isInteger(titleId)) throw new RangeError(`Title id must be an integer, got ${titleId}.`);
    if (vector.length !== this.dimension) {
      throw new RangeError(`Title ${titleId} has a vector of dimension ${vector.length}; this index holds dimension ${this.dimension}.`);
    }
    const length = norm(vector, 0, this.dimension);
    if (!Number.isFinite(length)) throw new RangeError(`Title ${titleId} has a vector with a non-finite value.`);
    if (this.space === 'mips' && length > this.maxNorm) {
      this.rebuild(length * NORM_HEADROOM);
    }
    this.insert(titleId, vector);
  }

  /**
   * The k titles with the largest inner product with `query`, best first, with exact scores.
   * `filter` excludes titles inside the graph search, so up to k allowed titles come back.
   */
  search(query: ArrayLike<number>, k: number, filter?: TitleFilter): TitleMatch[] {
    this.checkQuery(query);
    const wanted = Math.min(Math.max(0, Math.floor(k)), this.size);
    if (wanted === 0) return [];
    if (!this.hnsw) return this.exactSearch(query, wanted, filter);
    this.hnsw.setEf(Math.max(this.ef, wanted));
    const point = new Array<number>(this.graphDimension);
    for (let i = 0; i < this.dimension; i++) point[i] = query[i]!;
    if (this.space === 'mips') point[this.dimension] = 0;
    const ids = this.ids;
    const labelFilter = filter ? (label: number) => filter(ids[label]!) : undefined;
    const { neighbors } = this.hnsw.searchKnn(point, wanted, labelFilter);
    const matches = neighbors.map((label) => ({ titleId: ids[label]!, score: this.dot(query, label) }));
    return matches.sort(byScore);
  }

  /** The exact top k by inner product (brute force), for measuring the graph's recall. */
  exactSearch(query: ArrayLike<number>, k: number, filter?: TitleFilter): TitleMatch[] {
    this.checkQuery(query);
    return this.scan(query, k, this.ids.length, (i) => i, filter);
  }

  /**
   * The exact top k among the given titles (unknown ids are skipped). For a small subset, such as one
   * genre, a scan is cheaper and more accurate than a filtered graph search.
   */
  exactSearchAmong(query: ArrayLike<number>, titleIds: readonly number[], k: number, filter?: TitleFilter): TitleMatch[] {
    this.checkQuery(query);
    return this.scan(query, k, titleIds.length, (i) => this.labels.get(titleIds[i]!), filter);
  }

  private scan(query: ArrayLike<number>, k: number, count: number, labelAt: (i: number) => number | undefined, filter?: TitleFilter): TitleMatch[] {
    const wanted = Math.min(Math.max(0, Math.floor(k)), count);
    if (wanted === 0) return [];
    // Insertion into a sorted array of k: k is small next to the number of titles scanned.
    const best: TitleMatch[] = [];
    let floor = -Infinity;
    for (let i = 0; i < count; i++) {
      const label = labelAt(i);
      if (label === undefined) continue;
      const titleId = this.ids[label]!;
      if (filter && !filter(titleId)) continue;
      const score = this.dot(query, label);
      if (best.length < wanted) {
        best.push({ titleId, score });
        if (best.length === wanted) {
          best.sort(byScore);
          floor = best[wanted - 1]!.score;
        }
      } else if (score > floor) {
        let at = wanted - 1;
        while (at > 0 && best[at - 1]!.score < score) {
          best[at] = best[at - 1]!;
          at--;
        }
        best[at] = { titleId, score };
        floor = best[wanted - 1]!.score;
      }
    }
    return best.sort(byScore);
  }

  /**
   * The index as bytes: a small header, the id map and hnswlib's own file format (written through a
   * temporary file because hnswlib only writes to paths).
   */
  toBytes(versionId: number | undefined = this.versionId): Uint8Array {
    const header: Header = {
      format: FORMAT_VERSION,
      space: this.space,
      versionId: versionId ?? null,
      dimension: this.dimension,
      maxNorm: this.maxNorm,
      m: this.m,
      efConstruction: this.efConstruction,
      ef: this.ef,
      randomSeed: this.randomSeed,
      count: this.ids.length,
    };
    const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    const idBytes = Buffer.from(Int32Array.from(this.ids).buffer);
    const hnsw = this.hnsw;
    if (!hnsw) throw new RangeError('An exact title index has no graph to save; build one with TitleIndex.build.');
    const graph = withTempFile((path) => {
      hnsw.writeIndexSync(path);
      return readFileSync(path);
    });
    const prefix = Buffer.alloc(MAGIC.length + 4);
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
    // The Buffer itself (a Uint8Array): wrapping it in a new Uint8Array would copy the whole graph once more.
    return Buffer.concat([prefix, headerBytes, idBytes, graph]);
  }

  /**
   * Reads bytes written by {@link toBytes}, checking them against what the caller expects: dimension,
   * id map (same titles in the same order as the model's rows) and version. Throws
   * {@link IndexMismatchError} naming the first difference.
   */
  static fromBytes(bytes: Uint8Array, expected: IndexExpectation, options: Pick<TitleIndexOptions, 'ef'> = {}): TitleIndex {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buffer.length < MAGIC.length + 4 || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) {
      throw new IndexMismatchError('These bytes are not a tastebud title index (bad magic); the artifact is corrupt or of another kind.');
    }
    const headerLength = buffer.readUInt32LE(MAGIC.length);
    const headerStart = MAGIC.length + 4;
    let header: Header;
    try {
      header = JSON.parse(buffer.toString('utf8', headerStart, headerStart + headerLength)) as Header;
    } catch {
      throw new IndexMismatchError('The title index header is unreadable; the artifact is corrupt.');
    }
    if (header.format !== FORMAT_VERSION) {
      throw new IndexMismatchError(`Title index format ${header.format} is not supported (this build reads format ${FORMAT_VERSION}); rebuild the index.`);
    }
    if (header.dimension !== expected.dimension) {
      throw new IndexMismatchError(`Title index has dimension ${header.dimension} but the model has dimension ${expected.dimension}; rebuild the index for this model.`);
    }
    if (expected.versionId !== undefined && header.versionId !== expected.versionId) {
      throw new IndexMismatchError(`Title index belongs to model version ${header.versionId ?? 'none'}, not ${expected.versionId}.`);
    }
    const idStart = headerStart + headerLength;
    const idEnd = idStart + header.count * 4;
    if (idEnd > buffer.length) throw new IndexMismatchError('The title index is truncated (id map incomplete).');
    const ids = Array.from(new Int32Array(buffer.buffer.slice(buffer.byteOffset + idStart, buffer.byteOffset + idEnd)));
    if (expected.titleIds) checkIdMap(ids, expected.titleIds);

    const space = header.space ?? 'mips';
    const graphDimension = space === 'mips' ? header.dimension + 1 : header.dimension;
    const hnsw = new HierarchicalNSW(space === 'mips' ? 'l2' : 'ip', graphDimension);
    withTempFile((path) => {
      writeFileSync(path, buffer.subarray(idEnd));
      hnsw.readIndexSync(path);
    });
    if (hnsw.getNumDimensions() !== graphDimension || hnsw.getCurrentCount() !== header.count) {
      throw new IndexMismatchError(
        `Title index graph holds ${hnsw.getCurrentCount()} points of dimension ${hnsw.getNumDimensions()}, but its header says ${header.count} of dimension ${graphDimension}.`,
      );
    }
    const index = new TitleIndex(
      header.dimension,
      { space, m: header.m, efConstruction: header.efConstruction, ef: options.ef ?? header.ef, randomSeed: header.randomSeed },
      header.maxNorm,
      hnsw.getMaxElements(),
      hnsw,
    );
    index.versionId = header.versionId ?? undefined;
    for (let label = 0; label < ids.length; label++) {
      const titleId = ids[label]!;
      if (index.labels.has(titleId)) throw new IndexMismatchError(`Title index lists title ${titleId} twice; the artifact is corrupt.`);
      index.labels.set(titleId, label);
      index.ids.push(titleId);
      // The l2 and ip spaces store points as given, so the first `dimension` coordinates are the raw vector.
      index.vectors.set(hnsw.getPoint(label).slice(0, header.dimension), label * header.dimension);
      index.norms[label] = norm(index.vectors, label * header.dimension, header.dimension);
    }
    return index;
  }

  private insert(titleId: number, vector: ArrayLike<number>): void {
    if (this.sharedRows) {
      const own = new Float32Array(this.capacity * this.dimension);
      own.set(this.vectors);
      this.vectors = own;
      this.sharedRows = false;
    }
    let label = this.labels.get(titleId);
    if (label === undefined) {
      label = this.ids.length;
      if (label >= this.capacity) this.grow(this.capacity * 2);
      this.ids.push(titleId);
      this.labels.set(titleId, label);
    }
    this.vectors.set(vector, label * this.dimension);
    this.norms[label] = norm(this.vectors, label * this.dimension, this.dimension);
    this.hnsw?.addPoint(this.transformed(label), label);
  }

  /** Coordinates the graph stores: the raw vector, plus the MIPS coordinate in the mips space. */
  private get graphDimension(): number {
    return this.space === 'mips' ? this.dimension + 1 : this.dimension;
  }

  private createGraph(): Hnsw {
    const hnsw = new HierarchicalNSW(this.space === 'mips' ? 'l2' : 'ip', this.graphDimension);
    hnsw.initIndex(this.capacity, this.m, this.efConstruction, this.randomSeed);
    return hnsw;
  }

  private transformed(label: number): number[] {
    const d = this.dimension;
    const point = new Array<number>(this.graphDimension);
    let squared = 0;
    for (let i = 0; i < d; i++) {
      const value = this.vectors[label * d + i]!;
      point[i] = value;
      squared += value * value;
    }
    if (this.space === 'mips') point[d] = Math.sqrt(Math.max(0, this.maxNorm * this.maxNorm - squared));
    return point;
  }

  private grow(capacity: number): void {
    this.hnsw?.resizeIndex(capacity);
    const vectors = new Float32Array(capacity * this.dimension);
    vectors.set(this.vectors);
    this.vectors = vectors;
    const norms = new Float32Array(capacity);
    norms.set(this.norms);
    this.norms = norms;
    this.capacity = capacity;
  }

  private rebuild(maxNorm: number): void {
    this.maxNorm = maxNorm;
    if (!this.hnsw) return;
    const hnsw = (this.hnsw = this.createGraph());
    for (let label = 0; label < this.ids.length; label++) hnsw.addPoint(this.transformed(label), label);
  }

  private dot(query: ArrayLike<number>, label: number): number {
    const d = this.dimension;
    const offset = label * d;
    let sum = 0;
    for (let i = 0; i < d; i++) sum += query[i]! * this.vectors[offset + i]!;
    return sum;
  }

  private checkQuery(query: ArrayLike<number>): void {
    if (query.length !== this.dimension) {
      throw new RangeError(`Query vector has dimension ${query.length}; this index holds dimension ${this.dimension}.`);
    }
  }
}

function byScore(a: TitleMatch, b: TitleMatch): number {
  return b.score - a.score || a.titleId - b.titleId;
}

function norm(values: ArrayLike<number>, offset: number, length: number): number {
  let squared = 0;
  for (let i = 0; i < length; i++) squared += values[offset + i]! * values[offset + i]!;
  return Math.sqrt(squared);
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`HNSW ${name} must be a positive integer, got ${value}.`);
  return value;
}

function checkRows(titleIds: readonly number[], vectors: Float32Array, dimension: number): void {
  if (vectors.length !== titleIds.length * dimension) {
    throw new RangeError(`Expected ${titleIds.length} x ${dimension} = ${titleIds.length * dimension} values, got ${vectors.length}.`);
  }
  if (new Set(titleIds).size !== titleIds.length) throw new RangeError('Title ids must be unique to build an index.');
}

function checkIdMap(actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length) {
    throw new IndexMismatchError(`Title index holds ${actual.length} titles but the model has ${expected.length}; rebuild the index for this model.`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new IndexMismatchError(`Title index id map differs from the model at row ${i} (index has title ${actual[i]}, model has ${expected[i]}); rebuild the index for this model.`);
    }
  }
}

function withTempFile<T>(use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-hnsw-'));
  try {
    return use(join(dir, 'index.bin'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
