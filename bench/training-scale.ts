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
 *     [--backend <TF_BACKEND>] [--json FILE (also write the rows as JSON)]
 *
 * Needs TEST_DATABASE_URL (scratch databases are created there and dropped after each size) and disk for the
 * generated files (about 0.9 GB at 32M ratings, deleted after each size).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
    scale: { type: 'string' },
    dir: { type: 'string' },
    url: { type: 'string' },
  },
});

/** "4m" -> 4,000,000; "250k" -> 250,000. */
function ratingsOf(size: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(size.trim());
  if (!match) throw new Error(`--sizes takes counts such as 1m,4m,250k (got "${size}").`);
  return Math.round(Number(match[1]) * (match[2]!.toLowerCase() === 'm' ? 1e6 : match[2] ? 1e3 : 1));
}

/** Runs this file again as a child and returns the JSON it reports on its last RESULT line. */
function child<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** Child: generate the data set at `scale` and import it into the database at `url`. */
async function setupChild(scale: number, dir: string, url: string, seed: number): Promise<void> {
  const { generateMovieLens } = await import('../src/import/generate/movielens.ts');
  const { importCatalogue } = await import('../src/setup/prepare.ts');
  const pg = (await import('pg')).default;
  const generated = await generateMovieLens({ shape: '32m', scale, seed, out: dir });
  console.log(`generated ${generated.counts.ratings} ratings, ${generated.counts.users} users, ${generated.counts.movies} movies in ${(generated.ms / 1000).toFixed(1)} s`);
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await importCatalogue(client, dir, { status: () => {}, line: (text) => console.log(text) });
  } finally {
    await client.end();
  }
  report({ counts: generated.counts, generateMs: generated.ms, importMs: performance.now() - started, peakRssMb: peakRssMb() });
}

/** Child: one retrain with the production defaults on the database at `url`. */
async function retrainChild(url: string, backendFlag: string | undefined): Promise<void> {
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
          if ((p.phase === 'train' || p.phase === 'refit') && p.epoch) console.log(`${p.phase === 'train' ? 'gate fit' : 'refit'} pass ${p.epoch}: loss ${p.loss?.toFixed(2)}`);
        },
      },
      { requestedBy: 'bench' },
    );
    if (result.status === 'skipped') throw new Error(result.reason);
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
  retrainS: number;
  retrainCpuS: number;
  phasesS: Record<string, number>;
  peakRssMb: number;
  ndcg: number;
}

async function main(): Promise<void> {
  const { createScratchDatabase, machine } = await import('../test/integration/worker/support.ts');
  console.log(`machine: ${await machine()}`);
  console.log(`command: npx tsx bench/training-scale.ts ${process.argv.slice(2).join(' ')}`.trim());
  const rows: Row[] = [];
  for (const size of values.sizes.split(',')) {
    const scale = ratingsOf(size) / ML32M_RATINGS;
    const dir = await mkdtemp(join(values.work ?? tmpdir(), `tastebud-scale-${size}-`));
    const scratch = await createScratchDatabase(`scale_${size}`);
    try {
      console.log(`${size}: generating and importing (scale ${scale.toFixed(4)} of ml-32m) ...`);
      const setup = await child<{ counts: { ratings: number; users: number; movies: number }; importMs: number }>([
        '--child',
        'setup',
        '--scale',
        String(scale),
        '--dir',
        dir,
        '--url',
        scratch.url,
        '--seed',
        values.seed,
      ]);
      console.log(`${size}: retraining ...`);
      const retrain = await child<{ wallMs: number; cpuS: number; phaseMs: Record<string, number>; peakRssMb: number; ndcg: number }>([
        '--child',
        'retrain',
        '--url',
        scratch.url,
        ...(values.backend ? ['--backend', values.backend] : []),
      ]);
      const phasesS = Object.fromEntries(Object.entries(retrain.phaseMs).map(([phase, ms]) => [phase, ms / 1000]));
      rows.push({
        size,
        ratings: setup.counts.ratings,
        users: setup.counts.users,
        titles: setup.counts.movies,
        importS: setup.importMs / 1000,
        retrainS: retrain.wallMs / 1000,
        retrainCpuS: retrain.cpuS,
        phasesS,
        peakRssMb: retrain.peakRssMb,
        ndcg: retrain.ndcg,
      });
      console.log(`${size}: retrain ${(retrain.wallMs / 1000).toFixed(1)} s (CPU ${retrain.cpuS.toFixed(1)} s), peak RSS ${retrain.peakRssMb.toFixed(0)} MB`);
    } finally {
      await scratch.drop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log('\n| ratings | users | titles | retrain (s) | CPU (s) | load | train | evaluate | refit | index | save | promote | peak RSS (MB) | gate nDCG@10 | import (s, not in retrain) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const p = (phase: string) => (r.phasesS[phase] ?? 0).toFixed(1);
    console.log(
      `| ${r.ratings.toLocaleString('en')} | ${r.users.toLocaleString('en')} | ${r.titles.toLocaleString('en')} | ${r.retrainS.toFixed(1)} | ${r.retrainCpuS.toFixed(1)} | ${p('load')} | ${p('train')} | ${p('evaluate')} | ${p('refit')} | ${p('index')} | ${p('save')} | ${p('promote')} | ${r.peakRssMb.toFixed(0)} | ${r.ndcg.toFixed(4)} | ${r.importS.toFixed(1)} |`,
    );
  }
  if (values.json) await writeFile(values.json, JSON.stringify({ machine: await machine(), rows }, null, 2));
}

if (values.child === 'setup') await setupChild(Number(values.scale), values.dir!, values.url!, Number(values.seed));
else if (values.child === 'retrain') await retrainChild(values.url!, values.backend);
else await main();
