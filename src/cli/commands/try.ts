import { Command, InvalidArgumentError, Option } from 'commander';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

/** `tastebud try`: the bot on a local Discord emulator, chatted with from the terminal (or a script). */
export function register(program: Command): void {
  program
    .command('try')
    .description('Try the bot without a Discord account: a local Discord emulator, the bot and a worker, and a chat in this terminal')
    .option('--script <file>', 'run these lines (one per line, # comments) instead of chatting, and print the transcript')
    .option('--epochs <n>', 'cap on training passes for the first model and /admin retrain (default: the production setting)', positiveInt)
    .option('--dimension <n>', 'hidden size of the trained model (default: the production setting, 384)', positiveInt)
    .option('--user <name>', 'your display name in the playground', 'you')
    .option('--providers', 'start local emulators of TMDB, RAWG, Open Library and MusicBrainz: posters, and titles beyond MovieLens, offline')
    .option('--log-file <path>', 'where the bot and worker write their logs', 'data/try.log')
    // The playground starts its worker as a child process through these; not for people.
    .addOption(new Option('--worker-only', 'run only the playground worker').hideHelp())
    .addOption(new Option('--embedding-model <model>', 'title embedding model of the worker').hideHelp())
    .addHelpText(
      'after',
      '\nUses DATABASE_URL and REDIS_URL. An empty catalogue is imported from MOVIELENS_DIR (or data/movielens/ml-latest-small);\n' +
        'without an active model it embeds the titles and trains one first. In the chat: /recommend count:3, /search godfather,\n' +
        '/rate title:heat score:4, /similar title:alien, /profile, /admin retrain, /help; react with "react 2 😍", "+2 👍", "-2 👍"; quit or Ctrl-D.',
    )
    .action(async (opts: { script?: string; epochs?: number; dimension?: number; user: string; logFile: string; providers?: boolean; workerOnly?: boolean; embeddingModel?: string }) => {
      const { loadConfig } = await import('../../config.ts');
      // Only what was asked for: an undefined key would override the production default.
      const train = { ...(opts.epochs ? { epochs: opts.epochs } : {}), ...(opts.dimension ? { dimension: opts.dimension } : {}) };
      const { exitIfStillRunning, runPlayground, runPlaygroundWorker } = await import('../../try/run.ts');
      if (opts.workerOnly) {
        const config = loadConfig();
        try {
          process.exitCode = await runPlaygroundWorker({
            config,
            train,
            logFile: opts.logFile,
            embeddingModel: opts.embeddingModel ?? config.embeddings.model,
            out: process.stdout,
          });
        } finally {
          exitIfStillRunning({ logFile: opts.logFile, level: config.logLevel, component: 'worker' });
        }
        return;
      }
      const { UserError } = await import('../../lib/user-error.ts');
      const { SetupError } = await import('../../setup/prepare.ts');
      const config = loadConfig();
      let script: string[] | undefined;
      if (opts.script !== undefined) {
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(opts.script, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new UserError(`Cannot read the script ${opts.script}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
        });
        script = text.split(/\r?\n/);
      } else if (!process.stdin.isTTY) {
        throw new UserError('tastebud try needs a terminal to chat in; to run commands without one, pass --script <file>.');
      }
      try {
        process.exitCode = await runPlayground({
          config,
          train,
          username: opts.user,
          providers: opts.providers === true,
          ...(script ? { script } : {}),
          logFile: opts.logFile,
          out: process.stdout,
          err: process.stderr,
          input: process.stdin,
        });
      } catch (error) {
        if (error instanceof SetupError) throw new UserError(error.message);
        throw error;
      } finally {
        exitIfStillRunning({ logFile: opts.logFile, level: config.logLevel, component: 'playground' });
      }
    });
}
