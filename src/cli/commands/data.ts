import { Command, InvalidArgumentError } from 'commander';

const SIZES = ['small', '25m', '32m'];

function sizeArg(value: string): string {
  if (!SIZES.includes(value)) throw new InvalidArgumentError(`must be one of ${SIZES.join(', ')}.`);
  return value;
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

function scaleArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 4) throw new InvalidArgumentError('must be a number above 0 and at most 4 (0.1 gives a tenth of each count).');
  return n;
}

function seedArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) throw new InvalidArgumentError('must be a whole number from 0 to 2147483648.');
  return n;
}

/**
 * `tastebud data download movielens|goodbooks`: fetch (and unpack) a MovieLens release from GroupLens, or the
 * Goodbooks-10k files from their GitHub repository.
 * `tastebud data generate movielens|goodbooks`: write data of the dataset's shape where it cannot be downloaded.
 */
export function register(program: Command): void {
  const data = program.command('data').description('Public datasets the bot learns from');

  data
    .command('download')
    .description('Download and unpack a dataset')
    .argument('<dataset>', "the dataset: 'movielens' or 'goodbooks'")
    .option('--size <size>', `MovieLens release: ${SIZES.join(', ')} (ml-latest-small, ml-25m, ml-32m)`, sizeArg, 'small')
    .option('--dir <path>', 'directory to save and unpack into (default data/movielens, or data/goodbooks)')
    .option('--base-url <url>', 'mirror holding the files (default GroupLens for MovieLens, the goodbooks-10k GitHub repository for Goodbooks)')
    .action(async (dataset: string, opts: { size: 'small' | '25m' | '32m'; dir?: string; baseUrl?: string }) => {
      const { UserError } = await import('../../lib/user-error.ts');
      if (dataset === 'goodbooks') return downloadGoodbooksCommand({ dir: opts.dir ?? 'data/goodbooks', ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }) });
      if (dataset !== 'movielens') throw new UserError(`Unknown dataset "${dataset}"; use 'movielens' or 'goodbooks'.`);
      const { downloadMovieLens, DownloadError, MOVIELENS_LICENCE_NOTE } = await import('../../import/download.ts');
      let lastAt = 0;
      let lastPercent = -1;
      const result = await downloadMovieLens({
        size: opts.size,
        dir: opts.dir ?? 'data/movielens',
        ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }),
        onProgress: ({ received, total }) => {
          const now = Date.now();
          const percent = total ? Math.floor((100 * received) / total) : -1;
          if (process.stderr.isTTY) {
            if (now - lastAt < 100 && received !== total) return;
            process.stderr.write(`\rDownloading: ${megabytes(received)}${total ? ` of ${megabytes(total)} (${percent}%)` : ''}\x1b[K`);
          } else if (now - lastAt >= 2000 || (received === total && percent !== lastPercent)) {
            process.stderr.write(`Downloading: ${megabytes(received)}${total ? ` of ${megabytes(total)} (${percent}%)` : ''}\n`);
          } else return;
          lastAt = now;
          lastPercent = percent;
        },
      }).catch((error: Error) => {
        if (process.stderr.isTTY && lastAt > 0) process.stderr.write('\n');
        throw error instanceof DownloadError ? new UserError(error.message) : error;
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.stdout.write(
        `Downloaded ${result.url} (${megabytes(result.bytes)}) and unpacked it into ${result.dataDir}.\n` +
          `Import it with: tastebud import movielens --dir ${result.dataDir}\n\n${MOVIELENS_LICENCE_NOTE}\n`,
      );
    });

  data
    .command('generate')
    .description("Write generated data in a dataset's layout, with its counts and skews (for machines that cannot download it)")
    .argument('<dataset>', "the dataset: 'movielens' or 'goodbooks' (Goodbooks-10k's five files)")
    .option('--shape <size>', `MovieLens release to imitate: ${SIZES.join(', ')}`, sizeArg, 'small')
    .option('--scale <f>', 'multiply every count by this (0.1: a tenth)', scaleArg, 1)
    .option('--seed <n>', 'random seed; the same seed writes the same files', seedArg, 1)
    .requiredOption('--out <dir>', 'directory to write the files into (MovieLens: movies.csv, links.csv, tags.csv, ratings.csv)')
    .action(async (dataset: string, opts: { shape: 'small' | '25m' | '32m'; scale: number; seed: number; out: string }) => {
      const { UserError } = await import('../../lib/user-error.ts');
      if (dataset === 'goodbooks') return generateGoodbooksCommand(opts);
      if (dataset !== 'movielens') throw new UserError(`Unknown dataset "${dataset}"; use 'movielens' or 'goodbooks'.`);
      const { generateMovieLens, GenerateError } = await import('../../import/generate/movielens.ts');
      let lastAt = 0;
      const result = await generateMovieLens({
        ...opts,
        onProgress: ({ ratings, total }) => {
          const now = Date.now();
          if (now - lastAt < (process.stderr.isTTY ? 200 : 5000) && ratings !== total) return;
          lastAt = now;
          const line = `Generating: ${ratings.toLocaleString('en')} of ${total.toLocaleString('en')} ratings (${Math.floor((100 * ratings) / total)}%)`;
          process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
        },
      }).catch((error: Error) => {
        if (process.stderr.isTTY && lastAt > 0) process.stderr.write('\n');
        throw error instanceof GenerateError ? new UserError(error.message) : error;
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      const c = result.counts;
      process.stdout.write(
        `Wrote ${c.movies.toLocaleString('en')} movies, ${c.users.toLocaleString('en')} users, ${c.ratings.toLocaleString('en')} ratings and ${c.tags.toLocaleString('en')} tags ` +
          `(${megabytes(result.bytes)}, shaped like ml-${opts.shape === 'small' ? 'latest-small' : opts.shape}) into ${opts.out} in ${(result.ms / 1000).toFixed(1)} s.\n` +
          `This is generated data, not MovieLens. Import it with: tastebud import movielens --dir ${opts.out}\n`,
      );
    });
}

/** Progress on stderr: a rewritten line on a terminal, else a line every few seconds. */
function progressLine(): { show: (line: string, last: boolean) => void; end: () => void } {
  let lastAt = 0;
  return {
    show(line, last) {
      const now = Date.now();
      if (now - lastAt < (process.stderr.isTTY ? 200 : 5000) && !last) return;
      lastAt = now;
      process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
    },
    end() {
      if (process.stderr.isTTY && lastAt > 0) process.stderr.write('\n');
    },
  };
}

async function downloadGoodbooksCommand(opts: { dir: string; baseUrl?: string }): Promise<void> {
  const { UserError } = await import('../../lib/user-error.ts');
  const { DownloadError } = await import('../../import/download.ts');
  const { downloadGoodbooks, GOODBOOKS_LICENCE_NOTE } = await import('../../import/goodbooks-download.ts');
  const progress = progressLine();
  const result = await downloadGoodbooks({
    ...opts,
    onProgress: ({ file, received, total }) => progress.show(`Downloading ${file}.csv: ${megabytes(received)}${total ? ` of ${megabytes(total)}` : ''}`, received === total),
  }).catch((error: Error) => {
    progress.end();
    throw error instanceof DownloadError ? new UserError(error.message) : error;
  });
  progress.end();
  const bytes = result.files.reduce((sum, f) => sum + f.bytes, 0);
  process.stdout.write(
    `Downloaded ${result.files.map((f) => `${f.file}.csv`).join(', ')} (${megabytes(bytes)}) into ${result.dir}.\n` +
      `Import it with: tastebud import goodbooks --dir ${result.dir}\n\n${GOODBOOKS_LICENCE_NOTE}\n(also in ${result.dir}/LICENCE.txt)\n`,
  );
}

async function generateGoodbooksCommand(opts: { scale: number; seed: number; out: string }): Promise<void> {
  const { UserError } = await import('../../lib/user-error.ts');
  const { GenerateError } = await import('../../import/generate/movielens.ts');
  const { generateGoodbooks } = await import('../../import/generate/goodbooks.ts');
  const progress = progressLine();
  const result = await generateGoodbooks({
    ...opts,
    onProgress: ({ ratings, total }) =>
      progress.show(`Generating: ${ratings.toLocaleString('en')} of about ${total.toLocaleString('en')} ratings (${Math.floor((100 * ratings) / total)}%)`, ratings >= total),
  }).catch((error: Error) => {
    progress.end();
    throw error instanceof GenerateError ? new UserError(error.message) : error;
  });
  progress.end();
  const c = result.counts;
  process.stdout.write(
    `Wrote ${c.books.toLocaleString('en')} books, ${c.users.toLocaleString('en')} readers, ${c.ratings.toLocaleString('en')} ratings, ${c.tags.toLocaleString('en')} shelves, ` +
      `${c.bookTags.toLocaleString('en')} book shelvings and ${c.toRead.toLocaleString('en')} to-read marks (${megabytes(result.bytes)}, shaped like Goodbooks-10k) into ${opts.out} in ${(result.ms / 1000).toFixed(1)} s.\n` +
      `This is generated data, not Goodbooks. Import it with: tastebud import goodbooks --dir ${opts.out}\n`,
  );
}
