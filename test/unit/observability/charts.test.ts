import { describe, expect, it } from 'vitest';
import { renderStatusChart } from '../../../src/observability/charts.ts';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('status chart', () => {
  it('renders loss per epoch and nDCG by version as a PNG', async () => {
    const png = await renderStatusChart({
      lossHistory: [6.1, 5.2, 4.9, 4.7],
      activeVersionId: 3,
      versions: [
        { id: 1, ndcg: 0.21, status: 'retired' },
        { id: 2, ndcg: 0.18, status: 'rejected' },
        { id: 3, ndcg: 0.24, status: 'active' },
      ],
    });
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(png.length).toBeGreaterThan(1000);
    const { width, height } = pngSize(png);
    expect(width).toBeGreaterThan(600);
    expect(height).toBeGreaterThan(200);
  });

  it('still renders before any version exists', async () => {
    const png = await renderStatusChart({ lossHistory: [], activeVersionId: null, versions: [] });
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(png.length).toBeGreaterThan(0);
  });
});
