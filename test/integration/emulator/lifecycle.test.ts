import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/client-lifecycle.ts', import.meta.url));

it('leaves no open handles after client.destroy() and emu.close(): the process exits by itself', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Generous: a loaded CI machine needs a few seconds just to load discord.js through tsx.
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const code = await exited;
  clearTimeout(timer);
  expect(output).toContain('done: pong');
  expect(code, `the child did not exit on its own (killed after 45 s): something kept the event loop alive\n${output}`).toBe(0);
});
