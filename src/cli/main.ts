import { readdir } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { scrubSecrets } from '../log.ts';

/** Every file in ./commands exports `register(program)`; heavy modules are imported inside actions so `--help` stays fast. */
export interface CommandModule {
  register(program: Command): void;
}

/** An error meant for the person at the terminal: printed as one line, exit code 1, no stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Domain errors carry their own name and a message meant for people; a bare TypeError and friends are bugs. */
function isProgrammingError(error: unknown): boolean {
  if (error instanceof UserError || error instanceof ConfigError) return false;
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('tastebud')
    .description('Self-hosted Discord bot that learns what each member likes and recommends titles')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const dir = new URL('./commands/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => /\.ts$/.test(f) && !f.endsWith('.test.ts')).sort();
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as CommandModule;
    mod.register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = scrubSecrets(error instanceof Error ? error.message : String(error));
    process.stderr.write(`tastebud: ${message}\n`);
    if (isProgrammingError(error)) process.stderr.write(`${scrubSecrets((error as Error).stack ?? '')}\n`);
    return 1;
  }
}
