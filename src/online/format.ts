import type { ReplayReport } from './replay-source.ts';
import { replayCaveat } from './replay.ts';
import type { OnlineReport, OnlineRow } from './report.ts';

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, digits: number) => (v === null ? '-' : v.toFixed(digits));
const ms = (v: number | null) => (v === null ? '-' : String(Math.round(v)));
const version = (v: number | null) => (v === null ? 'none' : `v${v}`);

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Text left, figures right.
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

const COLUMNS = ['shown', 'rated', 'accept', 'mean', 'hide', 'react', 'cover', 'novelty', 'p50 ms', 'p95 ms'];
const cells = (r: OnlineRow) => [
  String(r.shown),
  String(r.rated),
  pct(r.acceptance),
  num(r.meanRating, 2),
  pct(r.hideRate),
  pct(r.reactionRate),
  pct(r.coverage),
  num(r.novelty, 2),
  ms(r.latencyP50Ms),
  ms(r.latencyP95Ms),
];

/** The report as two readable tables (per version, then per day) and a legend. */
export function formatOnlineReport(report: OnlineReport): string {
  const lines = [`Online measures, ${report.since} to ${report.until} (UTC)`, ''];
  if (report.byVersion.length === 0) return [...lines, 'No suggestions were shown in this period.', ''].join('\n');
  lines.push(
    ...table(
      ['version', '', ...COLUMNS],
      report.byVersion.map((r) => [version(r.modelVersion), '', ...cells(r)]),
    ),
    '',
  );
  lines.push(
    ...table(
      ['day', 'version', ...COLUMNS],
      report.byDay.map((r) => [r.day, version(r.modelVersion), ...cells(r)]),
    ),
    '',
  );
  lines.push(
    'accept: shown titles the member rated 4 or more within 7 days; mean: their mean rating of those rated within 7 days;',
    'hide / react: hidden within 7 days / holding a reaction; cover: distinct titles shown / catalogue; novelty: mean',
    '-log2(share of users who rated the title), bits; p50/p95: time /recommend took to rank a batch. Days and periods are UTC.',
    'Suggestions shown less than 7 days before the end of the period may still be rated.',
    '',
  );
  return lines.join('\n');
}

/** `eval replay`'s figures and what they mean. */
export function formatReplay(report: ReplayReport): string {
  const lines = [
    `Replay of model version ${report.versionId} on the impressions logged ${report.since} to ${report.until} (UTC)`,
    `  logged lists ${report.batches}, slots ${report.slots}; accepted (rated >= 4 within 7 days) ${report.positives} = ${pct(report.loggedAcceptance)} under the logging policy`,
    `  match rate (same title at the same position): ${pct(report.matchRate)} (${report.matched} of ${report.slots})`,
    `  replay acceptance (accepted among matched slots, Li et al. 2011): ${pct(report.replayAcceptance)}`,
    `  ranked hit (accepted titles this version puts in a list of the same length): ${pct(report.rankedHitRate)} (${report.positivesRanked} of ${report.positives})`,
    '',
    replayCaveat(report),
    '',
  ];
  return lines.join('\n');
}
