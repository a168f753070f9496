// The simulate chart as a person sees it: rendered to PNG by rsvg-convert, and every mark of the
// SVG checked against its area (data inside the plots, text inside the title, legend, headings
// and axes, no two texts overlapping), for the demo's shape, a 12-replica spike to 1,200, a
// 1,000-point series with failed queries, a 200-character query, the formula example and --set.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/main';
import type { Sample, ScaledObjectModel } from '../../src/simulate/simulate';
import { simulate } from '../../src/simulate/simulate';
import { renderSvg } from '../../src/simulate/svg-chart';
import { requireBinary } from '../helpers/prometheus';
import type { Chart } from '../helpers/svg-geometry';
import { decodePng, inside, overlap, parseChart } from '../helpers/svg-geometry';

const RSVG_HINT =
  'apt-get install -y --no-install-recommends librsvg2-bin (bash scripts/install-deps.sh installs it)';
const EXAMPLE = resolve(__dirname, '../../examples/two-triggers.yaml');
const EXAMPLE_CSV = resolve(__dirname, '../../examples/two-triggers.csv');
const VALUE_BLUE = '#2563eb';
const T0 = 1_763_884_800; // 2025-11-23 08:00:00 UTC

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-chart-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(over: Partial<ScaledObjectModel> = {}): ScaledObjectModel {
  return {
    pollingIntervalSeconds: 15,
    cooldownPeriodSeconds: 60,
    initialCooldownPeriodSeconds: 0,
    minReplicaCount: 0,
    maxReplicaCount: 20,
    idleReplicaCount: undefined,
    triggers: [{ name: 'rps', metricType: 'AverageValue', threshold: 100, activationThreshold: 5 }],
    scalingModifiers: undefined,
    fallback: undefined,
    behavior: undefined,
    ...over,
  };
}

const series = (n: number, stepS: number, f: (i: number) => number | null): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i * stepS, value: f(i) }));

/** Asserts what a reader relies on, then renders the PNG and returns the parsed chart. */
function look(name: string, svg: string): Chart {
  const chart = parseChart(svg);
  expect(chart.stray).toEqual([]);
  const whole = { x: 0, y: 0, w: chart.width, h: chart.height };
  for (const a of chart.areas)
    expect({ area: a.name, inside: inside(a.box, whole) }).toEqual({ area: a.name, inside: true });
  // Areas do not share space: title above legend above the panels, axes beside them.
  for (const [i, a] of chart.areas.entries())
    for (const b of chart.areas.slice(i + 1))
      expect({ a: a.name, b: b.name, overlap: overlap(a.box, b.box) }).toEqual({
        a: a.name,
        b: b.name,
        overlap: false,
      });
  const title = chart.areas.find(a => a.name === 'title');
  const legend = chart.areas.find(a => a.name === 'legend');
  expect(title && legend && title.box.y + title.box.h <= legend.box.y).toBe(true);
  for (const m of chart.marks) {
    const box = chart.areas.find(a => a.name === m.area)?.box;
    expect({
      mark: m.tag,
      area: m.area,
      text: m.text,
      inside: box !== undefined && inside(m.box, box),
    }).toEqual({
      mark: m.tag,
      area: m.area,
      text: m.text,
      inside: true,
    });
  }
  const texts = chart.marks.filter(m => m.tag === 'text');
  for (const [i, a] of texts.entries())
    for (const b of texts.slice(i + 1))
      expect({ a: a.text, b: b.text, overlap: overlap(a.box, b.box) }).toEqual({
        a: a.text,
        b: b.text,
        overlap: false,
      });

  const file = join(dir, `${name}.svg`);
  writeFileSync(file, svg);
  const png = join(dir, `${name}.png`);
  execFileSync(requireBinary('rsvg-convert', RSVG_HINT), ['-o', png, file], { stdio: 'pipe' });
  const image = decodePng(readFileSync(png));
  expect([image.width, image.height]).toEqual([chart.width, chart.height]);
  // The value's blue, as rendered, appears only in the plots and the legend's swatch.
  const allowed = chart.areas
    .filter(a => a.name.startsWith('plot') || a.name === 'legend')
    .map(a => a.box);
  const [r0 = 0, g0 = 0, b0 = 0] = [1, 3, 5].map(i => parseInt(VALUE_BLUE.slice(i, i + 2), 16));
  let blue = 0;
  const stray: string[] = [];
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      const [r, g, b] = image.pixel(x, y);
      if (Math.abs(r - r0) + Math.abs(g - g0) + Math.abs(b - b0) > 30) continue;
      blue++;
      if (!allowed.some(box => inside({ x, y, w: 0, h: 0 }, box, 2))) stray.push(`${x},${y}`);
    }
  expect(blue).toBeGreaterThan(100);
  expect(stray.slice(0, 5)).toEqual([]);
  return chart;
}

const plotOf = (c: Chart, i: number) => c.areas.find(a => a.name === `plot ${i}`)?.box;
const yLabels = (c: Chart, i: number): number[] =>
  c.marks.filter(m => m.area === `y-axis ${i}` && m.tag === 'text').map(m => Number(m.text));

test('the demo: 0 → ramp → 0 replicas, activation line, inactive shading, UTC date on the time axis', () => {
  const so = model({
    pollingIntervalSeconds: 5,
    cooldownPeriodSeconds: 20,
    maxReplicaCount: 10,
    triggers: [{ name: 'demo', metricType: 'AverageValue', threshold: 10, activationThreshold: 1 }],
  });
  const rate = (i: number): number => (i < 4 ? 0 : i < 6 ? 15 : i < 8 ? 35 : i < 11 ? 70 : 0);
  const rows = simulate([series(30, 5, rate)], so);
  const chart = look(
    'demo',
    renderSvg(rows, { title: 'demo: sum(rate(demo_http_requests_total[10s]))', model: so }),
  );
  expect(rows.some(r => r.replicas === 0) && rows.some(r => r.replicas > 1)).toBe(true);
  // Inactive shading: grey rects in the plots.
  expect(
    chart.marks.some(m => m.tag === 'rect' && m.area === 'plot 0' && m.attrs['fill'] === '#6b7280'),
  ).toBe(true);
  // The activation threshold (dotted) and the capacity step (dashed).
  const dashes = chart.marks.filter(m => m.area === 'plot 0').map(m => m.attrs['stroke-dasharray']);
  expect(dashes).toEqual(expect.arrayContaining(['2 3', '6 4']));
  const axis = chart.marks.filter(m => m.area === 'x-axis').map(m => m.text);
  expect(axis).toContain('time (UTC), 2025-11-23 08:00:00 to 2025-11-23 08:02:25');
});

test('a spike to 1,200 at 100 per replica: 12 replicas, the axis ends on a tick at or above 1,200', () => {
  const so = model();
  const rows = simulate([series(80, 15, i => (i >= 20 && i < 50 ? 1200 : 50))], so);
  expect(Math.max(...rows.map(r => r.replicas))).toBe(1200 / 100);
  const chart = look(
    'spike',
    renderSvg(rows, { title: 'spike: sum(rate(http_requests_total[1m]))', model: so }),
  );
  expect(Math.max(...yLabels(chart, 0))).toBeGreaterThanOrEqual(1200);
  expect(Math.max(...yLabels(chart, 1))).toBeGreaterThanOrEqual(12);
  const plot = plotOf(chart, 0);
  const value = chart.marks.find(m => m.area === 'plot 0' && m.attrs['stroke'] === VALUE_BLUE);
  // The peak reaches the top region of the plot without leaving it.
  expect(plot && value && value.box.y - plot.y).toBeLessThan(0.25 * (plot?.h ?? 0));
});

test('1,000 points, two triggers, failed queries as gaps and red strips, never as 0', () => {
  const so = model({
    triggers: [
      { name: 'rps', metricType: 'AverageValue', threshold: 100, activationThreshold: 0 },
      { name: 'lag', metricType: 'Value', threshold: 40, activationThreshold: 2 },
    ],
  });
  const failedAt = (i: number): boolean => i % 200 >= 100 && i % 200 < 110;
  const rps = series(1000, 15, i => (failedAt(i) ? null : 300 + 250 * Math.sin(i / 40)));
  const lag = series(1000, 15, i => 20 + 15 * Math.cos(i / 25));
  const rows = simulate([rps, lag], so);
  const chart = look(
    'thousand',
    renderSvg(rows, { title: 'two triggers over 4 hours', model: so }),
  );
  const value = chart.marks.find(m => m.area === 'plot 0' && m.attrs['stroke'] === VALUE_BLUE);
  const d = value?.attrs['d'] ?? '';
  // Five failed stretches: six pieces of line, about a point per 15 s.
  expect(d.match(/M/g)?.length).toBe(6);
  expect(d.match(/[ML]/g)?.length).toBeGreaterThan(900);
  const strips = chart.marks.filter(
    m => m.tag === 'rect' && m.area === 'plot 0' && m.attrs['fill'] === '#dc2626',
  );
  expect(strips).toHaveLength(5);
  // The Value trigger is drawn against its target (a flat dashed line), not a capacity step.
  const lagTarget = chart.marks.find(
    m => m.area === 'plot 1' && m.attrs['stroke-dasharray'] === '6 4',
  );
  expect(lagTarget?.box.h).toBe(0);
});

test('a 200-character query: the title is cut with an ellipsis and the legend keeps its own line', () => {
  const query =
    `sum(rate(http_requests_total{service="checkout",namespace="shop",code=~"2..|3..",route!~"/health.*"}[2m])) / on() group_left count(up{job="checkout",namespace="shop"}) + ${'x'.repeat(40)}`.slice(
      0,
      200,
    );
  expect(query).toHaveLength(200);
  const so = model();
  const rows = simulate([series(120, 15, i => 100 + i * 5)], so);
  const chart = look('long-query', renderSvg(rows, { title: `checkout: ${query}`, model: so }));
  const title = chart.marks.find(m => m.area === 'title');
  expect(title?.text?.endsWith('…')).toBe(true);
  expect(
    chart.marks.filter(m => m.area === 'legend' && m.tag === 'text').length,
  ).toBeGreaterThanOrEqual(3);
});

async function simulateCli(args: string[]): Promise<void> {
  const code = await main(
    ['simulate', ...args],
    {},
    { out: () => undefined, err: () => undefined },
  );
  expect(code).toBe(0);
}

test('the formula example: composite against target × replicas, formula inputs, fallback shading', async () => {
  const svg = join(dir, 'example.svg');
  await simulateCli(['--scaledobject', EXAMPLE, '--series', EXAMPLE_CSV, '--svg', svg]);
  const chart = look('example', readFileSync(svg, 'utf8'));
  const headings = chart.marks.filter(m => m.area.startsWith('heading')).map(m => m.text ?? '');
  expect(headings[0]).toMatch(/^composite max\(rps \/ 50, queue \/ 20\), AverageValue/);
  expect(headings.slice(1, 3)).toEqual(["rps: the formula's input", "queue: the formula's input"]);
  expect(chart.marks.some(m => m.tag === 'rect' && m.attrs['fill'] === '#f97316')).toBe(true);
});

test('--set variants share the frame: one replica line and one target line per variant', async () => {
  const svg = join(dir, 'variants.svg');
  await simulateCli([
    '--scaledobject',
    EXAMPLE,
    '--trigger',
    '0',
    '--series',
    EXAMPLE_CSV,
    '--set',
    'threshold=25,50,100',
    '--svg',
    svg,
  ]);
  const chart = look('variants', readFileSync(svg, 'utf8'));
  const replicaPanel = chart.areas.filter(a => a.name.startsWith('plot')).length - 1;
  const lines = chart.marks.filter(
    m => m.area === `plot ${replicaPanel}` && m.tag === 'path' && m.attrs['stroke-width'] === '2',
  );
  expect(lines).toHaveLength(3);
  const targets = chart.marks.filter(
    m => m.area === 'plot 0' && m.attrs['stroke-dasharray'] === '6 4',
  );
  expect(targets).toHaveLength(3);
});

/** Euclidean distance of two #rrggbb colours in RGB. */
function colourDistance(a: string, b: string): number {
  const rgb = (c: string) => [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16));
  const [x, y] = [rgb(a), rgb(b)];
  return Math.hypot(...x.map((v, i) => v - (y[i] ?? 0)));
}

// Was: the demo chart's axis was UTC clock time while its table counts seconds; the load
// phases were not marked; the final drop to 0 sat on the right border.
test('the demo chart: seconds from the start, load phases marked, the drop to 0 inside the plot', () => {
  const so = model({
    pollingIntervalSeconds: 5,
    cooldownPeriodSeconds: 20,
    maxReplicaCount: 10,
    triggers: [{ name: 'demo', metricType: 'AverageValue', threshold: 10, activationThreshold: 1 }],
  });
  const rate = (i: number): number => (i < 4 ? 0 : i < 6 ? 15 : i < 8 ? 35 : i < 11 ? 70 : 0);
  const rows = simulate([series(40, 5, rate)], so).filter(
    (_r, i, all) => i <= all.findIndex((x, j) => j > 20 && x.replicas === 0),
  );
  expect(rows[rows.length - 1]?.replicas).toBe(0);
  const events = [
    { t: T0 + 20, label: 'load 15 req/s' },
    { t: T0 + 30, label: 'load 35 req/s' },
    { t: T0 + 40, label: 'load 70 req/s' },
    { t: T0 + 55, label: 'load stopped' },
  ];
  const chart = look(
    'demo-elapsed',
    renderSvg(rows, {
      title: 'demo: sum(rate(demo_http_requests_total[10s]))',
      model: so,
      clock: { kind: 'elapsed', startS: T0 },
      events,
    }),
  );
  const axis = chart.marks.filter(m => m.area === 'x-axis').map(m => m.text ?? '');
  expect(axis).toContain('0s');
  expect(axis.filter(t => /^\d+s$/.test(t)).length).toBeGreaterThanOrEqual(4);
  expect(axis).toContain('seconds from the start (2025-11-23 08:00:00 UTC)');
  const labels = chart.marks.filter(m => m.area === 'plot 0' && m.tag === 'text').map(m => m.text);
  expect(labels).toEqual(events.map(e => e.label));
  // The replica line's last drop (to 0) is left of the plot's right edge by a step or more.
  const replicaPlot = plotOf(chart, 1) as { x: number; w: number };
  const replicas = chart.marks.find(
    m => m.area === 'plot 1' && m.attrs['stroke'] === '#16a34a' && m.tag === 'path',
  );
  const xs = [...(replicas?.attrs['d'] ?? '').matchAll(/[ML]([\d.]+),/g)].map(m => Number(m[1]));
  const dropX = xs[xs.length - 2] as number;
  expect(replicaPlot.x + replicaPlot.w - dropX).toBeGreaterThan(10);
});

// Was: in simulate, time before a series existed was drawn as 0, like real zero traffic.
test('time before a series exists is a gap with a pale strip, not a line at 0', () => {
  const so = model({
    triggers: [
      { name: 'rps', metricType: 'AverageValue', threshold: 100, activationThreshold: 0 },
      { name: 'lag', metricType: 'Value', threshold: 40, activationThreshold: 2 },
    ],
  });
  const rps = series(80, 15, i => 200 + i);
  // lag's series starts at step 30, and is empty (no series) again at steps 50-59.
  const lag = series(80, 15, () => 20).flatMap((s, i) =>
    i < 30 ? [] : i >= 50 && i < 60 ? [{ ...s, value: 0, empty: true as const }] : [s],
  );
  const rows = simulate([rps, lag], so);
  // KEDA read 0 there (ignoreNullValues): the model is unchanged, only the drawing differs.
  expect(rows[0]?.values[1]).toBe(0);
  expect(rows[0]?.noSeries).toEqual(['lag']);
  const chart = look(
    'no-series',
    renderSvg(rows, { title: 'a series that starts late', model: so }),
  );
  const lagLine = chart.marks.find(m => m.area === 'plot 1' && m.attrs['stroke'] === VALUE_BLUE);
  const d = lagLine?.attrs['d'] ?? '';
  // Two pieces (steps 30-49 and 60-79), nothing drawn before step 30.
  expect(d.match(/M/g)?.length).toBe(2);
  const lagPlot = plotOf(chart, 1) as { x: number; w: number };
  expect(Number(/^M([\d.]+),/.exec(d)?.[1])).toBeGreaterThan(lagPlot.x + lagPlot.w * 0.3);
  const strips = chart.marks.filter(
    m => m.tag === 'rect' && m.area === 'plot 1' && m.attrs['fill'] === '#93c5fd',
  );
  expect(strips).toHaveLength(2);
  expect(
    chart.marks.some(m => m.area === 'legend' && m.text === 'no series yet: a gap (KEDA read 0)'),
  ).toBe(true);
});

// Was: the activation threshold's amber was next to a --set variant's orange.
test("the activation threshold's colour is far from every --set variant's", async () => {
  const svg = join(dir, 'variants-colours.svg');
  await simulateCli([
    '--scaledobject',
    EXAMPLE,
    '--trigger',
    '0',
    '--series',
    EXAMPLE_CSV,
    '--set',
    'threshold=10,20,30,40,50,60,70',
    '--svg',
    svg,
  ]);
  const chart = parseChart(readFileSync(svg, 'utf8'));
  const activation = chart.marks.find(
    m => m.area === 'plot 0' && m.attrs['stroke-dasharray'] === '2 3',
  )?.attrs['stroke'];
  const variants = chart.marks
    .filter(m => m.area === 'plot 0' && m.attrs['stroke-dasharray'] === '6 4')
    .map(m => m.attrs['stroke'] ?? '');
  expect(variants).toHaveLength(7);
  for (const v of variants) expect(colourDistance(activation ?? '', v)).toBeGreaterThan(100);
});
