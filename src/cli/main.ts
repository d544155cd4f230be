import { readdir } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, CommanderError } from 'commander';
import { UserError } from '../lib/user-error.ts';

/**
 * Every file in ./commands exports `register(program)`. Only commander is loaded up front: each command
 * imports what it needs (config, Prisma, TensorFlow.js, discord.js, ...) inside its action, so `--help`
 * and the light commands stay fast.
 */
export interface CommandModule {
  register(program: Command): void;
}

/** Domain errors carry their own name and a message meant for people; a bare TypeError and friends are bugs. */
function isProgrammingError(error: unknown): error is Error {
  if (error instanceof UserError) return false;
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('tastebud')
    .description('Self-hosted Discord bot that learns what each member likes and recommends titles')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const dir = new URL('./commands/', import.meta.url);
  // .ts when run from the sources (tsx, tests), .js in the compiled tree (dist/).
  const ext = extname(new URL(import.meta.url).pathname);
  const files = (await readdir(dir)).filter((f) => f.endsWith(ext) && !f.endsWith(`.test${ext}`) && !f.endsWith('.d.ts')).sort();
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as CommandModule;
    mod.register(program);
  }
  // `tastebud --version` only before a command, so `eval replay --version 3` is the replay's own option. Set after
  // the commands are made, so they do not inherit it: `eval groups --k 5` still reads eval's --k.
  program.enablePositionalOptions();
  return program;
}

/**
 * An error as one line: the message's first line (Prisma and others add code frames below it), and for a
 * bug, where it was thrown. Secrets (passwords in URLs) are scrubbed.
 */
export async function errorLine(error: unknown): Promise<string> {
  const { scrubSecrets } = await import('../log.ts');
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  // Prisma puts "Invalid `prisma.x.y()` invocation:" first and the reason last.
  const message = lines.length > 1 && /^Invalid `.*` invocation/.test(lines[0]!) ? lines[lines.length - 1]! : (lines[0] ?? 'unknown error');
  if (!isProgrammingError(error)) return `tastebud: ${scrubSecrets(message)}`;
  const at = /\((.*:\d+:\d+)\)/.exec(error.stack ?? '')?.[1];
  return `tastebud: ${error.name}: ${scrubSecrets(message)}${at ? ` (at ${scrubSecrets(at)}; this is a bug)` : ''}`;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${await errorLine(error)}\n`);
    return 1;
  }
}
