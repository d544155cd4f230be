#!/usr/bin/env -S node --max-semi-space-size=4
// 4 MiB semi-spaces instead of V8's 16: a one-shot command such as `tastebud recommend` stays ~40 MB smaller
// (BENCHMARKS.md, CLI start-up); V8 still grows the heap as long-running processes need.
// Runs the compiled CLI (dist/, made by `npm run build`, which `npm ci` runs through `prepare`).
// Plain node: no TypeScript transpiling at start. `npm run dev -- <args>` runs the sources through tsx.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("tastebud: the compiled CLI (dist/src/cli/main.js) is missing; run 'npm run build' in the tastebud folder.\n");
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
// A failed command exits now: its one-line error is written (stderr is synchronous on pipes and
// terminals), and a half-opened connection must not keep the process alive.
if (code !== 0) process.exit(code);
