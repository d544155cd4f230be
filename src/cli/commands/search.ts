import { Command, InvalidArgumentError } from 'commander';

function limitArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100.');
  return n;
}

/** `tastebud search "<query>"`: the same title search the bot's autocomplete uses. */
export function register(program: Command): void {
  program
    .command('search')
    .description('Find titles by name (typos, partial words, accents and a trailing year are fine)')
    .argument('<query>', 'part of a title, e.g. "godfather" or "matrix 1999"')
    .option('--kind <kind>', 'only titles of this kind (movie, show, game, book, music)')
    .option('--limit <n>', 'most results', limitArg, 10)
    .option('--json', 'print JSON instead of a table')
    .action(async (query: string, opts: { kind?: string; limit: number; json?: boolean }) => {
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { createPrisma, describeConnectionError } = await import('../../db/client.ts');
      const { searchTitles, SearchQueryError } = await import('../../catalog/search.ts');
      const { UserError } = await import('../../lib/user-error.ts');
      const databaseUrl = requireDatabaseUrl(loadConfig());
      const prisma = createPrisma(databaseUrl);
      try {
        const results = await searchTitles(prisma, query, { kind: opts.kind as never, limit: opts.limit }).catch((error) => {
          if (error instanceof SearchQueryError) throw new UserError(error.message);
          throw describeConnectionError(error, databaseUrl);
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
          return;
        }
        if (results.length === 0) {
          process.stdout.write(`No titles match "${query}".\n`);
          return;
        }
        const rows = [
          ['id', 'title', 'year', 'kind', 'ratings', 'mean', 'genres'],
          ...results.map((r) => [
            String(r.id),
            r.name,
            r.year === null ? '' : String(r.year),
            r.kind,
            String(r.ratingCount),
            r.ratingMean === null ? '' : r.ratingMean.toFixed(2),
            r.genres.join(', '),
          ]),
        ];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
        for (const row of rows)
          process.stdout.write(
            `${row
              .map((cell, i) => cell.padEnd(widths[i]!))
              .join('  ')
              .trimEnd()}\n`,
          );
      } finally {
        await prisma.$disconnect();
      }
    });
}
