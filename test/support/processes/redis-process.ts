import { Redis } from 'ioredis';
import { freePort, waitUntil } from './ports.ts';
import { spawnManaged, type ManagedChild } from './child.ts';

/** A private redis-server (own port, no persistence) that a test can stop and restart. */
export interface RedisProcess {
  port: number;
  url: string;
  running(): boolean;
  /** Kills it (SIGKILL unless `graceful`); with no persistence, everything in it is gone. */
  stop(options?: { graceful?: boolean }): Promise<void>;
  /** Starts it again, empty, on the same port; resolves when it answers PING. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Starts `redis-server` on a free port of 127.0.0.1 with persistence off. */
export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ManagedChild | undefined;
  const pong = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  };
  const start = async () => {
    if (child) return;
    child = spawnManaged('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']);
    await waitUntil(pong, `redis-server on port ${port}`, 10_000, 50);
  };
  const stop = async ({ graceful = false } = {}) => {
    const current = child;
    child = undefined;
    await current?.stop(graceful ? 'SIGTERM' : 'SIGKILL', 5_000);
  };
  await start();
  return { port, url, running: () => child !== undefined, stop, start, destroy: () => stop() };
}
