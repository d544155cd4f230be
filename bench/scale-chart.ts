/**
 * The chart of bench/training-scale.ts's rows (its --json file): the whole retrain's wall time and peak RSS
 * against the number of ratings, each beside the straight line through the origin and the smallest size, so growth
 * faster than linear shows as points above the line. Writes a PNG for BENCHMARKS.md.
 *
 *   npx tsx bench/scale-chart.ts --json /tmp/scale.json --out docs/training-scale.png
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { vegaLitePng } from '../src/observability/charts.ts';

interface ScaleRow {
  ratings: number;
  retrainS: number;
  peakRssMb: number;
}

const { values } = parseArgs({ options: { json: { type: 'string' }, out: { type: 'string', default: 'docs/training-scale.png' } } });
if (!values.json) throw new Error('--json names the file bench/training-scale.ts --json wrote.');
const rows = (JSON.parse(await readFile(values.json, 'utf8')) as { rows: ScaleRow[] }).rows.sort((a, b) => a.ratings - b.ratings);
if (rows.length === 0) throw new Error(`${values.json} has no rows.`);

const SERIES = ['measured', 'linear from the smallest'];

/** One panel: the measured points and the linear extrapolation from the smallest size. */
function panel(title: string, field: string, unit: string, value: (r: ScaleRow) => number, target: number) {
  const first = rows[0]!;
  const measured = rows.map((r) => ({ ratings: r.ratings / 1e6, value: value(r), series: 'measured' }));
  const linear = rows.map((r) => ({ ratings: r.ratings / 1e6, value: (value(first) * r.ratings) / first.ratings, series: 'linear from the smallest' }));
  return {
    width: 360,
    height: 240,
    title,
    layer: [
      {
        data: { values: [...measured, ...linear] },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'ratings', type: 'quantitative', title: 'ratings (millions)' },
          y: { field: 'value', type: 'quantitative', title: `${field} (${unit})` },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: SERIES, range: ['#4c78a8', '#999999'] } },
          strokeDash: {
            field: 'series',
            type: 'nominal',
            legend: null,
            scale: {
              domain: SERIES,
              range: [
                [1, 0],
                [4, 4],
              ],
            },
          },
        },
      },
      { data: { values: [{ target }] }, mark: { type: 'rule', color: 'firebrick' }, encoding: { y: { field: 'target', type: 'quantitative' } } },
    ],
  };
}

const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: 'sans-serif' },
  hconcat: [
    panel('Whole retrain, wall time (target: red)', 'wall time', 'min', (r) => r.retrainS / 60, 30),
    panel('Peak RSS of the retrain (target: red)', 'peak RSS', 'GiB', (r) => r.peakRssMb / 1024, 8),
  ],
};
await writeFile(values.out, await vegaLitePng(spec));
console.log(`wrote ${values.out} (${rows.length} sizes)`);
