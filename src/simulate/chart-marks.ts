// Data marks for the simulate charts, as SVG paths and rects in pixel space: a line broken at
// missing data, a step line, horizontal reference lines and shaded time spans.
import type { Box } from './chart-layout';

export interface Point {
  /** Unix seconds. */
  t: number;
  /** null: no value here (the query failed); the line breaks. */
  v: number | null;
}

export interface Scales {
  x: (t: number) => number;
  y: (v: number) => number;
}

const n = (v: number): string => (Math.round(v * 10) / 10).toString();

/**
 * A line through the points, broken at a null and across a time gap longer than `maxGap`
 * seconds (no readings there: nothing is drawn, rather than a line or a 0). A lone point
 * between breaks becomes a 1 px dash so it stays visible.
 */
export function linePath(points: Point[], s: Scales, maxGap: number): string {
  const parts: string[] = [];
  let run: string[] = [];
  let lastT: number | undefined;
  const flush = (): void => {
    if (run.length === 1) {
      const [x, y] = (run[0] as string).slice(1).split(',').map(Number) as [number, number];
      run.push(`L${n(x + 1)},${n(y)}`);
    }
    parts.push(...run);
    run = [];
  };
  for (const p of points) {
    if (p.v === null || (lastT !== undefined && p.t - lastT > maxGap)) flush();
    if (p.v !== null) run.push(`${run.length === 0 ? 'M' : 'L'}${n(s.x(p.t))},${n(s.y(p.v))}`);
    lastT = p.t;
  }
  flush();
  return parts.join(' ');
}

/** A step line: each value holds until the next point's time, then `endT`. */
export function stepPath(points: { t: number; v: number }[], s: Scales, endT: number): string {
  const parts: string[] = [];
  let prev: number | undefined;
  for (const p of points) {
    if (prev === undefined) parts.push(`M${n(s.x(p.t))},${n(s.y(p.v))}`);
    else if (p.v !== prev)
      parts.push(`L${n(s.x(p.t))},${n(s.y(prev))}`, `L${n(s.x(p.t))},${n(s.y(p.v))}`);
    prev = p.v;
  }
  const last = points[points.length - 1];
  if (last !== undefined) parts.push(`L${n(s.x(endT))},${n(s.y(last.v))}`);
  return parts.join(' ');
}

export const path = (
  d: string,
  color: string,
  opts: { width?: number; dash?: string } = {},
): string =>
  d === ''
    ? ''
    : `<path d="${d}" fill="none" stroke="${color}" stroke-width="${opts.width ?? 1.5}" stroke-linejoin="round"${opts.dash === undefined ? '' : ` stroke-dasharray="${opts.dash}"`}/>`;

/** The time spans [from, to] where `hit(i)` holds for consecutive items, each up to the next item's time. */
export function spans(
  times: number[],
  hit: (i: number) => boolean,
  endT: number,
): [number, number][] {
  const out: [number, number][] = [];
  times.forEach((t, i) => {
    if (!hit(i)) return;
    const to = times[i + 1] ?? endT;
    const open = out[out.length - 1];
    if (open !== undefined && open[1] >= t) open[1] = Math.max(open[1], to);
    else out.push([t, to]);
  });
  return out;
}

/**
 * Rects shading each span over the box's height (or a `strip` px band at its bottom), at least
 * 2 px wide and kept inside the box.
 */
export function bands(
  list: [number, number][],
  s: Pick<Scales, 'x'>,
  box: Box,
  color: string,
  opts: { opacity: number; strip?: number },
): string[] {
  const h = opts.strip ?? box.h;
  return list.map(([from, to]) => {
    let x0 = s.x(from);
    let x1 = Math.max(s.x(to), x0 + 2);
    if (x1 > box.x + box.w) {
      x1 = box.x + box.w;
      x0 = Math.min(x0, x1 - 2);
    }
    return `<rect x="${n(x0)}" y="${n(box.y + box.h - h)}" width="${n(x1 - x0)}" height="${n(h)}" fill="${color}" fill-opacity="${opts.opacity}"/>`;
  });
}
