import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import { deserializeModel, ModelFormatError, trainModel, TrainingInputError, type EmbeddingModel } from '../../../src/model/index.ts';
import { windowRows } from '../../../src/model/sessions.ts';
import type { Rating, RatingsDataset } from '../../../src/model/types.ts';
import { seededRandom } from '../../../src/lib/random.ts';
import { trainSpectralModels } from '../../../src/model/spectral.ts';

// 60 users x 80 titles in 4 planted clusters of 20 titles; users rate 10 titles of their own cluster and
// 1 random other title. Title 79 (cluster 3) has no ratings at all, only text.
const CLUSTERS = 4;
const PER_CLUSTER = 20;
const clusterOf = (title: number) => Math.floor(title / PER_CLUSTER);
const COLD_TITLE = 79;

function plantedDataset(): { dataset: RatingsDataset & { ratings: Rating[] }; heldOut: Map<number, number[]> } {
  const random = seededRandom(11);
  const ratings: Rating[] = [];
  const heldOut = new Map<number, number[]>();
  for (let user = 0; user < 60; user++) {
    const cluster = user % CLUSTERS;
    const own = Array.from({ length: PER_CLUSTER }, (_, i) => cluster * PER_CLUSTER + i).filter((t) => t !== COLD_TITLE);
    own.sort(() => random() - 0.5);
    own.slice(0, 10).forEach((titleId, i) => ratings.push({ userId: user, titleId, value: 4, ratedAt: 1_000_000 + i }));
    heldOut.set(user, own.slice(10, 13));
    const other = (cluster + 1 + Math.floor(random() * 3)) % CLUSTERS;
    ratings.push({ userId: user, titleId: other * PER_CLUSTER + Math.floor(random() * 19), value: 3, ratedAt: 999 });
  }
  const titleIds = Array.from({ length: 80 }, (_, t) => t);
  const titleText = new Map(
    titleIds.map((t) => {
      const v = new Float32Array(CLUSTERS + 2);
      v[clusterOf(t)] = 1;
      v[CLUSTERS + (t % 2)] = 0.3;
      return [t, v] as const;
    }),
  );
  return { dataset: { ratings, titleIds, titleText }, heldOut };
}

const quickByArchitecture = {
  // The content term is off here (its own tests are in content-term.test.ts): these check the collaborative part.
  spectral: { architecture: 'spectral' as const, dimension: 16, epochs: 40, l2: 0.1, contentWeight: 0, backend: 'cpu' as const, seed: 5 },
  linear: { architecture: 'linear' as const, dimension: 16, epochs: 60, batchSize: 12, learningRate: 0.003, l2: 1, initScale: 0.1, validationFraction: 0, backend: 'cpu' as const, seed: 5 },
  'mult-dae': { architecture: 'mult-dae' as const, dimension: 16, epochs: 60, batchSize: 12, learningRate: 0.01, validationFraction: 0, backend: 'cpu' as const, seed: 5 },
};

function scores(model: EmbeddingModel, history: readonly Rating[]): Float32Array {
  const u = model.userVector(history);
  const d = model.dimension;
  return Float32Array.from(model.titleIds, (_, row) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += u[i]! * model.titleVectors[row * d + i]!;
    return s;
  });
}

describe.each(['spectral', 'linear', 'mult-dae'] as const)('%s training on planted clusters', (architecture) => {
  const quick = quickByArchitecture[architecture];
  const { dataset, heldOut } = plantedDataset();
  let model: EmbeddingModel;
  const losses: number[] = [];

  beforeAll(async () => {
    model = await trainModel(dataset, quick, { onEpoch: (_epoch, loss) => void losses.push(loss) });
  });

  it('reports one falling loss per epoch and serves d + 1 dimensional vectors', () => {
    // The closed-form model stops once its eigenvalues settle; the others run every epoch (no validation carve).
    if (architecture === 'spectral') expect(losses.length).toBeLessThanOrEqual(quick.epochs);
    else expect(losses).toHaveLength(quick.epochs);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(model.dimension).toBe(17);
    expect(model.architecture).toBe({ spectral: 'linear-ae-closed-form-v1', linear: 'linear-ae-v1', 'mult-dae': 'mult-dae-text-v1' }[architecture]);
    expect(model.titleVectors).toHaveLength(80 * 17);
  });

  it("ranks the held-out titles of the user's cluster above titles of other clusters", () => {
    let hits = 0;
    let total = 0;
    for (const [user, held] of heldOut) {
      const history = dataset.ratings.filter((r) => r.userId === user);
      const s = scores(model, history);
      const seen = new Set(history.map((r) => r.titleId));
      const ranked = [...model.titleIds].filter((t) => !seen.has(t) && t !== COLD_TITLE).sort((a, b) => s[b]! - s[a]!);
      const top = new Set(ranked.slice(0, 9));
      hits += held.filter((t) => top.has(t)).length;
      total += held.length;
    }
    // The user's cluster has 9 unseen rated titles; a model that learned nothing puts ~9/69 of them there.
    expect(hits / total).toBeGreaterThan(0.75);
  });

  it('places a title nobody rated by its text: higher for users of its cluster', () => {
    const row = model.titleIds.indexOf(COLD_TITLE);
    const mean = (cluster: number) => {
      const users = [...heldOut.keys()].filter((u) => u % CLUSTERS === cluster);
      return (
        users.reduce(
          (sum, u) =>
            sum +
            scores(
              model,
              dataset.ratings.filter((r) => r.userId === u),
            )[row]!,
          0,
        ) / users.length
      );
    };
    const own = mean(clusterOf(COLD_TITLE));
    for (let c = 0; c < CLUSTERS - 1; c++) expect(own).toBeGreaterThan(mean(c));
  });

  it('changes the user vector, without retraining, when a rating is added', () => {
    const history = dataset.ratings.filter((r) => r.userId === 0);
    const before = model.userVector(history);
    const after = model.userVector([...history, { titleId: 45, value: 5, ratedAt: 2_000_000 }]);
    expect(after).not.toEqual(before);
    const sBefore = scores(model, history);
    const sAfter = scores(model, [...history, { userId: 0, titleId: 45, value: 5, ratedAt: 2_000_000 }]);
    // Liking a cluster-2 title raises the other cluster-2 titles more, on average, than the user's own cluster.
    const meanRise = (titles: number[]) => titles.reduce((sum, t) => sum + sAfter[t]! - sBefore[t]!, 0) / titles.length;
    const cluster = (c: number) => Array.from({ length: PER_CLUSTER }, (_, i) => c * PER_CLUSTER + i).filter((t) => t !== 45 && t !== COLD_TITLE);
    expect(meanRise(cluster(2))).toBeGreaterThan(meanRise(cluster(0)) + 0.01);
  });

  it('is deterministic for a seed', async () => {
    const again = await trainModel(dataset, { ...quick, epochs: 3 });
    const twice = await trainModel(dataset, { ...quick, epochs: 3 });
    expect(twice.titleVectors).toEqual(again.titleVectors);
  });

  it('round-trips through serialize/deserialize to an equal model', () => {
    const copy = deserializeModel(model.serialize());
    expect(copy.titleIds).toEqual(model.titleIds);
    expect(copy.titleVectors).toEqual(model.titleVectors);
    expect(copy.dimension).toBe(model.dimension);
    expect(copy.architecture).toBe(model.architecture);
    const history = dataset.ratings.filter((r) => r.userId === 3);
    expect(copy.userVector(history)).toEqual(model.userVector(history));
  });

  it('rejects missing, damaged and mismatched parts with a specific error', () => {
    const parts = model.serialize();
    const without = new Map(parts);
    without.delete('encoderRows.f32');
    expect(() => deserializeModel(without)).toThrow(/encoderRows\.f32 is missing/);

    const damaged = new Map(parts);
    const bytes = parts.get('titleVectors.f32')!.slice();
    bytes[10] = bytes[10]! ^ 0xff;
    damaged.set('titleVectors.f32', bytes);
    expect(() => deserializeModel(damaged)).toThrow(/titleVectors\.f32 is damaged/);

    const meta = JSON.parse(new TextDecoder().decode(parts.get('meta.json')!)) as Record<string, unknown>;
    const wrongDim = new Map(parts);
    wrongDim.set('meta.json', new TextEncoder().encode(JSON.stringify({ ...meta, hidden: 15 })));
    expect(() => deserializeModel(wrongDim)).toThrow(ModelFormatError);
    expect(() => deserializeModel(wrongDim)).toThrow(/do not belong together/);

    const wrongCount = new Map(parts);
    wrongCount.set('meta.json', new TextEncoder().encode(JSON.stringify({ ...meta, titleCount: 79 })));
    expect(() => deserializeModel(wrongCount)).toThrow(/titleIds\.i32 holds 80 ids but the metadata says 79/);
  });
});

describe('spectral (closed-form linear autoencoder)', () => {
  it.each([
    [0, 0],
    [2, 0],
    [2, 1],
  ])('equals the exact rank-d ridge solution V diag(s / (s + lambda)) V^T of the Gram matrix (session weight %d, window weight %d)', async (sessionWeight, windowWeight) => {
    const { dataset } = plantedDataset();
    const d = 8;
    const l2 = 0.05;
    const windowLength = 4;
    // Without the content term (tested in content-term.test.ts), the served product is W itself.
    const model = await trainModel(dataset, {
      architecture: 'spectral',
      dimension: d,
      epochs: 60,
      l2,
      sessionWeight,
      sessionGapMinutes: 15,
      windowWeight,
      windowLength,
      contentWeight: 0,
      backend: 'cpu',
      seed: 3,
    });
    // Exact reference from the dense Gram matrix of the binary histories (ml-matrix's symmetric eigensolver).
    // Each planted user rates their 10 cluster titles within 10 ms and the other title 16 minutes earlier:
    // two sessions, which add sessionWeight x their own co-occurrences.
    const warm = [...new Set(dataset.ratings.map((r) => r.titleId))].sort((a, b) => a - b);
    const x = new Matrix(60, warm.length);
    const sessions = new Matrix(120, warm.length);
    for (const r of dataset.ratings) {
      x.set(r.userId, warm.indexOf(r.titleId), 1);
      sessions.set(r.userId * 2 + (r.ratedAt === 999 ? 1 : 0), warm.indexOf(r.titleId), 1);
    }
    const gram = x.transpose().mmul(x).add(sessions.transpose().mmul(sessions).mul(sessionWeight));
    // Window rows (their cutting is tested in sessions.test.ts) add their own co-occurrences, already weighted.
    const rowOf = new Map(dataset.titleIds.map((id, row) => [id, row]));
    const windows = windowRows(dataset.ratings, rowOf, { weighting: 'binary', sessionGapMinutes: 15, sessionWeight, windowLength, windowWeight });
    for (const w of windows) {
      w.rows.forEach((a, i) =>
        w.rows.forEach((b, j) => {
          const [ca, cb] = [warm.indexOf(dataset.titleIds[a]!), warm.indexOf(dataset.titleIds[b]!)];
          gram.set(ca, cb, gram.get(ca, cb) + w.weights[i]! * w.weights[j]!);
        }),
      );
    }
    const evd = new EigenvalueDecomposition(gram, { assumeSymmetric: true });
    const order = evd.realEigenvalues
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, d);
    const lambda = l2 * order[0]![0];
    const exact = (i: number, j: number) => order.reduce((sum, [s, c]) => sum + (evd.eigenvectorMatrix.get(i, c) * evd.eigenvectorMatrix.get(j, c) * s) / (s + lambda), 0);
    const { encoderRows, titleVectors } = model.weights;
    const learned = (i: number, j: number) => {
      let sum = 0;
      for (let c = 0; c < d; c++) sum += encoderRows[warm[i]! * d + c]! * titleVectors[warm[j]! * (d + 1) + c]!;
      return sum;
    };
    let err = 0;
    let norm = 0;
    for (let i = 0; i < warm.length; i++) {
      for (let j = 0; j < warm.length; j++) {
        err += (learned(i, j) - exact(i, j)) ** 2;
        norm += exact(i, j) ** 2;
      }
    }
    // Subspace iteration stops when the eigenvalues settle; the weights are then exact to a fraction of a percent.
    expect(Math.sqrt(err / norm)).toBeLessThan(2e-3);
    expect(model.weights.training.sessions).toBe(sessionWeight > 0 ? 120 : 0);
    expect(model.weights.training.windows).toBe(windows.length);
    if (windowWeight > 0) expect(windows.length).toBeGreaterThan(60);
  });

  it('trains several (l2, d) variants from one decomposition, each as trainModel would (the tuning search)', async () => {
    const { dataset } = plantedDataset();
    const options = { dimension: 8, epochs: 60, sessionWeight: 2, sessionGapMinutes: 15, contentWeight: 0, backend: 'cpu' as const, seed: 3 };
    const [wide, narrow] = await trainSpectralModels(dataset, options, [
      { l2: 0.2, dimension: 8 },
      { l2: 0.05, dimension: 4 },
    ]);
    // The widest variant is exactly trainModel's model at the same settings.
    const direct = await trainModel(dataset, { ...options, architecture: 'spectral', l2: 0.2 });
    expect(wide!.weights.titleVectors).toEqual(direct.weights.titleVectors);
    expect(wide!.weights.training.options).toMatchObject({ l2: 0.2, dimension: 8 });
    // The narrow one keeps the top 4 directions, shrunk by its own l2: the same scores as a rank-4 training.
    const rank4 = await trainModel(dataset, { ...options, architecture: 'spectral', dimension: 4, l2: 0.05 });
    expect(narrow!.dimension).toBe(5); // d + the folded-in bias
    const score = (m: EmbeddingModel, i: number, j: number) => {
      let sum = 0;
      for (let c = 0; c < 4; c++) sum += m.weights.encoderRows[i * 4 + c]! * m.weights.titleVectors[j * 5 + c]!;
      return sum;
    };
    let err = 0;
    let norm = 0;
    for (let i = 0; i < dataset.titleIds.length; i++) {
      for (let j = 0; j < dataset.titleIds.length; j++) {
        err += (score(narrow!, i, j) - score(rank4, i, j)) ** 2;
        norm += score(rank4, i, j) ** 2;
      }
    }
    expect(Math.sqrt(err / norm)).toBeLessThan(5e-3);
  });

  it('relates titles rated in one sitting more closely than titles that only share a member', async () => {
    const hour = 3_600_000;
    const ratings: Rating[] = [];
    // Every member rates 1 and 2 together, and 3 and 4 together a day later; title 5 by some, alone.
    for (let user = 1; user <= 6; user++) {
      const day = user * 24 * hour;
      ratings.push({ userId: user, titleId: 1, value: 4, ratedAt: day }, { userId: user, titleId: 2, value: 4, ratedAt: day + 60_000 });
      ratings.push({ userId: user, titleId: 3, value: 4, ratedAt: day + 20 * hour }, { userId: user, titleId: 4, value: 4, ratedAt: day + 20 * hour + 60_000 });
      if (user % 2 === 0) ratings.push({ userId: user, titleId: 5, value: 4, ratedAt: day + 10 * hour });
    }
    const dataset = { ratings, titleIds: [1, 2, 3, 4, 5] };
    const newcomer = [{ userId: 99, titleId: 1, value: 5, ratedAt: 0 }];
    const withSessions = scores(await trainModel(dataset, { architecture: 'spectral', dimension: 4, backend: 'cpu' }), newcomer);
    const without = scores(await trainModel(dataset, { architecture: 'spectral', dimension: 4, sessionWeight: 0, backend: 'cpu' }), newcomer);
    // Without sessions 2 and 3 co-occur with 1 equally often and tie; with them, 2 (same sitting) leads.
    expect(Math.abs(without[1]! - without[2]!)).toBeLessThan(1e-4);
    expect(withSessions[1]!).toBeGreaterThan(withSessions[2]! + 0.05);
  });

  it('scales its ridge with the data: a server with a handful of ratings still ranks by co-occurrence', async () => {
    const ratings: Rating[] = [
      { userId: 1, titleId: 1, value: 5, ratedAt: 0 },
      { userId: 1, titleId: 2, value: 5, ratedAt: 0 },
      { userId: 2, titleId: 3, value: 5, ratedAt: 0 },
      { userId: 2, titleId: 4, value: 5, ratedAt: 0 },
      { userId: 3, titleId: 1, value: 5, ratedAt: 0 },
      { userId: 3, titleId: 2, value: 5, ratedAt: 0 },
    ];
    const model = await trainModel({ ratings, titleIds: [1, 2, 3, 4, 5] }, { architecture: 'spectral', dimension: 4, backend: 'cpu' });
    const s = scores(model, [{ userId: 9, titleId: 1, value: 5, ratedAt: 0 }]);
    expect(s[1]!).toBeGreaterThan(s[2]! + 0.1);
    expect(s[1]!).toBeGreaterThan(s[3]! + 0.1);
  });
});

describe('stored encoding', () => {
  it('loads a model stored without an encoding (before the linear model) as the tanh Mult-DAE, and rejects an unknown one', async () => {
    const { dataset } = plantedDataset();
    const model = await trainModel(dataset, { ...quickByArchitecture.linear, epochs: 2 });
    const parts = model.serialize();
    const meta = JSON.parse(new TextDecoder().decode(parts.get('meta.json')!)) as Record<string, unknown>;
    expect(meta.encoding).toBe('linear');
    const { encoding: _dropped, ...old } = meta;
    // Models stored before the linear model carried the Mult-DAE's architecture name and no encoding.
    const legacy = deserializeModel(new Map([...parts, ['meta.json', new TextEncoder().encode(JSON.stringify({ ...old, architecture: 'mult-dae-text-v1' }))]]));
    expect(legacy.architecture).toBe('mult-dae-text-v1');
    const history = dataset.ratings.filter((r) => r.userId === 2);
    // Same weights, different encoding: the tanh user vector differs from the linear one.
    expect(legacy.userVector(history)).not.toEqual(model.userVector(history));
    const unknown = new Map([...parts, ['meta.json', new TextEncoder().encode(JSON.stringify({ ...meta, encoding: 'relu' }))]]);
    expect(() => deserializeModel(unknown)).toThrow(/unknown encoding relu/);
  });
});

describe('training input checks', () => {
  it('names the problem for unusable datasets', async () => {
    await expect(trainModel({ ratings: [], titleIds: [1] }, { backend: 'cpu' })).rejects.toThrow(/no ratings/);
    await expect(trainModel({ ratings: [{ userId: 1, titleId: 9, value: 4, ratedAt: 0 }], titleIds: [1] }, { backend: 'cpu' })).rejects.toThrow(TrainingInputError);
    await expect(trainModel({ ratings: [{ userId: 1, titleId: 1, value: 7, ratedAt: 0 }], titleIds: [1] }, { backend: 'cpu' })).rejects.toThrow(/0\.5 to 5/);
    const one = { ratings: [{ userId: 1, titleId: 1, value: 4, ratedAt: 0 }], titleIds: [1] };
    await expect(trainModel(one, { backend: 'cpu', sessionWeight: -1 })).rejects.toThrow(/sessionWeight must be 0 \(sessions off\) or a positive number \(got -1\)/);
    await expect(trainModel(one, { backend: 'cpu', sessionGapMinutes: 0 })).rejects.toThrow(/sessionGapMinutes must be a positive number of minutes/);
  });

  it('stops when the abort signal fires', async () => {
    const { dataset } = plantedDataset();
    const controller = new AbortController();
    const run = trainModel(
      dataset,
      { ...quickByArchitecture.linear, epochs: 1000 },
      {
        signal: controller.signal,
        onEpoch: (epoch) => {
          if (epoch === 2) controller.abort(new Error('stop requested'));
        },
      },
    );
    await expect(run).rejects.toThrow('stop requested');
  });
});
