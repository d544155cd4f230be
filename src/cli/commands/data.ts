import { Command, InvalidArgumentError } from 'commander';

const SIZES = ['small', '25m', '32m'];

function sizeArg(value: string): string {
  if (!SIZES.includes(value)) throw new InvalidArgumentError(`must be one of ${SIZES.join(', ')}.`);
  return value;
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** `tastebud data download movielens`: fetch and unpack a MovieLens release from GroupLens. */
export function register(program: Command): void {
  const data = program.command('data').description('Public datasets the bot learns from');

  data
    .command('download')
    .description('Download and unpack a dataset')
    .argument('<dataset>', "the dataset; only 'movielens' for now")
    .option('--size <size>', `MovieLens release: ${SIZES.join(', ')} (ml-latest-small, ml-25m, ml-32m)`, sizeArg, 'small')
    .option('--dir <path>', 'directory to save and unpack into', 'data/movielens')
    .option('--base-url <url>', 'mirror holding the MovieLens zip files (default GroupLens)')
    .action(async (dataset: string, opts: { size: 'small' | '25m' | '32m'; dir: string; baseUrl?: string }) => {
      const { UserError } = await import('../main.ts');
      if (dataset !== 'movielens') throw new UserError(`Unknown dataset "${dataset}"; the only one is 'movielens'.`);
      const { downloadMovieLens, DownloadError, MOVIELENS_LICENCE_NOTE } = await import('../../import/download.ts');
      let lastAt = 0;
      let lastPercent = -1;
      const result = await downloadMovieLens({
        size: opts.size,
        dir: opts.dir,
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
}
