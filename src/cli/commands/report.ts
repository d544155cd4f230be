import type { Command } from 'commander';

interface OnlineOptions {
  since?: string;
  until?: string;
  json?: boolean;
}

/** `tastebud report online`: the online measures per model version and per day. */
export function register(program: Command): void {
  const report = program.command('report').description('Reports over what tastebud has done');
  report
    .command('online')
    .description('How members reacted to the suggestions they were shown: acceptance, mean rating, hide and reaction rates, coverage, novelty and /recommend latency, per model version and per day')
    .option('--since <date>', 'start (ISO 2026-11-01, or words: "7 days ago"); default 30 days before --until')
    .option('--until <date>', 'end, exclusive (same forms); default now')
    .option('--json', 'print the report as JSON (the shape GET /api/reports/online answers with)')
    .action(async (options: OnlineOptions) => {
      const { parseReportDate, reportRange } = await import('../../online/dates.ts');
      const { InputError } = await import('../../lib/input-error.ts');
      const { UserError } = await import('../../lib/user-error.ts');
      let range;
      try {
        const now = new Date();
        range = reportRange(
          options.since === undefined ? undefined : parseReportDate(options.since, '--since', now),
          options.until === undefined ? undefined : parseReportDate(options.until, '--until', now),
          now,
        );
      } catch (error) {
        if (error instanceof InputError) throw new UserError(error.message);
        throw error;
      }
      const { onlineReportOf } = await import('../../online/index.ts');
      const { formatOnlineReport } = await import('../../online/format.ts');
      const result = await withDatabase((prisma) => onlineReportOf(prisma, range));
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatOnlineReport(result));
    });
}

/** Connects to DATABASE_URL, runs `work`, always disconnects; a connection failure is one line. */
export async function withDatabase<T>(work: (prisma: import('../../db/client.ts').PrismaClient) => Promise<T>): Promise<T> {
  const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
  const { createPrisma, describeConnectionError } = await import('../../db/client.ts');
  const url = requireDatabaseUrl(loadConfig());
  const prisma = createPrisma(url);
  try {
    return await work(prisma);
  } catch (error) {
    throw describeConnectionError(error, url);
  } finally {
    await prisma.$disconnect();
  }
}
