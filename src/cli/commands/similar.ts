import { Command, InvalidArgumentError } from 'commander';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100.');
  return n;
}

/** `tastebud similar "<title>"`: titles nearest to one title in the active model's space. */
export function register(program: Command): void {
  program
    .command('similar')
    .description('List titles similar to one title, by the active model version')
    .argument('<title>', 'title name (optionally with year, e.g. "Heat (1995)"), database id or movielens:<id>')
    .option('--count <n>', 'how many titles', count, 10)
    .option('--json', 'print JSON instead of a table')
    .action(async (title: string, opts: { count: number; json?: boolean }) => {
      const { withRecommender } = await import('../recommender-session.ts');
      await withRecommender(async ({ prisma, recommender, catalog, versionId, resolveTitleRef, toUserError }) => {
        try {
          const titleId = await resolveTitleRef(prisma, title);
          const results = recommender.similar(titleId, opts.count);
          const source = catalog.get(titleId)!;
          if (opts.json) {
            console.log(JSON.stringify({ titleId, name: source.name, year: source.year, modelVersion: versionId, similar: results }, null, 2));
            return;
          }
          console.log(`Titles similar to ${source.name}${source.year ? ` (${source.year})` : ''} (model version ${versionId}):`);
          results.forEach((r, i) => {
            const year = r.year ? ` (${r.year})` : '';
            const genres = r.genres.length ? `  [${r.genres.join(', ')}]` : '';
            console.log(`${String(i + 1).padStart(3)}. ${r.name}${year}${genres}  ${r.similarity.toFixed(3)}`);
          });
        } catch (error) {
          throw toUserError(error);
        }
      });
    });
}
