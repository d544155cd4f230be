import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function walk(command: Command, path: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((sub) => [{ path: [...path, sub.name()], command: sub }, ...walk(sub, [...path, sub.name()])]);
}

describe('tastebud CLI', () => {
  it('runs through the package bin and lists its subcommands', () => {
    const out = execFileSync(process.execPath, ['bin/tastebud.js', '--help'], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/^Usage: tastebud /);
    for (const name of ['db', 'import', 'search', 'eval', 'recommend', 'similar', 'bot', 'worker', 'model', 'report', 'api', 'api-key']) expect(out).toContain(`  ${name}`);
  });

  it('gives every subcommand a description and its own --help', async () => {
    const program = await buildProgram();
    const commands = walk(program);
    expect(commands.length).toBeGreaterThan(10);
    for (const { path, command } of commands) {
      expect(command.description(), path.join(' ')).not.toBe('');
      expect(command.helpInformation(), path.join(' ')).toContain(`Usage: tastebud ${path.join(' ')}`);
    }
  });

  it('answers an unknown subcommand with a one-line error and a non-zero exit', () => {
    try {
      execFileSync(process.execPath, ['bin/tastebud.js', 'frobnicate'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
      expect.unreachable();
    } catch (error) {
      const e = error as { status: number; stderr: string };
      expect(e.status).not.toBe(0);
      expect(e.stderr).toMatch(/unknown command 'frobnicate'/);
    }
  });
});
