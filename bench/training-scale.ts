/**
 * How the whole retrain grows with the ratings: generated ml-32m-shaped data (what `tastebud data generate
 * movielens --shape 32m --scale F` writes) at 1M, 4M, 16M and 32M ratings, each imported into its own scratch
 * database and retrained there (load, gate fit, gate evaluation, refit, index, save, promote: jobs/retrain.ts with
 * the production defaults). Every size runs in child processes of its own, one to generate and import (not timed
 * as the retrain), one for the retrain alone, so the retrain's peak RSS is its own and not the importer's nor an
 * earlier size's. Prints one table row per size: ratings, users, titles, retrain wall and CPU time, its phases
 * (wall), peak RSS of the retrain process, the gate fit's hold-out nDCG@10, and the import time (not in the retrain).
 *
 *   npx tsx bench/training-scale.ts [--sizes 1m,4m,16m,32m] [--seed 1] [--work DIR (default: the OS temp dir)]
 *     [--backend <TF_BACKEND>] [--json FILE (also write the rows as JSON)] [--keep] [--memory] [--data-root DIR [--generate-only]]
 *
 * `--data-root DIR` keeps each size's generated files in DIR/<size> and reuses them when they are already there
 * with the same shape, scale and seed (generator.json), so the data can be generated ahead of a quiet window and
 * the import child then only imports (its peak RSS is the import's own). `--generate-only` stops after generating.
 *
 * --memory prints the retrain process's memory at the start of each phase and at the end (RSS, V8 heap used,
 * array buffers, peak RSS so far), and the same after a full GC (the child runs with --expose-gc): what each
 * phase keeps alive, to find where the peak comes from. The GCs themselves lower later figures a little.
 *
 * Needs TEST_DATABASE_URL (scratch databases are created there and dropped after each size) and disk for the
 * generated files (about 0.9 GB at 32M ratings, deleted after each size unless --data-root).
 *
 * --keep leaves the LAST size's scratch database in place (its URL is printed) for bench/serving-scale.ts: it holds
 * the imported data and the retrained, promoted model version, whose artifacts (weights, title ids, HNSW graph) the
 * retrain stores in its model_artifacts table, not on disk; nothing else needs keeping (the generated CSV files are
 * deleted as usual). Drop it afterwards (the printed command); a test run also drops tbtest_ databases over 6 h old.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** ml-32m's published rating count: --scale is the wanted count over this. */
const ML32M_RATINGS = 32_000_204;
const RESULT = 'RESULT ';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    sizes: { type: 'string', default: '1m,4m,16m,32m' },
    seed: { type: 'string', default: '1' },
    work: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    memory: { type: 'boolean', default: false },
    scale: { type: 'string' },
    dir: { type: 'string' },
    url: { type: 'string' },
    'data-root': { type: 'string' },
    'generate-only': { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});

/** "4m" -> 4,000,000; "250k" -> 250,000. */
function ratingsOf(size: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(size.trim());
  if (!match) throw new Error(`--sizes takes counts such as 1m,4m,250k (got "${size}").`);
  return Math.round(Number(match[1]) * (match[2]!.toLowerCase() === 'm' ? 1e6 : match[2] ? 1e3 : 1));
}

/** Runs this file again as a child and returns the JSON it reports on its last RESULT line. */
function child<T>(args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', import.meta.filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let result: T | undefined;
    let buffered = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith(RESULT)) result = JSON.parse(line.slice(RESULT.length)) as T;
        else console.log(`    ${line}`);
      }
    });
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`child ${args.join(' ')} exited with ${code}`))));
  });
}

const report = (value: unknown) => console.log(RESULT + JSON.stringify(value));
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
/** Process CPU seconds so far: less disturbed than wall time when other jobs share the cores. */
const cpuS = () => {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1e6;
};

/** One line of memory figures (MB); with `gc` exposed, also the live figures after a full collection. */
function memoryLine(label: string): string {
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const figures = () => {
    const m = process.memoryUsage();
    return `rss ${mb(m.rss)} heap ${mb(m.heapUsed)} arrayBuffers ${mb(m.arrayBuffers)}`;
  };
  const before = figures();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return `memory ${label}: ${before}, peak rss ${peakRssMb().toFixed(0)}`;
  gc();
  return `memory ${label}: ${before}, after gc ${figures()}, peak rss ${peakRssMb().toFixed(0)}`;
}

interface Generated {
  counts: { ratings: number; users: number; movies: number };
  ms: number;
}

/** The files in `dir` when an earlier run generated them with this scale and seed, else undefined. */
async function generatedBefore(dir: string, scale: number, seed: number): Promise<Generated | undefined> {
  const described = await readFile(join(dir, 'generator.json'), 'utf8').then(
    (text) => JSON.parse(text) as { shape: string; scale: number; seed: number; counts: Generated['counts'] },
    () => undefined,
  );
  if (!described || described.shape !== '32m' || described.scale !== scale || described.seed !== seed) return undefined;
  return { counts: described.counts, ms: 0 };
}

/** The data set at `scale` in `dir`: reused when `reuse` and it is already there, else generated. */
async function generated(scale: number, dir: string, seed: number, reuse: boolean): Promise<Generated> {
  const before = reuse ? await generatedBefore(dir, scale, seed) : undefined;
  if (before) {
    console.log(`reusing the data generated earlier in ${dir}`);
    return before;
  }
  const { generateMovieLens } = await import('../src/import/generate/movielens.ts');
  const made = await generateMovieLens({ shape: '32m', scale, seed, out: dir });
  console.log(`generated ${made.counts.ratings} ratings, ${made.counts.users} users, ${made.counts.movies} movies in ${(made.ms / 1000).toFixed(1)} s`);
  return made;
}

/** Child: generate the data set at `scale` (or reuse it) and import it into the database at `url` (none: generate only). */
async function setupChild(scale: number, dir: string, url: string | undefined, seed: number, reuse: boolean): Promise<void> {
  const made = await generated(scale, dir, seed, reuse);
  if (!url) return report({ counts: made.counts, generateMs: made.ms, importMs: 0, peakRssMb: peakRssMb() });
  const { importCatalogue } = await import('../src/setup/prepare.ts');
  const pg = (await import('pg')).default;
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await importCatalogue(client, dir, { status: () => {}, line: (text) => console.log(text) });
  } finally {
    await client.end();
  }
  report({ counts: made.counts, generateMs: made.ms, importMs: performance.now() - started, peakRssMb: peakRssMb() });
}

/** Child: one retrain with the production defaults on the database at `url`. */
async function retrainChild(url: string, backendFlag: string | undefined, memory: boolean): Promise<void> {
  const { runRetrain } = await import('../jobs/retrain.ts');
  const { loadConfig } = await import('../src/config.ts');
  const { createPrisma } = await import('../src/db/client.ts');
  const { deserializeModel } = await import('../src/model/embedding-model.ts');
  const { trainModel } = await import('../src/model/train.ts');
  const config = loadConfig();
  const prisma = createPrisma(url);
  try {
    const started = performance.now();
    const cpuStarted = cpuS();
    let phase: string | undefined;
    const result = await runRetrain(
      {
        prisma,
        databaseUrl: url,
        deserialize: deserializeModel,
        // Says how each fit ran: the pass count, the threads the sparse passes used, whether it was warm-started.
        train: async (dataset, options, hooks) => {
          const model = await trainModel(dataset, options, hooks);
          const t = model.weights.training;
          console.log(`fit: ${(t.lossHistory as number[]).length} passes on ${String(t.passThreads)} thread(s), ${String(t.warmStarted)} warm-started basis rows`);
          return model;
        },
        backend: (backendFlag ?? config.tfBackend) as typeof config.tfBackend,
        trainThreads: config.trainThreads,
        hnsw: config.hnsw,
        publish: async () => {},
        progress: async (p) => {
          if (memory && p.phase !== phase) console.log(memoryLine(`at ${(phase = p.phase)}`));
          if ((p.phase === 'train' || p.phase === 'refit') && p.epoch) console.log(`${p.phase === 'train' ? 'gate fit' : 'refit'} pass ${p.epoch}: loss ${p.loss?.toFixed(2)}`);
        },
      },
      { requestedBy: 'bench' },
    );
    if (result.status === 'skipped') throw new Error(result.reason);
    if (memory) console.log(memoryLine('at the end'));
    report({ status: result.status, wallMs: performance.now() - started, cpuS: cpuS() - cpuStarted, phaseMs: result.phaseMs, ndcg: result.gate.holdoutNdcg, peakRssMb: peakRssMb() });
  } finally {
    await prisma.$disconnect();
  }
}

interface Row {
  size: string;
  ratings: number;
  users: number;
  titles: number;
  importS: number;
  /** Peak RSS of the setup child: the import's own when the data was generated earlier (--data-root). */
  importRssMb: number;
  retrainS: number;
  retrainCpuS: number;
  phasesS: Record<string, number>;
  peakRssMb: number;
  ndcg: number;
}

/** One size: generate (or reuse) and import in one child, retrain in another; the table row. */
async function measureSize(size: string, scale: number, setupArgs: string[], url: string): Promise<Row> {
  console.log(`${size}: generating and importing (scale ${scale.toFixed(4)} of ml-32m) ...`);
  const setup = await child<{ counts: { ratings: number; users: number; movies: number }; importMs: number; peakRssMb: number }>(setupArgs);
  console.log(`${size}: imported in ${(setup.importMs / 1000).toFixed(1)} s (setup child peak RSS ${setup.peakRssMb.toFixed(0)} MB); retraining ...`);
  const retrain = await child<{ wallMs: number; cpuS: number; phaseMs: Record<string, number>; peakRssMb: number; ndcg: number }>(
    ['--child', 'retrain', '--url', url, ...(values.backend ? ['--backend', values.backend] : []), ...(values.memory ? ['--memory'] : [])],
    values.memory ? ['--expose-gc'] : [],
  );
  console.log(`${size}: retrain ${(retrain.wallMs / 1000).toFixed(1)} s (CPU ${retrain.cpuS.toFixed(1)} s), peak RSS ${retrain.peakRssMb.toFixed(0)} MB`);
  return {
    size,
    ratings: setup.counts.ratings,
    users: setup.counts.users,
    titles: setup.counts.movies,
    importS: setup.importMs / 1000,
    importRssMb: setup.peakRssMb,
    retrainS: retrain.wallMs / 1000,
    retrainCpuS: retrain.cpuS,
    phasesS: Object.fromEntries(Object.entries(retrain.phaseMs).map(([phase, ms]) => [phase, ms / 1000])),
    peakRssMb: retrain.peakRssMb,
    ndcg: retrain.ndcg,
  };
}

async function main(): Promise<void> {
  const { createScratchDatabase, machine } = await import('../test/integration/worker/support.ts');
  console.log(`machine: ${await machine()}`);
  console.log(`command: npx tsx bench/training-scale.ts ${process.argv.slice(2).join(' ')}`.trim());
  const rows: Row[] = [];
  const sizes = values.sizes.split(',');
  let kept: string | undefined;
  for (const [at, size] of sizes.entries()) {
    const scale = ratingsOf(size) / ML32M_RATINGS;
    const root = values['data-root'];
    const dir = root ? join(root, size) : await mkdtemp(join(values.work ?? tmpdir(), `tastebud-scale-${size}-`));
    if (root) await mkdir(dir, { recursive: true });
    const setupArgs = ['--child', 'setup', '--scale', String(scale), '--dir', dir, '--seed', values.seed, ...(root ? ['--reuse'] : [])];
    if (values['generate-only']) {
      console.log(`${size}: generating into ${dir} (scale ${scale.toFixed(4)} of ml-32m) ...`);
      await child(setupArgs);
      continue;
    }
    const scratch = await createScratchDatabase(`scale_${size}`);
    try {
      rows.push(await measureSize(size, scale, [...setupArgs, '--url', scratch.url], scratch.url));
    } finally {
      // Kept only when the size got through: a half-imported database would mislead the serving benchmark.
      if (values.keep && at === sizes.length - 1 && rows.at(-1)?.size === size) kept = scratch.url;
      else await scratch.drop();
      if (!root) await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(
    '\n| ratings | users | titles | retrain (s) | CPU (s) | load | train | evaluate | refit | index | save | promote | peak RSS (MB) | gate nDCG@10 | import (s, not in retrain) | import peak RSS (MB) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const p = (phase: string) => (r.phasesS[phase] ?? 0).toFixed(1);
    console.log(
      `| ${r.ratings.toLocaleString('en')} | ${r.users.toLocaleString('en')} | ${r.titles.toLocaleString('en')} | ${r.retrainS.toFixed(1)} | ${r.retrainCpuS.toFixed(1)} | ${p('load')} | ${p('train')} | ${p('evaluate')} | ${p('refit')} | ${p('index')} | ${p('save')} | ${p('promote')} | ${r.peakRssMb.toFixed(0)} | ${r.ndcg.toFixed(4)} | ${r.importS.toFixed(1)} | ${r.importRssMb.toFixed(0)} |`,
    );
  }
  if (values.json) await writeFile(values.json, JSON.stringify({ machine: await machine(), rows }, null, 2));
  if (kept) printKept(kept);
}

/** Where the kept database is, what to run on it, and how to drop it. */
function printKept(url: string): void {
  const name = new URL(url).pathname.slice(1);
  console.log(`\nkept the ${values.sizes.split(',').at(-1)} database (active model version in it): ${url}`);
  console.log(`  serve from it:  nice -n 10 npx tsx bench/serving-scale.ts --database-url '${url}'`);
  console.log(`  drop it after:  psql "$TEST_DATABASE_URL" -c 'DROP DATABASE "${name}" WITH (FORCE)'`);
}

if (values.child === 'setup') await setupChild(Number(values.scale), values.dir!, values.url, Number(values.seed), values.reuse);
else if (values.child === 'retrain') await retrainChild(values.url!, values.backend, values.memory);
else await main();
