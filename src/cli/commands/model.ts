import { Command, InvalidArgumentError } from 'commander';
import type { PrismaClient } from '../../db/client.ts';
import type { ModelVersion } from '../../model-store/store.ts';

function versionId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a model version id (a whole number, see `tastebud model list`).');
  return n;
}

type Row = Pick<
  ModelVersion,
  'id' | 'status' | 'architecture' | 'backend' | 'dimension' | 'metrics' | 'trainingRatings' | 'trainingUsers' | 'trainingTitles' | 'durationMs' | 'statusReason' | 'createdAt' | 'promotedAt'
>;

function ndcgOf(row: Pick<Row, 'metrics'>): string {
  const value = (row.metrics as Record<string, unknown> | null)?.validationNdcg10;
  return typeof value === 'number' ? value.toFixed(4) : '-';
}

/** The promotion gate's figures of a version saved by a retrain (none for versions from before the gate). */
export function describeGate(metricsJson: unknown): string[] {
  const m = (metricsJson ?? {}) as Record<string, unknown>;
  const n = (v: unknown, digits = 0) => (typeof v === 'number' ? (digits ? v.toFixed(digits) : v.toLocaleString('en')) : '-');
  if (typeof m.gateHoldoutRatings !== 'number') return [];
  const lines = [
    `  promotion gate: nDCG@10 ${n(m.validationNdcg10, 4)} on ${n(m.gateHoldoutRatings)} held-out ratings (${n(m.validationUsers)} users) of a fit on the other ${n(m.gateTrainingRatings)}`,
  ];
  if (typeof m.activeValidationNdcg10 === 'number') {
    lines.push(
      `  compared with version ${n(m.activeVersionId)} (its ${String(m.activeScored)}) on ${n(m.comparedRatings)} ratings neither was trained on: ${n(m.comparedNdcg10, 4)} vs ${n(m.activeValidationNdcg10, 4)}`,
    );
  }
  lines.push(
    typeof m.refitTrainingRatings === 'number'
      ? `  served model: refitted on all ${n(m.refitTrainingRatings)} ratings after the gate`
      : '  served model: the gate fit itself (not refitted: the gate rejected it)',
  );
  return lines;
}

function duration(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

/** The registry as a fixed-width table, newest first. */
export function formatVersionTable(rows: readonly Row[]): string {
  const header = ['id', 'status', 'nDCG@10', 'ratings', 'users', 'titles', 'dim', 'backend', 'took', 'created'];
  const lines = rows.map((r) => [
    String(r.id),
    r.status,
    ndcgOf(r),
    String(r.trainingRatings),
    String(r.trainingUsers),
    String(r.trainingTitles),
    String(r.dimension),
    r.backend,
    duration(r.durationMs),
    r.createdAt.toISOString().replace('T', ' ').slice(0, 16),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...lines.map(fmt)].join('\n') + '\n';
}

async function withDatabase<T>(work: (prisma: PrismaClient, config: import('../../config.ts').Config) => Promise<T>): Promise<T> {
  const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
  const { createPrisma, describeConnectionError } = await import('../../db/client.ts');
  const { UserError } = await import('../../lib/user-error.ts');
  const { ModelStoreError } = await import('../../model-store/store.ts');
  const config = loadConfig();
  const url = requireDatabaseUrl(config);
  const prisma = createPrisma(url);
  try {
    return await work(prisma, config);
  } catch (error) {
    if (error instanceof ModelStoreError) throw new UserError(error.message);
    throw describeConnectionError(error, url);
  } finally {
    await prisma.$disconnect();
  }
}

/** Tells running bots and workers to load the new active version; a Redis outage only delays it to their next check. */
async function announce(config: import('../../config.ts').Config, versionId: number, kind: 'promote' | 'rollback'): Promise<string> {
  const { Redis } = await import('ioredis');
  const { publishModelChange } = await import('../../serving/publish.ts');
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const receivers = await publishModelChange(redis, config.queuePrefix, versionId, kind);
    return `announced to ${receivers} running process${receivers === 1 ? '' : 'es'}`;
  } catch {
    return 'Redis was unreachable, so running bots load it at their next periodic check (within a minute)';
  } finally {
    redis.disconnect();
  }
}

/** `tastebud model list|show|promote|rollback|chart`: the model registry. */
export function register(program: Command): void {
  const model = program.command('model').description('Model versions: list, inspect, promote, roll back');

  model
    .command('list')
    .description('List model versions, newest first')
    .option('--limit <n>', 'how many', (v) => versionId(v), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }) => {
      await withDatabase(async (prisma) => {
        const rows = await prisma.modelVersion.findMany({ orderBy: { id: 'desc' }, take: opts.limit, omit: { params: true, lossHistory: true } });
        if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        else if (rows.length === 0) process.stdout.write('No model versions yet; queue a retrain (the worker runs it).\n');
        else process.stdout.write(formatVersionTable(rows));
      });
    });

  model
    .command('show <id>')
    .description('Show one version: status, metrics, training sizes, backend, duration, loss per epoch')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const wanted = versionId(id);
      await withDatabase(async (prisma) => {
        const { UserError } = await import('../../lib/user-error.ts');
        const row = await prisma.modelVersion.findUnique({ where: { id: wanted } });
        if (!row) throw new UserError(`No model version ${wanted}; see \`tastebud model list\`.`);
        const artifacts = await prisma.modelArtifact.findMany({ where: { versionId: wanted }, select: { name: true, size: true }, orderBy: { name: 'asc' } });
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ...row, artifacts }, null, 2) + '\n');
          return;
        }
        const loss = Array.isArray(row.lossHistory) ? (row.lossHistory as number[]) : [];
        const lines = [
          `Model version ${row.id}: ${row.status}${row.statusReason ? ` (${row.statusReason})` : ''}`,
          `  architecture ${row.architecture}, dimension ${row.dimension}, trained on ${row.backend} in ${duration(row.durationMs)}`,
          `  training data: ${row.trainingRatings} ratings, ${row.trainingUsers} users, ${row.trainingTitles} titles`,
          `  created ${row.createdAt.toISOString()}${row.promotedAt ? `, promoted ${row.promotedAt.toISOString()}` : ''}`,
          ...describeGate(row.metrics),
          `  metrics: ${JSON.stringify(row.metrics)}`,
          `  loss per epoch: ${loss.length ? loss.map((x) => x.toFixed(3)).join(' ') : '-'}`,
          `  artifacts: ${artifacts.map((a) => `${a.name} (${a.size} B)`).join(', ') || 'none'}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      });
    });

  model
    .command('promote <id>')
    .description('Make a version active (the previous one is retired) and tell running bots to swap to it')
    .action(async (id: string) => {
      const wanted = versionId(id);
      await withDatabase(async (prisma, config) => {
        const { promoteModelVersion } = await import('../../model-store/store.ts');
        const row = await promoteModelVersion(prisma, wanted, 'promoted by hand (tastebud model promote)');
        process.stdout.write(`Model version ${row.id} is active; ${await announce(config, row.id, 'promote')}.\n`);
      });
    });

  model
    .command('rollback')
    .description('Reactivate the previously active version (the current one becomes rejected)')
    .option('--reason <text>', 'why, kept with the rejected version', 'rolled back by hand (tastebud model rollback)')
    .action(async (opts: { reason: string }) => {
      await withDatabase(async (prisma, config) => {
        const { rollbackModelVersion } = await import('../../model-store/store.ts');
        const row = await rollbackModelVersion(prisma, opts.reason);
        process.stdout.write(`Rolled back: model version ${row.id} is active again; ${await announce(config, row.id, 'rollback')}.\n`);
      });
    });

  model
    .command('chart')
    .description('Write the /admin status chart (loss per epoch of the active version, nDCG@10 by version) as PNG')
    .requiredOption('--out <file.png>', 'where to write it')
    .action(async (opts: { out: string }) => {
      await withDatabase(async (prisma) => {
        const { writeFile } = await import('node:fs/promises');
        const { renderStatusChart, statusChartData } = await import('../../observability/charts.ts');
        const png = await renderStatusChart(await statusChartData(prisma));
        await writeFile(opts.out, png);
        process.stdout.write(`Wrote ${opts.out} (${png.length} bytes).\n`);
      });
    });
}
