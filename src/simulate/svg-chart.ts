// Self-contained SVG charts of a simulation: the metric against its threshold (left axis) and
// the replica count (right axis, steps) over time; and the replicas of several what-if variants
// overlaid on one chart.
import type { SimulationRow } from './simulate';

/**
 * The value a chart draws: the composite with scalingModifiers, else the first trigger's; null
 * where the query failed.
 */
export const chartValue = (r: SimulationRow): number | null =>
  (r.composite !== undefined ? r.composite : r.values[0]) ?? null;

const finite = (rows: SimulationRow[]): number[] =>
  rows.map(chartValue).filter((v): v is number => v !== null);

/** A path through the metric's points, broken where the query failed. */
function metricPath(
  rows: SimulationRow[],
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  let pen = false;
  for (const r of rows) {
    const v = chartValue(r);
    if (v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(r.timestamp).toFixed(1)},${y(v).toFixed(1)} `;
    pen = true;
  }
  return d.trim();
}

const W = 960;
const H = 420;
const M = { top: 48, right: 64, bottom: 48, left: 72 };
const COLORS = {
  metric: '#2563eb',
  threshold: '#dc2626',
  replicas: '#16a34a',
  grid: '#e5e7eb',
  text: '#111827',
};

const esc = (s: string): string =>
  s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
const fmt = (n: number): string =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Number(n.toPrecision(3)).toString();

/** Round-number ticks covering [0, max]. */
function ticks(max: number, count = 5): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function clock(ts: number, spanS: number): string {
  const d = new Date(ts * 1000).toISOString();
  return spanS > 86_400 ? d.slice(5, 16).replace('T', ' ') : d.slice(11, 19);
}

interface Frame {
  x: (t: number) => number;
  y: (v: number) => number;
  yr: (v: number) => number;
  /** The SVG's opening, title, grid, axes and labels; the caller adds its lines and closes. */
  parts: string[];
}

/** Scales and axes shared by both charts: metric on the left, replicas on the right. */
function frame(
  rows: SimulationRow[],
  opts: {
    title: string;
    metricMax: number;
    metricLabel: string;
    replicasLabel: string;
    replicasColor: string;
  },
): Frame {
  const first = Math.min(...rows.map(r => r.timestamp));
  const last = Math.max(...rows.map(r => r.timestamp));
  const span = Math.max(1, last - first);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const peak = Math.max(1, ...rows.map(r => r.replicas));
  const yMetricTicks = ticks(opts.metricMax);
  const yRepTicks = ticks(peak, Math.min(5, peak));
  const yMax = yMetricTicks[yMetricTicks.length - 1] ?? 1;
  const rMax = yRepTicks[yRepTicks.length - 1] ?? 1;
  const x = (t: number): number => M.left + ((t - first) / span) * plotW;
  const y = (v: number): number => M.top + plotH - (v / yMax) * plotH;
  const yr = (v: number): number => M.top + plotH - (v / rMax) * plotH;
  const timeTicks = Array.from({ length: 7 }, (_, i) => first + (span * i) / 6);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${esc(opts.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="16" font-weight="600" fill="${COLORS.text}">${esc(opts.title)}</text>`,
    ...yMetricTicks.map(
      v =>
        `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${COLORS.grid}"/><text x="${M.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="${COLORS.metric}">${fmt(v)}</text>`,
    ),
    ...yRepTicks.map(
      v =>
        `<text x="${W - M.right + 8}" y="${(yr(v) + 4).toFixed(1)}" fill="${opts.replicasColor}">${fmt(v)}</text>`,
    ),
    ...timeTicks.map(
      t =>
        `<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle" fill="${COLORS.text}">${clock(t, span)}</text>`,
    ),
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="${COLORS.text}"/>`,
    `<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="${COLORS.metric}">${esc(opts.metricLabel)}</text>`,
    `<text transform="translate(${W - 14} ${M.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="${opts.replicasColor}">${esc(opts.replicasLabel)}</text>`,
  ];
  return { x, y, yr, parts };
}

/** The replica count as a step line. */
function stepPoints(rows: SimulationRow[], f: Frame): string {
  return rows
    .map((r, i) => {
      const px = f.x(r.timestamp).toFixed(1);
      const prev = rows[i - 1];
      const flat = prev === undefined ? '' : `${px},${f.yr(prev.replicas).toFixed(1)} `;
      return `${flat}${px},${f.yr(r.replicas).toFixed(1)}`;
    })
    .join(' ');
}

export function renderSvg(
  rows: SimulationRow[],
  opts: { title: string; threshold: number; metricType: string },
): string {
  const f = frame(rows, {
    title: opts.title,
    metricMax: Math.max(opts.threshold * 1.2, ...finite(rows)),
    metricLabel: `metric (${opts.metricType})`,
    replicasLabel: 'replicas',
    replicasColor: COLORS.replicas,
  });
  const ty = f.y(opts.threshold).toFixed(1);
  const parts: string[] = [
    ...f.parts,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${ty}" y2="${ty}" stroke="${COLORS.threshold}" stroke-dasharray="6 4"/>`,
    `<path d="${metricPath(rows, f.x, f.y)}" fill="none" stroke="${COLORS.metric}" stroke-width="1.5"/>`,
    `<polyline points="${stepPoints(rows, f)}" fill="none" stroke="${COLORS.replicas}" stroke-width="2"/>`,
    `<g transform="translate(${M.left} 32)"><line x1="0" x2="20" y1="4" y2="4" stroke="${COLORS.metric}" stroke-width="2"/><text x="26" y="8">metric</text><line x1="86" x2="106" y1="4" y2="4" stroke="${COLORS.threshold}" stroke-dasharray="6 4"/><text x="112" y="8">threshold ${fmt(opts.threshold)}</text><line x1="216" x2="236" y1="4" y2="4" stroke="${COLORS.replicas}" stroke-width="2"/><text x="242" y="8">replicas</text></g>`,
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

const VARIANT_COLORS = [
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#be123c',
  '#4d7c0f',
  '#1d4ed8',
];

/** The metric once (left axis) and each variant's replicas as its own step line (right axis). */
export function renderComparisonSvg(
  variants: { label: string; rows: SimulationRow[] }[],
  opts: { title: string },
): string {
  const base = variants[0]?.rows ?? [];
  const f = frame(
    variants.flatMap(v => v.rows),
    {
      title: opts.title,
      metricMax: Math.max(1, ...finite(base)),
      metricLabel: 'metric',
      replicasLabel: 'replicas per variant',
      replicasColor: COLORS.text,
    },
  );
  const color = (i: number): string => VARIANT_COLORS[i % VARIANT_COLORS.length] as string;
  const parts: string[] = [
    ...f.parts,
    `<path d="${metricPath(base, f.x, f.y)}" fill="none" stroke="${COLORS.metric}" stroke-width="1" stroke-opacity="0.5"/>`,
    ...variants.map(
      (v, i) =>
        `<polyline points="${stepPoints(v.rows, f)}" fill="none" stroke="${color(i)}" stroke-width="2"/>`,
    ),
    ...variants.map(
      (v, i) =>
        `<g transform="translate(${M.left + 8} ${M.top + 8 + i * 16})"><line x1="0" x2="20" y1="4" y2="4" stroke="${color(i)}" stroke-width="2"/><text x="26" y="8">${esc(v.label)}</text></g>`,
    ),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
