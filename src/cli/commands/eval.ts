import { Command, InvalidArgumentError, Option } from 'commander';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number.');
  return n;
}

interface CommonOptions {
  k: number;
  json?: string;
  epochs?: number;
  dimension?: number;
  neighbours: number;
  text: 'auto' | 'encoder' | 'genres' | 'none';
  backend: 'auto' | 'node' | 'wasm' | 'cpu';
}

interface FileOptions extends CommonOptions {
  train: string;
  test: string;
  movies?: string;
  tags?: string;
  recsOut?: string;
}

interface MovieLensOptions extends CommonOptions {
  dir?: string;
  split: 'stratified' | 'temporal';
  seed: number;
  recsOut?: string;
}

const common = (command: Command): Command =>
  command
    .option('--k <n>', 'list length k of every metric', positiveInt, 10)
    .option('--json <file>', 'also write the report as JSON to this file')
    .option('--epochs <n>', 'maximum training epochs of the neural model (default: the production setting)', positiveInt)
    .option('--dimension <n>', 'hidden size of the neural model (default: the production setting)', positiveInt)
    .option('--neighbours <n>', 'item-kNN neighbourhood size', positiveInt, 100)
    .addOption(
      new Option('--text <source>', 'title features for the neural model: encoder (text encoder), genres (multi-hot), none; auto = encoder if available, else genres')
        .choices(['auto', 'encoder', 'genres', 'none'])
        .default('auto'),
    )
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(['auto', 'node', 'wasm', 'cpu']).default('auto'));

/** `tastebud eval`: offline evaluation on plain MovieLens-style CSV files, no database. */
export function register(program: Command): void {
  const evalCommand = common(
    program
      .command('eval')
      .description('Train the production model and two baselines on a ratings file and score them on another (no database); with --movies also the list /recommend serves')
      .option('--train <ratings.csv>', 'training ratings (userId,movieId,rating,timestamp)')
      .option('--test <ratings.csv>', 'held-out ratings, same columns; every test title counts as relevant')
      .option('--movies <movies.csv>', 'movieId,title,genres: title text/genres for the model, and the catalogue')
      .option('--tags <tags.csv>', 'userId,movieId,tag,timestamp: tags added to the title text')
      .option('--recs-out <csv>', "write the neural model's lists as userId,movieId,rank"),
  ).action(async (options: FileOptions) => {
    const { UserError } = await import('../../lib/user-error.ts');
    if (!options.train || !options.test) throw new UserError('eval needs --train <ratings.csv> and --test <ratings.csv> (or use `tastebud eval movielens --dir <dir>`).');
    const { existsSync } = await import('node:fs');
    for (const [flag, path] of Object.entries({ train: options.train, test: options.test, movies: options.movies, tags: options.tags })) {
      if (path !== undefined && !existsSync(path)) throw new UserError(`--${flag} ${path}: no such file.`);
    }
    const { readRatingsCsv } = await import('../../eval/movielens.ts');
    const [train, test] = await Promise.all([readRatingsCsv(options.train), readRatingsCsv(options.test)]);
    await runEvaluation(train, test, options, { moviesPath: options.movies, tagsPath: options.tags });
  });

  common(
    evalCommand
      .command('movielens')
      .description('Split a MovieLens directory (ratings.csv, movies.csv, tags.csv) per user and run the protocol in one step')
      .option('--dir <dir>', 'MovieLens directory (default MOVIELENS_DIR, then data/movielens/ml-latest-small)')
      .addOption(new Option('--split <kind>', 'per-user split: stratified (random 75/25) or temporal (latest 25%)').choices(['stratified', 'temporal']).default('stratified'))
      .option('--seed <n>', 'split (and training) seed', integer, 42)
      .option('--recs-out <csv>', "write the neural model's lists as userId,movieId,rank"),
  ).action(async (options: MovieLensOptions) => {
    const { join } = await import('node:path');
    const { existsSync } = await import('node:fs');
    const { UserError } = await import('../../lib/user-error.ts');
    if (options.dir === undefined) {
      const { loadConfig } = await import('../../config.ts');
      const { locateMovieLens, cliMovieLensSearch } = await import('../../import/locate.ts');
      options.dir = await locateMovieLens(cliMovieLensSearch(loadConfig().movielensDir));
    }
    const ratingsPath = join(options.dir, 'ratings.csv');
    if (!existsSync(ratingsPath)) throw new UserError(`${options.dir} has no ratings.csv; point --dir at an unpacked MovieLens directory.`);
    const { readRatingsCsv } = await import('../../eval/movielens.ts');
    const { stratifiedSplit, temporalSplit } = await import('../../eval/split.ts');
    const ratings = await readRatingsCsv(ratingsPath);
    const split = (options.split === 'temporal' ? temporalSplit : stratifiedSplit)(ratings, { seed: options.seed });
    const movies = join(options.dir, 'movies.csv');
    const tags = join(options.dir, 'tags.csv');
    await runEvaluation(split.train, split.test, options, {
      moviesPath: existsSync(movies) ? movies : undefined,
      tagsPath: existsSync(tags) ? tags : undefined,
      seed: options.seed,
      split: options.split,
    });
  });

  registerReplay(evalCommand);
}

interface ReplayOptions {
  version: number;
  since?: string;
  until?: string;
}

/** `tastebud eval replay`: a stored model version scored on the impressions members were shown (src/online/replay.ts). */
function registerReplay(evalCommand: Command): void {
  evalCommand
    .command('replay')
    .description('Score a stored model version on the logged impressions (replay estimator of Li et al., WSDM 2011: match rate, replay acceptance, ranked hits) and say what the figures cannot tell')
    .requiredOption('--version <id>', 'the model version to score (see `tastebud model list`)', positiveInt)
    .option('--since <date>', 'impressions shown from (ISO 2026-11-01, or words: "7 days ago"); default 30 days before --until')
    .option('--until <date>', 'to, exclusive (same forms); default now')
    .addHelpText('after', "\nAlso takes eval's --json <file>: the figures as JSON in that file.")
    .action(async (options: ReplayOptions, command: Command) => {
      // eval's own --json <file> (commander gives eval's options to eval wherever they appear).
      const jsonFile = command.parent!.opts<{ json?: string }>().json;
      const { parseReportDate, reportRange } = await import('../../online/dates.ts');
      const { InputError } = await import('../../lib/input-error.ts');
      const { UserError } = await import('../../lib/user-error.ts');
      const { ModelStoreError } = await import('../../model-store/store.ts');
      const now = new Date();
      let range;
      try {
        range = reportRange(
          options.since === undefined ? undefined : parseReportDate(options.since, '--since', now),
          options.until === undefined ? undefined : parseReportDate(options.until, '--until', now),
          now,
        );
      } catch (error) {
        if (error instanceof InputError) throw new UserError(error.message);
        throw error;
      }
      const { withDatabase } = await import('./report.ts');
      const { replayStoredVersion } = await import('../../online/replay-source.ts');
      const { deserializeModel } = await import('../../model/embedding-model.ts');
      const { formatReplay } = await import('../../online/format.ts');
      const report = await withDatabase(async (prisma) => {
        try {
          return await replayStoredVersion(prisma, options.version, range, deserializeModel);
        } catch (error) {
          if (error instanceof ModelStoreError) throw new UserError(`--version ${options.version}: ${error.message}`);
          throw error;
        }
      });
      process.stdout.write(formatReplay(report));
      if (jsonFile) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
      }
    });
}

async function runEvaluation(
  train: import('../../model/types.ts').Rating[],
  test: import('../../model/types.ts').Rating[],
  options: CommonOptions & { recsOut?: string },
  extra: { moviesPath?: string | undefined; tagsPath?: string | undefined; seed?: number; split?: string },
): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { evaluate, formatReport } = await import('../../eval/protocol.ts');
  const { trainModel } = await import('../../model/train.ts');
  const { readMoviesCsv, readTagsCsv } = await import('../../eval/movielens.ts');
  const { loadConfig } = await import('../../config.ts');
  const { createLogger } = await import('../../log.ts');
  const config = loadConfig();
  const log = createLogger(config, 'eval');

  let titleIds: number[] | undefined;
  let titleText: Map<number, Float32Array> | undefined;
  let textSource = 'none';
  let movies: import('../../eval/movielens.ts').MovieRecord[] | undefined;
  if (extra.moviesPath) {
    movies = await readMoviesCsv(extra.moviesPath);
    titleIds = [...new Set([...movies.map((m) => m.movieId), ...train.map((r) => r.titleId)])].sort((a, b) => a - b);
    if (options.text !== 'none') {
      const tags = extra.tagsPath ? await readTagsCsv(extra.tagsPath) : new Map<number, string[]>();
      const embedded = options.text === 'genres' ? undefined : await embedWithEncoder(movies, tags, config, options.text === 'encoder', log);
      if (embedded) {
        titleText = embedded.vectors;
        textSource = `encoder ${embedded.model}`;
      } else {
        const { genreVectors } = await import('../../eval/title-features.ts');
        titleText = genreVectors(movies);
        textSource = 'genre multi-hot';
      }
    }
  }
  log.info({ textSource, trainRatings: train.length, testRatings: test.length }, 'evaluating');

  const report = await evaluate({
    train,
    test,
    ...(titleIds ? { titleIds } : {}),
    ...(titleText ? { titleText } : {}),
    ...(movies ? { movies } : {}),
    k: options.k,
    neighbours: options.neighbours,
    trainOptions: {
      backend: options.backend,
      ...(options.epochs ? { epochs: options.epochs } : {}),
      ...(options.dimension ? { dimension: options.dimension } : {}),
      ...(extra.seed !== undefined ? { seed: extra.seed } : {}),
    },
    hooks: {
      onEpoch: (epoch, loss, metrics) => log.info({ epoch, loss: Number(loss.toFixed(3)), validationNdcg: metrics?.validationNdcg, seconds: metrics?.seconds }, 'epoch'),
    },
    trainer: trainModel,
  });
  process.stdout.write(formatReport(report));
  process.stdout.write(`title features: ${textSource}; backend: ${String(report.training.backend)}\n`);

  if (options.recsOut) {
    const lines = ['userId,movieId,rank'];
    for (const [userId, list] of [...report.neuralLists].sort(([a], [b]) => a - b)) list.forEach((id, i) => lines.push(`${userId},${id},${i + 1}`));
    await writeFile(options.recsOut, lines.join('\n') + '\n');
  }
  if (options.json) {
    const { neuralLists: _lists, ...rest } = report;
    await writeFile(options.json, JSON.stringify({ ...rest, split: extra.split, seed: extra.seed, textSource }, null, 2) + '\n');
  }
}

async function embedWithEncoder(
  movies: import('../../eval/movielens.ts').MovieRecord[],
  tags: Map<number, string[]>,
  config: import('../../config.ts').Config,
  required: boolean,
  log: import('../../log.ts').Logger,
): Promise<{ vectors: Map<number, Float32Array>; model: string } | undefined> {
  const { createTitleEncoder, titleText } = await import('../../embeddings/index.ts');
  const { movieTextSource } = await import('../../eval/title-features.ts');
  let encoder;
  try {
    encoder = await createTitleEncoder({ model: config.embeddings.model, modelsDir: config.embeddings.modelsDir, allowRemoteModels: config.embeddings.allowRemoteModels });
  } catch (error) {
    if (required) throw error;
    log.warn({ reason: (error as Error).message }, 'no text encoder available; using genre multi-hot title features');
    return undefined;
  }
  try {
    const texts = movies.map((m) => titleText(movieTextSource(m, tags.get(m.movieId) ?? [])));
    const vectors = await encoder.encode(texts);
    return { vectors: new Map(movies.map((m, i) => [m.movieId, vectors[i]!])), model: encoder.modelName };
  } finally {
    await encoder.dispose();
  }
}
