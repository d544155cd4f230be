import { Command, InvalidArgumentError, Option } from 'commander';
import type { PrismaClient } from '../../db/client.ts';
import type { CatalogueJobReport } from '../../providers/catalogue-jobs.ts';
import type { CatalogueProvider, ProviderListName, ProviderName, TitleKind } from '../../providers/types.ts';

/** Problems printed after a run; the rest are only counted. */
const SHOWN_PROBLEMS = 20;

function pages(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new InvalidArgumentError('must be a whole number from 1 to 50.');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

/** Opens the database and the providers with their PostgreSQL response cache; closes the database afterwards. */
async function withProviders<T>(run: (db: PrismaClient, provider: (name: ProviderName) => CatalogueProvider) => Promise<T>, name: ProviderName): Promise<T> {
  const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
  const { createPrisma, describeConnectionError } = await import('../../db/client.ts');
  const { createProviders, requireProvider, ProviderError, ProviderOffError } = await import('../../providers/index.ts');
  const { PostgresResponseCache } = await import('../../providers/cache.ts');
  const { UserError } = await import('../../lib/user-error.ts');
  const { InputError } = await import('../../lib/input-error.ts');
  const config = loadConfig();
  const databaseUrl = requireDatabaseUrl(config);
  const db = createPrisma(databaseUrl);
  try {
    const providers = createProviders(config.providers, { cache: new PostgresResponseCache(db) });
    const provider = (n: ProviderName) => {
      try {
        return requireProvider(providers, n);
      } catch (error) {
        throw error instanceof ProviderOffError ? new UserError(error.message) : error;
      }
    };
    provider(name);
    return await run(db, provider).catch((error: unknown) => {
      if (error instanceof InputError) throw new UserError(error.message);
      if (error instanceof ProviderError) throw new UserError(`${error.message} What was saved before stays.`);
      throw describeConnectionError(error, databaseUrl);
    });
  } finally {
    await db.$disconnect();
  }
}

function printReport(what: string, report: CatalogueJobReport): void {
  process.stdout.write(`${what}: ${report.added} added, ${report.updated} updated, ${report.skipped} skipped, ${report.failed} failed\n`);
  for (const line of report.problems.slice(0, SHOWN_PROBLEMS)) process.stderr.write(`  ${line}\n`);
  if (report.problems.length > SHOWN_PROBLEMS) process.stderr.write(`  ... and ${report.problems.length - SHOWN_PROBLEMS} more\n`);
}

interface ImportOptions {
  popular?: boolean;
  trending?: boolean;
  search?: string;
  subject?: string;
  kind?: TitleKind;
  pages: number;
}

/** One `tastebud import <provider>` subcommand: a list (popular, trending) or a search, `pages` pages of it. */
function importCommand(imports: Command, name: ProviderName, label: string, lists: readonly ProviderListName[], kinds: readonly TitleKind[]): Command {
  const command = imports
    .command(name)
    .description(`Add titles from ${label} to the catalogue (each fetched in full; already known ones are updated, never duplicated)`)
    .option('--search <text>', 'import what a search by name finds')
    .option('--pages <n>', 'pages of 20 to import', pages, 1);
  for (const list of lists) command.option(`--${list}`, `import the ${list} list`);
  if (kinds.length > 1) command.addOption(new Option('--kind <kind>', 'which kind').choices(kinds).default(kinds[0]));
  return command.action(async (opts: ImportOptions) => {
    const { UserError } = await import('../../lib/user-error.ts');
    // A subject names one of Open Library's popular lists, so `--subject S` alone means `--popular --subject S`.
    const popular = opts.popular || (opts.subject !== undefined && !opts.trending && !opts.search);
    const chosen = [...lists.filter((l) => (l === 'popular' ? popular : opts[l])), ...(opts.search ? ['search'] : [])];
    if (opts.subject !== undefined && chosen[0] !== 'popular') throw new UserError(`--subject picks a popular list; it does not go with --${chosen[0] ?? 'trending'}.`);
    if (chosen.length !== 1) throw new UserError(`Say what to import from ${label}: one of ${[...lists.map((l) => `--${l}`), '--search <text>'].join(', ')}.`);
    await withProviders(async (db, provider) => {
      const jobs = await import('../../providers/catalogue-jobs.ts');
      const p = provider(name);
      const options = { kind: opts.kind ?? kinds[0], pages: opts.pages, subject: opts.subject, progress: (line: string) => process.stderr.write(`${line}\n`) };
      const report = opts.search ? await jobs.importProviderSearch(db, p, opts.search, options) : await jobs.importProviderList(db, p, chosen[0] as ProviderListName, options);
      printReport(`${label} ${chosen[0]}${opts.subject ? ` (${opts.subject})` : ''}`, report);
    }, name);
  });
}

/** `tastebud import tmdb|openlibrary|rawg|musicbrainz`, `tastebud enrich tmdb` and `tastebud providers`. */
export function register(program: Command): void {
  // `import` is import.ts's command (registered first: files load in name order); its provider subcommands live here.
  const imports = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('Import catalogue and ratings data');
  importCommand(imports, 'tmdb', 'TMDB', ['popular', 'trending'], ['movie', 'show']);
  importCommand(imports, 'rawg', 'RAWG', ['popular', 'trending'], ['game']);
  importCommand(imports, 'openlibrary', 'Open Library', ['popular', 'trending'], ['book']).option(
    '--subject <subject>',
    'the subject whose popular books to import, e.g. science_fiction (implies --popular)',
  );
  importCommand(imports, 'musicbrainz', 'MusicBrainz', [], ['music']);

  program
    .command('enrich')
    .description('Fill in details of catalogue titles from a provider')
    .command('tmdb')
    .description('Poster, overview, runtime, language, cast, director and genres for MovieLens movies with a tmdbId (links.csv), most rated first')
    .option('--limit <n>', 'at most this many titles', positiveInt)
    .option('--refresh', 'also titles enriched before')
    .action(async (opts: { limit?: number; refresh?: boolean }) => {
      await withProviders(async (db, provider) => {
        const { enrichMovieLensFromTmdb } = await import('../../providers/catalogue-jobs.ts');
        const report = await enrichMovieLensFromTmdb(db, provider('tmdb'), { ...opts, progress: (line) => process.stderr.write(`${line}\n`) });
        printReport('TMDB enrichment', report);
      }, 'tmdb');
    });

  program
    .command('providers')
    .description('Which catalogue providers are on, how to turn the others on, and the attribution each one asks for')
    .action(async () => {
      const { loadConfig } = await import('../../config.ts');
      const { createProviders, describeProviders } = await import('../../providers/index.ts');
      for (const line of describeProviders(createProviders(loadConfig().providers))) process.stdout.write(`${line}\n`);
    });
}
