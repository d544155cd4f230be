import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitUntil } from './ports.ts';
import { spawnManaged, type ManagedChild } from './child.ts';

/** A private PostgreSQL server (own data folder, own port) that a test can stop, kill and restart. */
export interface PostgresProcess {
  port: number;
  /** Superuser (trust auth over TCP on 127.0.0.1) connection string for `database`. */
  url(database?: string): string;
  /** Whether the server process is running. */
  running(): boolean;
  /** Fast shutdown (SIGINT: disconnects clients, aborts their transactions); `immediate` kills it with SIGKILL instead. */
  stop(options?: { immediate?: boolean }): Promise<void>;
  /** Starts it again on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and deletes its data folder. */
  destroy(): Promise<void>;
  /** Server log so far (for failure messages). */
  log(): string;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql; install the postgresql package.');
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('No PostgreSQL version under /usr/lib/postgresql.');
  return join(root, version, 'bin');
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** PostgreSQL refuses to run as root: run its binaries as the `postgres` OS user then. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * initdb into a fresh temporary folder and start `postgres` on a free port, tuned for tests
 * (fsync off, no persistence guarantees). The caller must `destroy()` it (in afterAll).
 */
export async function startPostgresProcess(): Promise<PostgresProcess> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-pg-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  writeFileSync(join(dir, 'README'), 'PostgreSQL data of one tastebud test; safe to delete.\n');
  const port = await freePort();
  let child: ManagedChild | undefined;
  const logs: string[] = [];

  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const accepts = async () => {
    const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  };

  const start = async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) return;
    const [cmd, args] = asServerUser(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=100',
    ]);
    child = spawnManaged(cmd, args);
    const current = child;
    void current.exited.then(() => logs.push(current.output()));
    await waitUntil(accepts, `PostgreSQL on port ${port} to accept connections`, 20_000, 100);
  };

  const stop = async ({ immediate = false } = {}) => {
    if (!child) return;
    const current = child;
    child = undefined;
    // Signal the postmaster itself: runuser does not pass every signal on to its child.
    const pid = postmasterPid(data);
    if (pid) process.kill(pid, immediate ? 'SIGKILL' : 'SIGINT');
    else current.process.kill(immediate ? 'SIGKILL' : 'SIGINT');
    const timer = setTimeout(() => current.process.kill('SIGKILL'), 15_000);
    await current.exited.finally(() => clearTimeout(timer));
    // Backends orphaned by SIGKILL may hold the port a moment longer.
    await waitUntil(async () => !(await accepts().catch(() => false)), `PostgreSQL on port ${port} to go away`, 15_000, 100);
  };

  await start();
  return {
    port,
    url,
    running: () => child !== undefined,
    stop,
    start,
    async destroy() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => [...logs, child?.output() ?? ''].join(''),
  };
}

function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(
      execFileSync('head', ['-1', join(data, 'postmaster.pid')])
        .toString()
        .trim(),
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `name` on the server and applies every migration to it; returns its URL. */
export async function createMigratedDatabase(server: Pick<PostgresProcess, 'url'>, name: string, migrationsDir: string): Promise<string> {
  const { applyMigrations } = await import('../../../src/db/migrate.ts');
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  await applyMigrations(server.url(name), migrationsDir);
  return server.url(name);
}
