import { Command, InvalidArgumentError } from 'commander';
import { MIGRATIONS_DIR as defaultMigrationsDir } from '../../lib/package-root.ts';

/** Problems printed per file; the rest are only counted. */
const SHOWN_PROBLEMS = 20;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** `tastebud import movielens`: titles, links, tags, dataset users and ratings from a MovieLens directory. */
export function register(program: Command): void {
  const imports = program.command('import').description('Import catalogue and ratings data');
  registerGoodbooks(imports);

  imports
    .command('movielens')
    .description('Import a MovieLens directory (movies.csv, links.csv, tags.csv, ratings.csv) in one transaction; safe to run again')
    .option('--dir <path>', 'unpacked MovieLens directory (default MOVIELENS_DIR, then data/movielens/<release>: ml-latest-small, or ml-25m/ml-32m with MOVIELENS_RELEASE)')
    .option('--batch-size <n>', 'rows copied and merged at once (default 250,000 ratings, 50,000 movies or links, 100,000 tags)', positiveInt)
    .option('--max-tags <n>', 'most frequent tags kept per title', positiveInt, 20)
    .option('--migrations <dir>', 'migrations directory to check the database against', defaultMigrationsDir)
    .action(async (opts: { dir?: string; batchSize?: number; maxTags: number; migrations: string }) => {
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { UserError } = await import('../../lib/user-error.ts');
      const { describeConnectionError } = await import('../../db/client.ts');
      const { pendingMigrations } = await import('../../db/migrate.ts');
      const { importMovieLens, findMovieLensFiles, ImportInputError } = await import('../../import/movielens.ts');
      const { default: pg } = await import('pg');
      const config = loadConfig();
      const { locateMovieLens, cliMovieLensSearch } = await import('../../import/locate.ts');
      const dir = opts.dir ?? (await locateMovieLens(cliMovieLensSearch(config.movielensDir, config.movielensRelease)));
      await findMovieLensFiles(dir).catch((error: Error) => {
        throw new UserError(error.message);
      });
      const databaseUrl = requireDatabaseUrl(config);
      const pending = await pendingMigrations(databaseUrl, opts.migrations).catch((error) => {
        throw describeConnectionError(error, databaseUrl);
      });
      if (pending.length > 0) {
        throw new UserError(`The database lacks ${pending.length} migration(s) (${pending.join(', ')}); run 'tastebud db migrate' first.`);
      }

      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect().catch((error) => {
        throw describeConnectionError(error, databaseUrl);
      });
      const progress = await createProgress();
      const shown = new Map<string, number>();
      const hidden = new Map<string, number>();
      try {
        const summary = await importMovieLens(client, {
          dir,
          ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
          maxTags: opts.maxTags,
          onStep: (step) => {
            progress.stop();
            process.stderr.write(`${step} ...\n`);
          },
          onProgress: (p) => progress.update(`${p.file}.csv`, p.bytesRead, p.totalBytes, p.rowsRead),
          onProblem: (p) => {
            const count = shown.get(p.file) ?? 0;
            if (count >= SHOWN_PROBLEMS) {
              hidden.set(p.file, (hidden.get(p.file) ?? 0) + 1);
              return;
            }
            shown.set(p.file, count + 1);
            progress.log(`${p.path} line ${p.line}: ${p.reason}; skipped`);
          },
        });
        progress.stop();
        for (const [file, n] of hidden) process.stderr.write(`... and ${n} more skipped row(s) in ${file}.csv\n`);
        const table = [
          ['file', 'read', 'imported', 'skipped', 'time'],
          ...summary.files.map((f) => [`${f.file}.csv`, f.read.toLocaleString('en'), f.imported.toLocaleString('en'), f.skipped.toLocaleString('en'), `${(f.ms / 1000).toFixed(1)} s`]),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table) process.stdout.write(`${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}\n`);
        const t = summary.totals;
        process.stdout.write(
          `Imported ${dir} in ${(summary.ms / 1000).toFixed(1)} s. The database now holds ${t.titles.toLocaleString('en')} titles, ${t.users.toLocaleString('en')} users and ${t.ratings.toLocaleString('en')} ratings.\n` +
            "Next: 'tastebud embeddings update' to embed the new titles.\n",
        );
      } catch (error) {
        progress.stop();
        if (error instanceof ImportInputError) throw new UserError(error.message);
        throw describeConnectionError(error, databaseUrl);
      } finally {
        await client.end().catch(() => {});
      }
    });
}

/** `tastebud import goodbooks`: books, their shelves as genres and tags, Goodbooks readers and their ratings. */
function registerGoodbooks(imports: Command): void {
  imports
    .command('goodbooks')
    .description('Import a Goodbooks-10k directory (books.csv, ratings.csv, tags.csv, book_tags.csv) in one transaction; safe to run again')
    .option('--dir <path>', 'directory holding the Goodbooks files', 'data/goodbooks')
    .option('--batch-size <n>', 'rows copied and merged at once (default 250,000 ratings, 50,000 books)', positiveInt)
    .option('--max-tags <n>', 'shelves kept as tags per book', positiveInt, 20)
    .option('--migrations <dir>', 'migrations directory to check the database against', defaultMigrationsDir)
    .action(async (opts: { dir: string; batchSize?: number; maxTags: number; migrations: string }) => {
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { UserError } = await import('../../lib/user-error.ts');
      const { describeConnectionError } = await import('../../db/client.ts');
      const { pendingMigrations } = await import('../../db/migrate.ts');
      const { ImportInputError } = await import('../../import/movielens.ts');
      const { importGoodbooks, findGoodbooksFiles } = await import('../../import/goodbooks.ts');
      const { default: pg } = await import('pg');
      await findGoodbooksFiles(opts.dir).catch((error: Error) => {
        throw new UserError(error.message);
      });
      const databaseUrl = requireDatabaseUrl(loadConfig());
      const pending = await pendingMigrations(databaseUrl, opts.migrations).catch((error) => {
        throw describeConnectionError(error, databaseUrl);
      });
      if (pending.length > 0) throw new UserError(`The database lacks ${pending.length} migration(s) (${pending.join(', ')}); run 'tastebud db migrate' first.`);
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect().catch((error) => {
        throw describeConnectionError(error, databaseUrl);
      });
      const progress = await createProgress();
      const shown = new Map<string, number>();
      const hidden = new Map<string, number>();
      try {
        const summary = await importGoodbooks(client, {
          dir: opts.dir,
          ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
          maxTags: opts.maxTags,
          onStep: (step) => {
            progress.stop();
            process.stderr.write(`${step} ...\n`);
          },
          onProgress: (p) => progress.update(`${p.file}.csv`, p.bytesRead, p.totalBytes, p.rowsRead),
          onProblem: (p) => {
            const count = shown.get(p.file) ?? 0;
            if (count >= SHOWN_PROBLEMS) return void hidden.set(p.file, (hidden.get(p.file) ?? 0) + 1);
            shown.set(p.file, count + 1);
            progress.log(`${p.path} line ${p.line}: ${p.reason}; skipped`);
          },
        });
        progress.stop();
        for (const [file, n] of hidden) process.stderr.write(`... and ${n} more skipped row(s) in ${file}.csv\n`);
        printSummaryTable(summary.files);
        const t = summary.totals;
        process.stdout.write(
          `Imported ${opts.dir} in ${(summary.ms / 1000).toFixed(1)} s. The database now holds ${t.titles.toLocaleString('en')} titles, ${t.users.toLocaleString('en')} users and ${t.ratings.toLocaleString('en')} ratings.\n` +
            "Goodbooks-10k is CC BY-SA 4.0 (Zygmunt Zając, github.com/zygmuntz/goodbooks-10k). Next: 'tastebud embeddings update' to embed the new titles.\n",
        );
      } catch (error) {
        progress.stop();
        if (error instanceof ImportInputError) throw new UserError(error.message);
        throw describeConnectionError(error, databaseUrl);
      } finally {
        await client.end().catch(() => {});
      }
    });
}

function printSummaryTable(files: readonly { file: string; read: number; imported: number; skipped: number; ms: number }[]): void {
  const table = [
    ['file', 'read', 'imported', 'skipped', 'time'],
    ...files.map((f) => [`${f.file}.csv`, f.read.toLocaleString('en'), f.imported.toLocaleString('en'), f.skipped.toLocaleString('en'), `${(f.ms / 1000).toFixed(1)} s`]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(`${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}\n`);
}

interface Progress {
  update(file: string, bytes: number, total: number, rows: number): void;
  log(line: string): void;
  stop(): void;
}

/** A bar per file on a terminal; otherwise a plain line every few seconds and at the end of each file (logs, CI). */
async function createProgress(): Promise<Progress> {
  if (process.stderr.isTTY) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar(
      { format: '{file} [{bar}] {percentage}% | {size} | {rows} rows', stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let current = '';
    return {
      update(file, bytes, total, rows) {
        const payload = { file: file.padEnd(11), size: `${megabytes(bytes)} of ${megabytes(total)}`, rows: rows.toLocaleString('en') };
        if (file !== current) {
          if (current) bar.stop();
          current = file;
          bar.start(Math.max(total, 1), bytes, payload);
        } else bar.update(bytes, payload);
      },
      log(line) {
        // Clear the bar's line so the message does not end up glued to it.
        process.stderr.write(`\r\x1b[K${line}\n`);
      },
      stop() {
        if (current) bar.stop();
        current = '';
      },
    };
  }
  let lastAt = 0;
  let lastFile = '';
  let lastLine = '';
  return {
    update(file, bytes, total, rows) {
      const line = `${file}: ${Math.floor((100 * bytes) / Math.max(total, 1))}% (${megabytes(bytes)} of ${megabytes(total)}, ${rows.toLocaleString('en')} rows)`;
      const now = Date.now();
      if (file !== lastFile || bytes >= total || now - lastAt >= 2000) {
        if (line !== lastLine) process.stderr.write(`${line}\n`);
        lastAt = now;
        lastFile = file;
        lastLine = line;
      }
    },
    log(line) {
      process.stderr.write(`${line}\n`);
    },
    stop() {},
  };
}
