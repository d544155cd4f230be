/**
 * Runs the benchmarks one after another (never in parallel: they would measure each other), each in its own
 * process with its own flags, and prints where each one's output begins.
 *   npm run bench                 # the quick set
 *   npm run bench -- search index # only these
 *   npm run bench -- --all        # everything, including the long soak and 1M-vector index runs
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Each benchmark with the flags of its quick run; `long` ones run only when named or with --all. */
const benchmarks: Record<string, { args: string[]; long?: boolean }> = {
  import: { args: [] },
  search: { args: [] },
  embeddings: { args: ['--runs', '3'] },
  recommend: { args: [] },
  index: { args: [], long: true },
  training: { args: [] },
  quality: { args: [], long: true },
  freshness: { args: ['--samples', '100'] },
  burst: { args: ['--seconds', '60'] },
  retrain: { args: [], long: true },
  soak: { args: [], long: true },
};

const args = process.argv.slice(2);
const all = args.includes('--all');
const named = args.filter((a) => !a.startsWith('--'));
const unknown = named.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}.`);
  process.exit(2);
}
const selected = named.length > 0 ? named : Object.keys(benchmarks).filter((name) => all || !benchmarks[name]!.long);
const root = fileURLToPath(new URL('..', import.meta.url));
const failed: string[] = [];
for (const name of selected) {
  console.log(`\n=== bench/${name}.ts ${benchmarks[name]!.args.join(' ')}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...benchmarks[name]!.args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nFailed: ${failed.join(', ')}`);
  process.exit(1);
}
