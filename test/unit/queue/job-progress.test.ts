import { describe, expect, it } from 'vitest';
import { describeJob, describeProgress, describeResult, watchJobProgress, type JobSnapshot } from '../../../src/queue/job-progress.ts';

/** A fake clock whose sleep advances time at once, so the watcher's pacing is checked without real waiting. */
function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

const active = (progress: unknown): JobSnapshot => ({ state: 'active', progress, returnValue: null, failedReason: undefined });

describe('describing a job for the /admin reply', () => {
  it('shows a retrain’s phase, epoch, loss and validation nDCG', () => {
    expect(describeProgress({ phase: 'train', percent: 42, epoch: 3, epochs: 15, loss: 12.3456, validationNdcg: 0.12345 })).toBe('training, epoch 3/15, loss 12.35, validation nDCG@10 0.123 (42 %)');
    expect(describeProgress({ phase: 'index', percent: 90 })).toBe('building the index (90 %)');
    expect(describeProgress(40)).toBe('40 %');
    expect(describeProgress(0)).toBe('started');
  });

  it('ends with the new version and whether it was promoted, and why not', () => {
    const base = { versionId: 7, validationNdcg: 0.2, activeVersionId: 6, activeValidationNdcg: 0.25, durationMs: 4200, phaseMs: {} };
    expect(describeResult('retrain', { ...base, status: 'promoted', reason: 'better' })).toBe('done in 4.2 s: version 7 is now active (validation nDCG@10 0.200 vs 0.250 for version 6).');
    expect(describeResult('retrain', { ...base, status: 'rejected', reason: 'worse than the active version' })).toMatch(/version 7 was not promoted .*: worse than the active version\.$/);
    expect(describeResult('retrain', { status: 'skipped', reason: 'another retrain is already running' })).toBe('skipped: another retrain is already running.');
    expect(describeResult('reindex', { status: 'rebuilt', versionId: 3, titles: 40, bytes: 1 })).toBe('done: the index of version 3 was rebuilt (40 titles).');
  });

  it('marks completed, failed and vanished jobs as final', () => {
    expect(describeJob('retrain', { state: 'failed', progress: 0, returnValue: null, failedReason: 'There are no ratings to train on' })).toEqual({
      text: 'failed: There are no ratings to train on',
      final: true,
    });
    expect(describeJob('retrain', undefined).final).toBe(true);
    // Still queued: nothing to add to "Queued the retrain job".
    expect(describeJob('retrain', { state: 'waiting', progress: 0, returnValue: null, failedReason: undefined })).toEqual({ text: null, final: false });
  });
});

describe('watchJobProgress', () => {
  it('edits with each new progress, never twice within the edit interval, and always sends the end', async () => {
    const clock = fakeClock();
    // One poll per second; the job reports a new epoch on every poll, then completes.
    const polls: JobSnapshot[] = [
      { state: 'waiting', progress: 0, returnValue: null, failedReason: undefined },
      ...Array.from({ length: 8 }, (_, i) => active({ phase: 'train', percent: 10 + i, epoch: i + 1, loss: 10 - i })),
      {
        state: 'completed',
        progress: 100,
        returnValue: { status: 'promoted', versionId: 2, validationNdcg: 0.3, activeVersionId: null, activeValidationNdcg: null, durationMs: 9000 },
        failedReason: undefined,
      },
    ];
    const edits: { at: number; text: string }[] = [];
    await watchJobProgress({
      readJob: async () => polls.shift(),
      update: async (text) => void edits.push({ at: clock.now(), text }),
      describe: (job) => describeJob('retrain', job),
      pollMs: 1_000,
      minEditIntervalMs: 1_500,
      ...clock,
    });
    expect(edits[0]!.text).toMatch(/^training, epoch 1/);
    expect(edits.filter((e) => e.text.startsWith('training')).length).toBeGreaterThanOrEqual(3);
    expect(edits.at(-1)!.text).toBe('done in 9.0 s: version 2 is now active (validation nDCG@10 0.300).');
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(1_500);
    expect(new Set(edits.map((e) => e.text)).size).toBe(edits.length);
  });

  it('keeps going through Redis errors and failed edits, and never rejects', async () => {
    const clock = fakeClock();
    let reads = 0;
    const edits: string[] = [];
    let failNextEdit = true;
    await watchJobProgress({
      readJob: async () => {
        reads += 1;
        if (reads <= 2) throw new Error('Redis did not answer');
        return reads < 5 ? active(50) : { state: 'failed', progress: 50, returnValue: null, failedReason: 'out of memory' };
      },
      update: async (text) => {
        if (failNextEdit) {
          failNextEdit = false;
          throw new Error('429 rate limited');
        }
        edits.push(text);
      },
      describe: (job) => describeJob('reindex', job),
      pollMs: 1_000,
      minEditIntervalMs: 1_000,
      ...clock,
    });
    expect(edits).toContain('50 %');
    expect(edits.at(-1)).toBe('failed: out of memory');
  });

  it('gives up at the deadline with a pointer to /admin status', async () => {
    const clock = fakeClock();
    const edits: string[] = [];
    await watchJobProgress({
      readJob: async () => active({ phase: 'train', percent: 20, epoch: 1 }),
      update: async (text) => void edits.push(text),
      describe: (job) => describeJob('retrain', job),
      pollMs: 1_000,
      timeoutMs: 10_000,
      ...clock,
    });
    expect(edits).toEqual(['training, epoch 1 (20 %)', expect.stringMatching(/still running.*\/admin status/)]);
  });

  it('leaves "queued" in place while no worker takes the job, and says so at the deadline', async () => {
    const clock = fakeClock();
    const edits: string[] = [];
    await watchJobProgress({
      readJob: async () => ({ state: 'waiting', progress: 0, returnValue: null, failedReason: undefined }),
      update: async (text) => void edits.push(text),
      describe: (job) => describeJob('retrain', job),
      timeoutMs: 10_000,
      ...clock,
    });
    expect(edits).toEqual([expect.stringMatching(/still waiting for a worker.*tastebud worker/)]);
  });
});
