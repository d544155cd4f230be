import { Command, InvalidArgumentError } from 'commander';

/**
 * `tastebud eval groups`: the movie-night evaluation (src/groups/evaluate.ts). A subcommand of `eval`, which
 * eval.ts registers: command files load in name order, so this file's name sorts after eval.ts.
 */

function bounded(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('must be a number from 0 up to (not including) 1.');
  return n;
}

function sizes(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 2 || n > 20)) throw new InvalidArgumentError('must be group sizes from 2 to 20, separated by commas (e.g. 2,3,4,5,6).');
  return [...new Set(list)].sort((a, b) => a - b);
}

interface GroupEvalOptions {
  dir: string;
  seed: number;
  groups: number;
  sizes: number[];
  dislikedAt: number;
  similarNeighbours: number;
  misery?: number;
  tune?: boolean;
}

/** Options `eval` itself defines; commander gives them to `eval` wherever they appear, so they are read from it. */
interface SharedOptions {
  k: number;
  json?: string;
  epochs?: number;
  dimension?: number;
  backend: 'auto' | 'node' | 'wasm' | 'cpu';
}

/** The night's default candidate count; `eval`'s own --k default (10) is for personal lists. */
const DEFAULT_K = 5;

/** The misery percentiles tried by --tune. */
const MISERY_GRID = [0.9, 0.95, 0.97, 0.98, 0.99];

export function register(program: Command): void {
  const evalCommand = program.commands.find((c) => c.name() === 'eval');
  if (!evalCommand) throw new Error('group-eval.ts registers `eval groups` under `eval`; eval.ts must be registered first.');
  evalCommand
    .command('groups')
    .description('Movie night: score group recommendation strategies on synthetic groups of MovieLens users against popular-unseen and one-random-member baselines')
    .requiredOption('--dir <dir>', 'MovieLens directory with ratings.csv and movies.csv, e.g. ../shared/data/movielens/ml-latest-small')
    .option('--seed <n>', 'seed of the per-user 75/25 split, the groups and training', bounded(0, 2 ** 31 - 1), 42)
    .option('--groups <n>', 'groups drawn per group size and kind (random, similar-taste)', bounded(1, 10_000), 50)
    .option('--sizes <list>', 'group sizes', sizes, [2, 3, 4, 5, 6])
    .option('--disliked-at <stars>', 'a held-out rating at or below this counts as disliked', Number, 2.5)
    .option('--similar-neighbours <n>', "similar-taste groups draw members from the first member's nearest users", bounded(1, 1000), 20)
    .option('--misery <percentile>', 'misery percentile of the strategies (default: the production setting)', fraction)
    .option('--tune', 'carve a validation split from the training ratings and score every misery percentile on it (choose the setting here, never on the reported test split)')
    .addHelpText('after', `\nAlso takes eval's --k (3 to 8 here, default ${DEFAULT_K}), --json, --backend, --epochs and --dimension.`)
    .action(async (options: GroupEvalOptions, command: Command) => {
      const parent = command.parent!;
      const shared = parent.opts<SharedOptions>();
      const k = parent.getOptionValueSource('k') === 'default' ? DEFAULT_K : shared.k;
      await runGroupEval(options, { ...shared, k });
    });
}

async function runGroupEval(options: GroupEvalOptions, shared: SharedOptions): Promise<void> {
  const { join } = await import('node:path');
  const { existsSync } = await import('node:fs');
  const { writeFile } = await import('node:fs/promises');
  const { UserError } = await import('../../lib/user-error.ts');
  if (!Number.isInteger(shared.k) || shared.k < 3 || shared.k > 8) throw new UserError(`--k must be a whole number from 3 to 8 for a movie night (got ${shared.k}).`);
  const ratingsPath = join(options.dir, 'ratings.csv');
  const moviesPath = join(options.dir, 'movies.csv');
  if (!existsSync(ratingsPath) || !existsSync(moviesPath)) throw new UserError(`${options.dir} needs ratings.csv and movies.csv; point --dir at an unpacked MovieLens directory.`);
  if (!Number.isFinite(options.dislikedAt) || options.dislikedAt < 0.5 || options.dislikedAt > 5) throw new UserError('--disliked-at must be a rating from 0.5 to 5.');
  const { readMoviesCsv, readRatingsCsv } = await import('../../eval/movielens.ts');
  const { stratifiedSplit } = await import('../../eval/split.ts');
  const { trainModel } = await import('../../model/train.ts');
  const groups = await import('../../groups/evaluate.ts');
  const [ratings, movies] = await Promise.all([readRatingsCsv(ratingsPath), readMoviesCsv(moviesPath)]);
  let split = stratifiedSplit(ratings, { seed: options.seed });
  // Tuning never sees the test split: it splits the training ratings again and scores on that carve.
  if (options.tune) split = stratifiedSplit(split.train, { seed: options.seed });
  const input = {
    train: split.train,
    test: split.test,
    titles: movies.map((m) => ({ titleId: m.movieId, name: m.title, genres: m.genres })),
    k: shared.k,
    sizes: options.sizes,
    groupsPerCell: options.groups,
    seed: options.seed,
    dislikedAt: options.dislikedAt,
    similarNeighbours: options.similarNeighbours,
    trainOptions: {
      seed: options.seed,
      backend: shared.backend,
      ...(shared.epochs ? { epochs: shared.epochs } : {}),
      ...(shared.dimension ? { dimension: shared.dimension } : {}),
    },
    trainer: trainModel,
    ...(options.misery !== undefined ? { settings: { miseryPercentile: options.misery } } : {}),
  };
  if (!options.tune) {
    const report = await groups.evaluateGroups(input);
    process.stdout.write(groups.formatGroupReport(report));
    if (shared.json) await writeFile(shared.json, JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const model = await groups.trainForGroups(input);
  const reports = MISERY_GRID.map((miseryPercentile) => groups.scoreGroups(model, { ...input, settings: { miseryPercentile } }));
  process.stdout.write(groups.formatTuning(reports));
  if (shared.json) await writeFile(shared.json, JSON.stringify(reports, null, 2) + '\n');
}
