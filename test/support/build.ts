import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './settings.ts';

/** Newest modification time of any file under `dir`. */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Tests run the CLI as people do, from the compiled tree (bin/tastebud.js -> dist/). When any source is
 * newer than dist/, rebuilds it first (`npm run build`), so a test never checks yesterday's CLI.
 * Returns false, after printing tsc's errors, when the build fails.
 */
export function buildIfStale(root = REPO_ROOT): boolean {
  const entry = join(root, 'dist', 'src', 'cli', 'main.js');
  const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  if (built > Math.max(newestUnder(join(root, 'src')), newestUnder(join(root, 'jobs')))) return true;
  process.stderr.write('Sources changed since the last build: compiling dist/ (npm run build) ...\n');
  // scripts/build.js: tsc, then the dashboard's static files, as `npm run build` does.
  return spawnSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' }).status === 0;
}
