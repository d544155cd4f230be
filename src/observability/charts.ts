import type { PrismaClient } from '../db/client.ts';

/** What the /admin status chart shows. */
export interface StatusChartData {
  /** Training loss per epoch of the active version. */
  lossHistory: readonly number[];
  activeVersionId: number | null;
  /** Validation nDCG@10 of each version that has one, oldest first. */
  versions: readonly { id: number; ndcg: number; status: string }[];
}

/**
 * The data for {@link renderStatusChart}: the active version's loss history and the validation nDCG@10
 * recorded by every retrain (the most recent `limit` versions).
 */
export async function statusChartData(prisma: PrismaClient, limit = 30): Promise<StatusChartData> {
  const rows = await prisma.modelVersion.findMany({
    orderBy: { id: 'desc' },
    take: limit,
    select: { id: true, status: true, metrics: true, lossHistory: true },
  });
  const active =
    rows.find((r) => r.status === 'active') ?? (await prisma.modelVersion.findFirst({ where: { status: 'active' }, select: { id: true, status: true, metrics: true, lossHistory: true } }));
  const versions = rows
    .map((r) => ({ id: r.id, status: r.status, ndcg: (r.metrics as Record<string, unknown> | null)?.validationNdcg10 }))
    .filter((v): v is { id: number; status: typeof v.status; ndcg: number } => typeof v.ndcg === 'number')
    .reverse();
  const loss = Array.isArray(active?.lossHistory) ? (active.lossHistory as unknown[]).filter((x): x is number => typeof x === 'number') : [];
  return { lossHistory: loss, activeVersionId: active?.id ?? null, versions };
}

/**
 * Renders the /admin status chart as a PNG: training loss per epoch of the active version (left) and
 * validation nDCG@10 per model version, coloured by status (right). vega-lite -> SVG -> PNG through
 * resvg, so no native canvas is needed. Empty inputs still render, with a note instead of lines.
 */
export async function renderStatusChart(data: StatusChartData, options: { width?: number; height?: number } = {}): Promise<Buffer> {
  const width = options.width ?? 320;
  const height = options.height ?? 200;
  const loss = data.lossHistory.map((value, i) => ({ epoch: i + 1, loss: value }));
  const versions = data.versions.map((v) => ({ version: String(v.id), ndcg: v.ndcg, status: v.status }));
  const empty = (text: string) => ({ width, height, title: text, data: { values: [{}] }, mark: { type: 'text' as const, text: 'no data yet' } });
  const lossTitle = data.activeVersionId === null ? 'Training loss (no active version)' : `Training loss, version ${data.activeVersionId}`;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: 'sans-serif' },
    hconcat: [
      loss.length === 0
        ? empty(lossTitle)
        : {
            width,
            height,
            title: lossTitle,
            data: { values: loss },
            mark: { type: 'line' as const, point: true },
            encoding: {
              x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1 } },
              y: { field: 'loss', type: 'quantitative' as const, title: 'loss', scale: { zero: false } },
            },
          },
      versions.length === 0
        ? empty('Validation nDCG@10 by version')
        : {
            width,
            height,
            title: 'Validation nDCG@10 by version',
            data: { values: versions },
            mark: { type: 'bar' as const },
            encoding: {
              x: { field: 'version', type: 'ordinal' as const, title: 'version', sort: null },
              y: { field: 'ndcg', type: 'quantitative' as const, title: 'nDCG@10' },
              color: { field: 'status', type: 'nominal' as const, title: 'status' },
            },
          },
    ],
  };
  return vegaLitePng(spec);
}

/** A vega-lite spec drawn as a PNG: vega-lite -> vega -> SVG -> PNG through resvg (no native canvas). */
export async function vegaLitePng(spec: object): Promise<Buffer> {
  const [{ compile }, vega, { Resvg }] = await Promise.all([import('vega-lite'), import('vega'), import('@resvg/resvg-js')]);
  const compiled = compile(spec as Parameters<typeof compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return Buffer.from(new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
  } finally {
    view.finalize();
  }
}
