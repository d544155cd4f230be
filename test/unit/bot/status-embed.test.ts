import { describe, expect, it } from 'vitest';
import { duration, statusEmbed, statusHeadline } from '../../../src/bot/status-embed.ts';
import type { AdminStatus } from '../../../src/admin/actions.ts';
import { readVersionMetrics } from '../../../src/model-store/metrics.ts';

/** A version's metrics JSON as jobs/retrain.ts records it. */
const recorded = {
  validationNdcg10: 0.31234,
  validationUsers: 598,
  gateHoldoutRatings: 10_071,
  gateHoldoutFraction: 0.1,
  gateHoldoutSeed: 42,
  gateTrainingRatings: 90_765,
  ratingsCutoff: '2026-12-02T17:59:00.000Z',
  activeVersionId: 6,
  activeScored: 'gate fit',
  comparedRatings: 10_002,
  comparedUsers: 597,
  comparedNdcg10: 0.3101,
  activeValidationNdcg10: 0.2987,
  refitTrainingRatings: 100_836,
  bestEpoch: 6,
  phaseMs: { load: 653, train: 11_200, evaluate: 2_100, refit: 12_050, index: 900, save: 1_400, promote: 40 },
};

const status: AdminStatus = {
  activeModel: {
    id: 7,
    architecture: 'spectral',
    createdAt: new Date('2026-12-02T18:00:30Z'),
    promotedAt: new Date('2026-12-02T18:00:31Z'),
    durationMs: 28_343,
    promotionReason: 'not worse than version 6 (nDCG@10 0.310 vs 0.299)',
    trainingRatings: 100_836,
    trainingUsers: 610,
    trainingTitles: 9_742,
    metrics: readVersionMetrics(recorded),
  },
  queues: [
    { name: 'retrain', counts: { waiting: 0, active: 1, delayed: 0, failed: 1, completed: 3 } },
    { name: 'reindex', counts: { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 } },
  ],
  recentJobs: [
    { queue: 'retrain', id: '12', name: 'retrain', state: 'completed', finishedAt: new Date('2026-12-02T18:00:31Z'), durationMs: 28_400 },
    { queue: 'retrain', id: '11', name: 'retrain', state: 'failed', finishedAt: new Date('2026-12-02T17:00:00Z'), durationMs: 1_200, failedReason: 'There are no ratings to train on' },
  ],
  outboxPending: 2,
};

describe('/admin status for a person', () => {
  const fields = new Map(statusEmbed(status).fields!.map((f) => [f.name, f.value]));

  it('answers each question in its own field, without raw JSON', () => {
    expect([...fields.keys()]).toEqual(['Active model', 'Quality', 'Training', 'Replaced', 'Queues', 'Recent jobs']);
    for (const value of fields.values()) expect(value).not.toMatch(/[{}]/);
    expect(statusHeadline(status)).toBe('**Active model:** version 7 (spectral).');
  });

  it('names the gate’s figures, the training, the replaced version and why', () => {
    expect(fields.get('Active model')).toBe('Version 7 (spectral), promoted 2026-12-02 18:00 UTC.');
    expect(fields.get('Quality')).toBe('nDCG@10 **0.312** on 10,071 held-out ratings (10 % of member-title pairs, 598 members), which the scored fit never saw.');
    expect(fields.get('Training')).toContain('Finished 2026-12-02 18:00 UTC, took 28.3 s.');
    expect(fields.get('Training')).toContain('Trained on 100,836 ratings from 610 members, 9,742 titles.');
    expect(fields.get('Training')).toContain('Phases: load 653 ms · train 11.2 s · evaluate 2.1 s · refit 12.1 s · index 900 ms · save 1.4 s · promote 40 ms');
    expect(fields.get('Replaced')).toBe('Version 6: nDCG@10 0.310 against its 0.299 on 10,002 held-out ratings neither was trained on.\nWhy: not worse than version 6 (nDCG@10 0.310 vs 0.299).');
  });

  it('shows queue depths and the last jobs with durations and errors', () => {
    expect(fields.get('Queues')).toContain('**retrain**: 0 waiting, 1 active, 0 delayed, 1 failed, 3 completed');
    expect(fields.get('Queues')).toContain('Outbox: 2 event(s) waiting for Redis.');
    expect(fields.get('Recent jobs')).toBe('retrain #12 completed 2026-12-02 18:00 UTC after 28.4 s\nretrain #11 failed 2026-12-02 17:00 UTC after 1.2 s: There are no ratings to train on');
  });

  it('says what is missing for a version saved without the gate', () => {
    const bare = statusEmbed({ ...status, activeModel: { ...status.activeModel!, durationMs: null, promotionReason: null, metrics: readVersionMetrics({ ndcgAt10: 0.5 }) } });
    const byName = new Map(bare.fields!.map((f) => [f.name, f.value]));
    expect(byName.get('Quality')).toMatch(/^Not recorded/);
    expect(byName.get('Replaced')).toBe('Not recorded.');
    expect(duration(4 * 60_000 + 12_000)).toBe('4 min 12 s');
  });
});
