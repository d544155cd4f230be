import { join } from 'node:path';
import { locateMovieLens, type MovieLensDownload } from '../../src/import/locate.ts';
import { REPO_ROOT, TEST_SETTINGS } from './settings.ts';

/**
 * ml-latest-small for the tests, by the one resolver the CLI uses: TEST_MOVIELENS_DIR (else MOVIELENS_DIR), then
 * data/movielens/ml-latest-small, then ../shared beside the repository (this team's CI), then a download
 * (checked against GroupLens's MD5) into data/movielens/, kept for the next run. Rejects with a
 * MovieLensNotFoundError whose one line names every place tried and the fix.
 */
export function locateTestMovieLens(options: { root?: string; dir?: string | undefined; download?: MovieLensDownload } = {}): Promise<string> {
  const root = options.root ?? REPO_ROOT;
  return locateMovieLens({
    dir: 'dir' in options ? options.dir : TEST_SETTINGS.movielensDir,
    // A folder handed in by a caller is reported as the tests' own setting.
    setting: 'dir' in options ? 'TEST_MOVIELENS_DIR' : TEST_SETTINGS.movielensSetting,
    dataDir: join(root, 'data', 'movielens'),
    sharedBeside: root,
    download: options.download ?? { connectTimeoutMs: 15_000 },
    fix: "Set TEST_MOVIELENS_DIR to an unpacked ml-latest-small, or run 'npx tastebud data download movielens' on a machine with internet.",
  });
}

/**
 * {@link locateTestMovieLens} for the run's global setup: when MovieLens is nowhere, the run stops at once with
 * that one line on stderr (exit code 1) instead of a hundred failing tests.
 */
export function movieLensOrStop(options: Parameters<typeof locateTestMovieLens>[0] = {}): Promise<string> {
  return locateTestMovieLens(options).catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
