import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding tastebud's package.json. Found by walking up from this file, so it is the same
 * whether the code runs from the TypeScript sources (src/lib/) or the compiled tree (dist/src/lib/).
 */
function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'prisma'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No tastebud package.json above ${start}.`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The migrations shipped with this version of tastebud. */
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'prisma', 'migrations');
