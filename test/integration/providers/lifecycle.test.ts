import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { spawnManaged } from '../../support/processes/index.ts';

const script = fileURLToPath(new URL('./fixtures/emulators-lifecycle.ts', import.meta.url));

it("provider emulators leave no open handles after close(), even with the clients' keep-alive connections", async () => {
  const child = spawnManaged(process.execPath, ['--import', 'tsx', script]);
  const timer = setTimeout(() => void child.stop('SIGKILL'), 45_000);
  const code = await child.exited;
  clearTimeout(timer);
  expect(child.output()).toContain('done: 4 providers');
  expect(code, `the child did not exit on its own (killed after 45 s)\n${child.output()}`).toBe(0);
});
