// Self-contained SVG charts of a simulation, on one UTC time axis: a panel per metric the HPA
// compares (the composite of scalingModifiers, or each trigger) with its target, a panel per
// formula input, and the replica count; what-if variants overlaid on the same frame.
import type { Box, LegendItem } from './chart-layout';
import { DASH, area, ellipsis, esc, legendRows, text, textWidth } from './chart-layout';
import type { Point } from './chart-marks';
import { bands, linePath, path, spans, stepPath } from './chart-marks';
import {
  elapsedTicks,
  formatNumber,
  tickLabel,
  timeTicks,
  utcText,
  valueTicks,
} from './chart-scale';
import type { MetricType } from './hpa-model';
import type { ScaledObjectModel, SimulationRow } from './simulate';

const W = 960;
const PAD = 16;
/** Left edge of the plots: room for y tick labels of up to 8 characters at 11 px. */
const PLOT_X = 80;
/** Right margin: half of a centred time label past the last tick. */
const PLOT_W = W - PLOT_X - 56;
const HEADING = 18;
const GAP = 12;
const TICK_FONT = 11;
const COLORS = {
  value: '#2563eb',
  target: '#dc2626',
  // Near-black, dotted: no variant colour below comes close (amber sat next to a variant orange).
  activation: '#111827',
  gap: '#93c5fd',
  replicas: '#16a34a',
  inactive: '#6b7280',
  failed: '#dc2626',
  fallback: '#f97316',
  grid: '#e5e7eb',
  event: '#7c3aed',
  axis: '#374151',
};
const VARIANT_COLORS = [
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#be123c',
  '#4d7c0f',
  '#1d4ed8',
];

interface PanelLine {
  kind: 'line' | 'step';
  points: Point[];
  color: string;
  width?: number;
  dash?: string;
}

interface Panel {
  heading: string;
  height: number;
  lines: PanelLine[];
  integer?: boolean;
  /** Spans where this panel's value is missing: a red strip along the bottom. */
  failed?: [number, number][];
  /** Spans where KEDA served a fallback: shaded. */
  fallback?: [number, number][];
  /** Spans with no series (the value line has a gap there): a pale strip along the bottom. */
  noSeries?: [number, number][];
}

/** A moment marked on every panel, labelled on the first: a load phase, "load stopped". */
export interface ChartEvent {
  t: number;
  label: string;
}

/** How the x-axis reads: UTC clock time (default), or seconds from `startS` (the demo's table). */
export type ChartClock = { kind: 'utc' } | { kind: 'elapsed'; startS: number };

interface Chart {
  title: string;
  clock?: ChartClock;
  events?: ChartEvent[];
  legend: LegendItem[];
  panels: Panel[];
  /** Spans where the ScaledObject was inactive: shaded on every panel. */
  inactive: [number, number][];
  rows: SimulationRow[];
}

/**
 * Times of the rows, first and last, the longest step a line may bridge (3 × the median), and
 * the end of the frame: one median step past the last row, so that its state (a final drop to
 * 0, say) is drawn as a step of its own, not on the plot's right border.
 */
function timeBase(rows: SimulationRow[]): {
  first: number;
  last: number;
  maxGap: number;
  end: number;
} {
  const times = [...new Set(rows.map(r => r.timestamp))].sort((a, b) => a - b);
  const steps = times
    .slice(1)
    .map((t, i) => t - (times[i] as number))
    .sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? 1;
  const last = times[times.length - 1] ?? 0;
  return { first: times[0] ?? 0, last, maxGap: 3 * median, end: last + median };
}

/** One point per timestamp (the last row's reading there). */
function points(rows: SimulationRow[], value: (r: SimulationRow) => number | null): Point[] {
  const out: Point[] = [];
  for (const r of rows) {
    const p = { t: r.timestamp, v: value(r) };
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.t === p.t) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

const steps = (rows: SimulationRow[], value: (r: SimulationRow) => number): Point[] =>
  rows.map(r => ({ t: r.timestamp, v: value(r) }));

const timesOf = (rows: SimulationRow[]): number[] => rows.map(r => r.timestamp);

function render(chart: Chart): string {
  const { first, maxGap, end: last } = timeBase(chart.rows);
  const span = Math.max(1, last - first);
  const x = (t: number): number => PLOT_X + ((t - first) / span) * PLOT_W;
  const clock = chart.clock ?? { kind: 'utc' };
  const time =
    clock.kind === 'elapsed'
      ? elapsedTicks(clock.startS, first, last, PLOT_W, TICK_FONT * 0.6)
      : timeTicks(first, last, PLOT_W, TICK_FONT * 0.6);
  const events = (chart.events ?? []).filter(e => e.t >= first && e.t <= last);
  const body: string[] = [];

  const titleBox: Box = { x: PAD, y: PAD, w: W - 2 * PAD, h: 22 };
  body.push(
    area('title', titleBox, [
      text(PAD, PAD + 16, ellipsis(chart.title, 16, titleBox.w), { size: 16, weight: 600 }),
    ]),
  );
  const legendTop = titleBox.y + titleBox.h + 4;
  const legend = legendRows(chart.legend, PAD, legendTop, W - 2 * PAD);
  body.push(
    area('legend', { x: PAD, y: legendTop, w: W - 2 * PAD, h: legend.height }, legend.marks),
  );

  let top = legendTop + legend.height + GAP;
  chart.panels.forEach((panel, i) => {
    const head: Box = { x: PLOT_X, y: top, w: PLOT_W, h: HEADING };
    body.push(
      area(`heading ${i}`, head, [text(PLOT_X, top + 13, ellipsis(panel.heading, 12, PLOT_W))]),
    );
    const plot: Box = { x: PLOT_X, y: top + HEADING, w: PLOT_W, h: panel.height };
    const values = panel.lines
      .flatMap(l => l.points.map(p => p.v))
      .filter((v): v is number => v !== null);
    const ticks = valueTicks(
      Math.min(0, ...values),
      Math.max(0, ...values),
      Math.max(2, Math.min(6, Math.floor(panel.height / 24))),
      panel.integer === true,
    );
    const lo = ticks[0] as number;
    const hi = ticks[ticks.length - 1] as number;
    const y = (v: number): number => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;
    const s = { x, y };
    const step = (ticks[1] as number) - lo;
    const bottom = plot.y + plot.h;
    body.push(
      area(
        `plot ${i}`,
        plot,
        [
          ...bands(chart.inactive, s, plot, COLORS.inactive, { opacity: 0.14 }),
          ...bands(panel.fallback ?? [], s, plot, COLORS.fallback, { opacity: 0.22 }),
          path(
            [
              ...ticks.map(
                v => `M${PLOT_X},${y(v).toFixed(1)} L${PLOT_X + PLOT_W},${y(v).toFixed(1)}`,
              ),
              ...time.ticks.map(t => `M${x(t).toFixed(1)},${plot.y} L${x(t).toFixed(1)},${bottom}`),
            ].join(' '),
            COLORS.grid,
            { width: 1 },
          ),
          ...bands(panel.failed ?? [], s, plot, COLORS.failed, { opacity: 0.8, strip: 4 }),
          ...bands(panel.noSeries ?? [], s, plot, COLORS.gap, { opacity: 0.9, strip: 4 }),
          ...panel.lines.map(l =>
            path(
              l.kind === 'step'
                ? stepPath(
                    l.points.map(p => ({ t: p.t, v: p.v ?? 0 })),
                    s,
                    last,
                  )
                : linePath(l.points, s, maxGap),
              l.color,
              { width: l.width ?? 1.5, ...(l.dash === undefined ? {} : { dash: l.dash }) },
            ),
          ),
          path(`M${PLOT_X},${bottom} L${PLOT_X + PLOT_W},${bottom}`, COLORS.axis, { width: 1 }),
          ...events.map(e =>
            path(`M${x(e.t).toFixed(1)},${plot.y} L${x(e.t).toFixed(1)},${bottom}`, COLORS.event, {
              width: 1,
              dash: DASH.dash,
            }),
          ),
          // Each event's label at the top of the first plot, left-aligned on its line.
          ...(i === 0
            ? events.map((e, k) => {
                // Right of its line, or left of it where it would run past the plot.
                const fits = x(e.t) + 3 + textWidth(e.label, TICK_FONT - 1) <= PLOT_X + PLOT_W;
                return text(fits ? x(e.t) + 3 : x(e.t) - 3, plot.y + 11 + (k % 2) * 12, e.label, {
                  size: TICK_FONT - 1,
                  fill: COLORS.event,
                  ...(fits ? {} : { anchor: 'end' as const }),
                });
              })
            : []),
        ].filter(m => m !== ''),
      ),
    );
    body.push(
      area(
        `y-axis ${i}`,
        { x: PAD, y: plot.y - 7, w: PLOT_X - PAD - 4, h: plot.h + 14 },
        ticks.map(v =>
          text(PLOT_X - 6, y(v) + 4, tickLabel(v, step), {
            size: TICK_FONT,
            anchor: 'end',
            fill: COLORS.axis,
          }),
        ),
      ),
    );
    top = bottom + GAP;
  });

  const bottom = top - GAP;
  const axisBox: Box = { x: PLOT_X - 40, y: bottom + 8, w: PLOT_W + 80, h: 30 };
  body.push(
    area('x-axis', axisBox, [
      ...time.ticks.map(t =>
        text(x(t), bottom + 20, time.label(t), {
          size: TICK_FONT,
          anchor: 'middle',
          fill: COLORS.axis,
        }),
      ),
      text(
        PLOT_X,
        bottom + 35,
        clock.kind === 'elapsed'
          ? `seconds from the start (${utcText(clock.startS)} UTC)`
          : `time (UTC), ${utcText(first)} to ${utcText(timeBase(chart.rows).last)}`,
        {
          size: TICK_FONT,
          fill: COLORS.axis,
        },
      ),
    ]),
  );
  const height = Math.ceil(axisBox.y + axisBox.h + PAD);
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif">`,
    `<title>${esc(chart.title)}</title>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n')}\n`;
}

/** What the HPA compares a metric with, for the panel's heading. */
const targetText = (metricType: MetricType, target: string): string =>
  metricType === 'AverageValue'
    ? `AverageValue, total against ${target} per replica × replicas`
    : `Value, total against ${target}`;

/**
 * The target line of a metric: for AverageValue the capacity the replicas serve (target ×
 * replicas, a step line), for Value the target itself.
 */
function targetLine(
  rows: SimulationRow[],
  metricType: MetricType,
  target: number,
  color: string,
): PanelLine {
  return metricType === 'AverageValue'
    ? { kind: 'step', points: steps(rows, r => target * r.replicas), color, dash: DASH.dash }
    : {
        kind: 'step',
        points: steps(rows.slice(0, 1), () => target),
        color,
        dash: DASH.dash,
      };
}

const activationLine = (rows: SimulationRow[], value: number): PanelLine => ({
  kind: 'step',
  points: steps(rows.slice(0, 1), () => value),
  color: COLORS.activation,
  dash: DASH.dot,
});

/** Panels of the metrics (composite first, then each trigger), with each variant's target line. */
function metricPanels(
  so: ScaledObjectModel,
  rows: SimulationRow[],
  targets: { rows: SimulationRow[]; model: ScaledObjectModel; color: string }[],
): Panel[] {
  const times = timesOf(rows);
  const end = timeBase(rows).end;
  const sm = so.scalingModifiers;
  const failedSpans = (v: (r: SimulationRow) => number | null | undefined): [number, number][] =>
    spans(times, i => v(rows[i] as SimulationRow) === null, end);
  const noSeriesSpans = (name: string): [number, number][] =>
    spans(times, i => (rows[i] as SimulationRow).noSeries?.includes(name) === true, end);
  // With several variants each has its own target line.
  const targetOf = (v: number): string =>
    targets.length > 1 ? "each variant's target" : formatNumber(v);
  const tall = sm === undefined && so.triggers.length === 1 ? 220 : 170;
  const panels: Panel[] = [];
  if (sm !== undefined) {
    panels.push({
      heading: `composite ${sm.formula.text}, ${targetText(sm.metricType, targetOf(sm.target))}; active above ${formatNumber(sm.activationTarget)}`,
      height: tall,
      lines: [
        ...targets.map(v =>
          targetLine(v.rows, sm.metricType, v.model.scalingModifiers?.target ?? sm.target, v.color),
        ),
        activationLine(rows, sm.activationTarget),
        {
          kind: 'line',
          points: points(rows, r => r.composite ?? null),
          color: COLORS.value,
          width: 2,
        },
      ],
      failed: failedSpans(r => r.composite),
    });
  }
  so.triggers.forEach((t, i) => {
    const value = (r: SimulationRow): number | null => r.values[i] ?? null;
    // No series yet (or an empty result): KEDA read 0, the line leaves a gap so that it does not
    // look like real zero traffic.
    const drawn = (r: SimulationRow): number | null =>
      r.noSeries?.includes(t.name) === true ? null : value(r);
    panels.push(
      sm === undefined
        ? {
            heading: `${t.name}, ${targetText(t.metricType, targetOf(t.threshold))}; active above ${formatNumber(t.activationThreshold)}`,
            height: tall,
            lines: [
              ...targets.map(v =>
                targetLine(
                  v.rows,
                  t.metricType,
                  v.model.triggers[i]?.threshold ?? t.threshold,
                  v.color,
                ),
              ),
              activationLine(rows, t.activationThreshold),
              { kind: 'line', points: points(rows, drawn), color: COLORS.value, width: 2 },
            ],
            failed: failedSpans(value),
            noSeries: noSeriesSpans(t.name),
          }
        : {
            heading: `${t.name}: the formula's input`,
            height: 90,
            lines: [{ kind: 'line', points: points(rows, drawn), color: COLORS.value, width: 1.5 }],
            failed: failedSpans(value),
            noSeries: noSeriesSpans(t.name),
          },
    );
  });
  return panels;
}

function legendFor(
  so: ScaledObjectModel,
  rows: SimulationRow[],
  extra: LegendItem[],
): LegendItem[] {
  const types = new Set(
    so.scalingModifiers === undefined
      ? so.triggers.map(t => t.metricType)
      : [so.scalingModifiers.metricType],
  );
  const items: LegendItem[] = [{ label: 'value', color: COLORS.value, style: 'line' }];
  if (types.has('AverageValue'))
    items.push({ label: 'capacity: target × replicas', color: COLORS.target, style: 'dash' });
  if (types.has('Value')) items.push({ label: 'target', color: COLORS.target, style: 'dash' });
  items.push({ label: 'activation threshold', color: COLORS.activation, style: 'dot' });
  items.push(...extra);
  if (rows.some(r => (r.noSeries?.length ?? 0) > 0)) {
    items.push({ label: 'no series yet: a gap (KEDA read 0)', color: COLORS.gap, style: 'band' });
  }
  const failed = rows.some(r => r.values.some(v => v === null) || r.composite === null);
  if (failed) items.push({ label: 'no value (query failed)', color: COLORS.failed, style: 'band' });
  return items;
}

/**
 * The simulation of one ScaledObject: each metric against what the HPA compares it with, the
 * activation threshold, the replicas, and shading while inactive (KEDA's polls) and while a
 * fallback serves.
 */
export function renderSvg(
  rows: SimulationRow[],
  opts: { title: string; model: ScaledObjectModel; clock?: ChartClock; events?: ChartEvent[] },
): string {
  const so = opts.model;
  const times = timesOf(rows);
  const end = timeBase(rows).end;
  const polls = rows.filter(r => r.by === 'keda');
  const inactive = spans(timesOf(polls), i => !(polls[i] as SimulationRow).active, end);
  const fallback = spans(times, i => (rows[i] as SimulationRow).fallback.length > 0, end);
  const extra: LegendItem[] = [{ label: 'replicas', color: COLORS.replicas, style: 'line' }];
  if (inactive.length > 0) extra.push({ label: 'inactive', color: COLORS.inactive, style: 'band' });
  if (fallback.length > 0) extra.push({ label: 'fallback', color: COLORS.fallback, style: 'band' });
  return render({
    title: opts.title,
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    ...(opts.events === undefined ? {} : { events: opts.events }),
    rows,
    inactive,
    legend: legendFor(so, rows, extra),
    panels: [
      ...metricPanels(so, rows, [{ rows, model: so, color: COLORS.target }]),
      {
        heading: `replicas (min ${so.minReplicaCount}, max ${so.maxReplicaCount})`,
        height: 120,
        integer: true,
        lines: [
          { kind: 'step', points: steps(rows, r => r.replicas), color: COLORS.replicas, width: 2 },
        ],
        fallback,
      },
    ],
  });
}

/**
 * What-if variants on the same frame: the metrics once, each variant's target line and replicas
 * in its own colour.
 */
export function renderComparisonSvg(
  variants: { label: string; rows: SimulationRow[]; model: ScaledObjectModel }[],
  opts: { title: string },
): string {
  const base = variants[0];
  if (base === undefined) throw new Error('renderComparisonSvg: no variants');
  const color = (i: number): string => VARIANT_COLORS[i % VARIANT_COLORS.length] as string;
  const legend = legendFor(
    base.model,
    base.rows,
    variants.map((v, i) => ({
      label: `${v.label} (replicas, its target dashed)`,
      color: color(i),
      style: 'line' as const,
    })),
  ).filter(item => item.color !== COLORS.target);
  return render({
    title: opts.title,
    rows: variants.flatMap(v => v.rows),
    inactive: [],
    legend,
    panels: [
      ...metricPanels(
        base.model,
        base.rows,
        variants.map((v, i) => ({ rows: v.rows, model: v.model, color: color(i) })),
      ),
      {
        heading: 'replicas per variant',
        height: 140,
        integer: true,
        lines: variants.map((v, i) => ({
          kind: 'step' as const,
          points: steps(v.rows, r => r.replicas),
          color: color(i),
          width: 2,
        })),
      },
    ],
  });
}
