import { Command, InvalidArgumentError } from 'commander';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100.');
  return n;
}

/** `tastebud recommend --user <id>`: personal recommendations from the active model version. */
export function register(program: Command): void {
  program
    .command('recommend')
    .description('Recommend titles for a user with the active model version')
    .requiredOption('--user <id>', 'database id, discord:<snowflake>, movielens:<id> or goodbooks:<id>')
    .option('--count <n>', 'how many titles', count, 10)
    .option('--kind <kind>', 'only titles of this kind (movie, show, game, book, music)')
    .option('--genre <genre>', 'only titles of this genre, e.g. Comedy')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { user: string; count: number; kind?: string; genre?: string; json?: boolean }) => {
      const { withRecommender } = await import('../recommender-session.ts');
      await withRecommender(async ({ prisma, recommender, versionId, resolveUserRef, toUserError }) => {
        try {
          const userId = await resolveUserRef(prisma, opts.user);
          const results = await recommender.recommend(userId, {
            count: opts.count,
            ...(opts.kind ? { kind: opts.kind } : {}),
            ...(opts.genre ? { genre: opts.genre } : {}),
          });
          if (opts.json) {
            console.log(JSON.stringify({ userId, modelVersion: versionId, recommendations: results }, null, 2));
            return;
          }
          if (results.length === 0) {
            console.log('Nothing to recommend with these filters.');
            return;
          }
          console.log(`Recommendations for user ${userId} (model version ${versionId}):`);
          results.forEach((r, i) => {
            const year = r.year ? ` (${r.year})` : '';
            const genres = r.genres.length ? `  [${r.genres.join(', ')}]` : '';
            console.log(`${String(i + 1).padStart(3)}. ${r.name}${year}${genres}  ${r.score.toFixed(2)}  ${r.reason}`);
          });
        } catch (error) {
          throw toUserError(error);
        }
      });
    });
}
