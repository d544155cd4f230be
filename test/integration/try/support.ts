import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { TEST_SETTINGS } from '../../support/settings.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const REDIS_URL = TEST_SETTINGS.redisUrl;

/** A QUEUE_PREFIX no other run uses. */
export const uniquePrefix = (what: string) => `tbtest-try-${what}-${randomBytes(4).toString('hex')}`;

/** Environment for a `tastebud try` child: its own database, queue prefix, catalogue and models folder. */
export function childEnv(settings: { databaseUrl: string; prefix: string; movielensDir: string; modelsDir: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: settings.prefix,
    MOVIELENS_DIR: settings.movielensDir,
    MODELS_DIR: settings.modelsDir,
    EMBEDDING_MODEL: 'Xenova/all-MiniLM-L6-v2',
    ALLOW_REMOTE_MODELS: 'false',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
  };
}

/** Runs `node bin/tastebud.js ...args` to the end; resolves with its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/tastebud.js', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tastebud ${args.join(' ')} did not finish in ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Deletes every Redis key under `prefix` (BullMQ queues of one run). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
