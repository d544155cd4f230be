// `npm run build` (and `prepare`, which `npm ci` runs): compiles src/ and jobs/ into dist/ with tsc, then copies the
// files tsc does not (the dashboard's html/css/js, src/api/dashboard/public/) beside the compiled code.
// An install without devDependencies (`npm ci --omit=dev`) has no TypeScript: it then says so and leaves
// dist/ to whoever built it (e.g. an earlier stage of the Docker image), rather than failing the install.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.log('build: TypeScript is not installed (an install without devDependencies); dist/ is not rebuilt.');
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
const assets = 'src/api/dashboard/public';
rmSync(new URL(`../dist/${assets}`, import.meta.url), { recursive: true, force: true });
cpSync(new URL(`../${assets}`, import.meta.url), new URL(`../dist/${assets}`, import.meta.url), { recursive: true });
