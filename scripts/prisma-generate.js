// Runs `prisma generate` after install. Offline machines cannot download Prisma's schema engine, and generate
// only needs its path to exist (it never runs it), so any existing file stands in for it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve('prisma/build/index.js');
} catch {
  // `npm install --package-lock-only` runs this script with no node_modules: nothing to generate yet.
  console.log('prisma-generate: prisma is not installed yet; skipping.');
  process.exit(0);
}
if (!existsSync(`${root}/prisma/schema.prisma`)) process.exit(0);
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
const result = spawnSync(process.execPath, [cli, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
