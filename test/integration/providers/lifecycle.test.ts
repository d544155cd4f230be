import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/emulators-lifecycle.ts', import.meta.url));

it('provider emulators leave no open handles after close(), even with the clients\' keep-alive connections', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const code = await exited;
  clearTimeout(timer);
  expect(output).toContain('done: 4 providers');
  expect(code, `the child did not exit on its own (killed after 45 s)\n${output}`).toBe(0);
});
