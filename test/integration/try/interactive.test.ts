import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { writeCatalogueSubset } from './catalogue.ts';
import { childEnv, dropRedisPrefix, REPO_ROOT, uniquePrefix } from './support.ts';

const exec = promisify(execFile);
const prefix = uniquePrefix('tty');
/** A tmux server of this test's own, so nothing else running tmux is touched. */
const SOCKET = `${prefix}.sock`;
const SESSION = 'try';
/** What the pane's shell prints once the playground process has ended. */
const EXITED = 'tastebud try exited with status';

let db: TestDatabase;
let dir: string;
let logFile: string;

const tmux = async (...args: string[]) => (await exec('tmux', ['-u', '-L', SOCKET, ...args], { env: { ...process.env, LANG: 'C.UTF-8' } })).stdout;
const screen = () => tmux('capture-pane', '-p', '-t', SESSION);
const type = async (line: string) => {
  await tmux('send-keys', '-t', SESSION, '-l', line);
  await tmux('send-keys', '-t', SESSION, 'Enter');
};

/** Polls the pane until `check` passes; fails with the screen as it was. */
async function waitForScreen(check: (text: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await screen();
    if (check(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Timed out waiting for ${what}. The screen was:\n${text}`);
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Processes still running with this argument pair on their command line (the playground and its worker pass `--log-file <logFile>`). */
async function processesWith(...args: string[]): Promise<string[]> {
  const needle = args.join('\0');
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(`${pid}: ${cmdline.replace(/\0/g, ' ')}`);
  }
  return found;
}

beforeAll(async () => {
  await exec('tmux', ['-V']).catch(() => {
    throw new Error('This test drives `tastebud try` through tmux, which is not installed; apt-get install -y tmux.');
  });
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'tastebud-try-tty-'));
  await writeCatalogueSubset(join(dir, 'movielens'), 100);
  const env = childEnv({ databaseUrl: db.url, prefix, movielensDir: join(dir, 'movielens'), modelsDir: join(dir, 'models') });
  const settings = ['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'MOVIELENS_DIR', 'MODELS_DIR', 'EMBEDDING_MODEL', 'ALLOW_REMOTE_MODELS', 'LOG_LEVEL', 'NODE_ENV'];
  logFile = join(dir, 'try.log');
  const command = [process.execPath, 'bin/tastebud.js', 'try', '--epochs', '1', '--dimension', '16', '--user', 'sam', '--log-file', logFile].map(quote).join(' ');
  // The pane's shell waits for the playground and prints its exit status. tmux is no witness: built
  // with libutempter (as Debian's is), it loses a pane's SIGCHLD that arrives while its utempter helper
  // runs at the pty's close (tmux/tmux#311), so now and then the ended process stays an unreaped zombie
  // and "Pane is dead" never shows.
  await tmux(
    'new-session',
    '-d',
    '-s',
    SESSION,
    '-x',
    '110',
    '-y',
    '45',
    '-c',
    REPO_ROOT,
    ...settings.flatMap((name) => ['-e', `${name}=${env[name]}`]),
    '-e',
    'LANG=C.UTF-8',
    `${command}; echo "${EXITED} $?"`,
  );
  // Keeps the screen readable after the shell ends.
  await tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');
}, 60_000);

afterAll(async () => {
  // kill-server leaves the socket file behind.
  const socket = (await tmux('display-message', '-p', '#{socket_path}').catch(() => '')).trim();
  await tmux('kill-server').catch(() => {});
  if (socket) await rm(socket, { force: true });
  await db?.drop();
  await dropRedisPrefix(prefix);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tastebud try in a terminal (tmux)', () => {
  it('prepares, then chats: suggestions with reactions, a reaction by number, retrain progress redrawn in place, quit', async () => {
    await waitForScreen((s) => /^sam ›\s*$/m.test(s), 150_000, 'the prompt after setup');
    const ready = await screen();
    expect(ready).toContain('first training done');
    expect(ready).toContain('tastebud playground: a local Discord server with the real bot');

    await type('/recommend count:2');
    let text = await waitForScreen((s) => /┃ 2\. /.test(s) && (s.match(/😍 1 · 👍 1 · 😐 1 · 👎 1 · 🙈 1/g) ?? []).length === 2 && /^sam ›\s*$/m.test(s), 30_000, 'two suggestions');
    expect(text).toMatch(/\[1\] tastebud\n {4}Popular picks for sam/);
    expect(text).toMatch(/\[2\] tastebud\n {4}┃ 1\. .+ \(\d{4}\)/);
    // The deferred reply was redrawn in place: "thinking" is gone, and message 1 is on screen once.
    expect(text).not.toContain('is thinking…');
    expect(text.match(/\[1\] tastebud/g)).toHaveLength(1);

    await type('+2 like');
    text = await waitForScreen((s) => s.includes('👍 2 (you)'), 20_000, 'the reaction count');
    expect(text.match(/\[2\] tastebud/g)).toHaveLength(1);

    await type('/admin retrain');
    text = await waitForScreen((s) => /retrain job \d+: done in/.test(s), 120_000, 'the retrain to finish');
    // Progress edits replace the reply on screen instead of piling up.
    expect(text.match(/retrain job \d+:/g)).toHaveLength(1);
    expect(text).toMatch(/\[\d+\] tastebud \(only you can see this\)\n {4}retrain job \d+: done in/);

    await type('quit');
    text = await waitForScreen((s) => s.includes(EXITED), 20_000, 'the playground to exit');
    expect(text).toContain('Stopping the bot, the worker and the emulator');
    expect(text).toMatch(new RegExp(`^${EXITED} 0$`, 'm'));
    // Neither the playground nor its worker child is left behind, and both ended by themselves
    // rather than by the last-resort exit that logs what was still open.
    expect(await processesWith('--log-file', logFile)).toEqual([]);
    expect(await readFile(logFile, 'utf8')).not.toContain('exiting anyway');
  }, 300_000);
});
