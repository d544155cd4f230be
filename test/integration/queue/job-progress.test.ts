import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeJob, readJobSnapshot, type ReindexResult } from '../../../src/queue/job-progress.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `tbtest-progress-${randomBytes(4).toString('hex')}`;
const connection = { url: REDIS_URL };
let queue: Queue;
let events: QueueEvents;

beforeAll(async () => {
  queue = new Queue('reindex', { connection, prefix });
  events = new QueueEvents('reindex', { connection, prefix });
  await events.waitUntilReady();
});

afterAll(async () => {
  await queue?.obliterate({ force: true });
  await events?.close();
  await queue?.close();
});

describe('reading a watched job', () => {
  it('re-reads a job seen completed whose return value was read before it completed', async () => {
    const job = await queue.add('reindex', { requestedBy: 'test' });
    // The watcher's first read of the job hash happens while the job still waits...
    const stale = await queue.getJob(job.id!);
    expect(stale?.returnvalue ?? null).toBeNull();
    const result: ReindexResult = { status: 'rebuilt', versionId: 4, titles: 12, bytes: 100 };
    const worker = new Worker('reindex', async (_job: Job) => result, { connection, prefix });
    try {
      await job.waitUntilFinished(events, 20_000);
    } finally {
      await worker.close();
    }
    // ...and its state is read after the worker completed it.
    let reads = 0;
    const racing = { getJob: async (id: string) => (reads++ === 0 ? stale : queue.getJob(id)) } as Pick<Queue, 'getJob'>;
    const snapshot = await readJobSnapshot(racing, job.id!);
    expect(snapshot?.state).toBe('completed');
    expect(snapshot?.returnValue).toEqual(result);
    expect(describeJob('reindex', snapshot)).toEqual({ text: 'done: the index of version 4 was rebuilt (12 titles).', final: true });
  });

  it('says the job is gone when it was removed', async () => {
    expect(await readJobSnapshot(queue, 'no-such-job')).toBeUndefined();
    expect(describeJob('retrain', undefined).final).toBe(true);
  });
});
