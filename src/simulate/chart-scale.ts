// Axis scales for the simulate charts: value ticks that end on a round number at or above the
// maximum (so nothing is drawn past the top), and UTC clock ticks on round time steps.

/**
 * Round-number ticks from 0 (or below it, for negative values) to the first tick at or above
 * `max`, at most about `count` steps: the axis ends on a tick, so no value is drawn past it.
 */
export function valueTicks(min: number, max: number, count: number, integer = false): number[] {
  const lo = Number.isFinite(min) ? Math.min(0, min) : 0;
  const hi = Number.isFinite(max) && max > lo ? Math.max(0, max) : lo + 1;
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const multiples = integer && mag < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  let step = multiples.map(m => m * mag).find(s => s >= raw) ?? raw;
  if (integer) step = Math.max(1, Math.ceil(step));
  const from = Math.floor(lo / step + 1e-9);
  const to = Math.max(from + 1, Math.ceil(hi / step - 1e-9));
  return Array.from({ length: to - from + 1 }, (_, i) =>
    Number(((from + i) * step).toPrecision(12)),
  );
}

/** A tick label: as many decimals as the step needs, thousands as k and millions as M. */
export function tickLabel(v: number, step: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(4))}M`;
  if (abs >= 1e4) return `${Number((v / 1e3).toPrecision(4))}k`;
  let decimals = 0;
  while (decimals < 6 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6)
    decimals++;
  return v.toFixed(decimals);
}

/** A number in a label: at most 4 significant digits, no float noise (0.1 + 0.2 → 0.3). */
export const formatNumber = (n: number): string => String(Number(n.toPrecision(4)));

/** Time steps, in seconds, a clock axis may use. */
const TIME_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
  172_800, 604_800,
];

export interface TimeTicks {
  /** Unix seconds of each tick, on whole multiples of the step (UTC). */
  ticks: number[];
  label: (t: number) => string;
}

/** Same form as the simulate table's time column: ISO 8601 in UTC, without the T. */
export const utcText = (t: number): string =>
  new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Clock ticks between `first` and `last` (unix seconds): the smallest round step that leaves
 * room for each label (`labelChars` characters wide at most, `width` px of axis, `charPx` per
 * character). Labels are UTC: HH:MM, HH:MM:SS under a minute's step, MM-DD HH:MM across days.
 */
export function timeTicks(first: number, last: number, width: number, charPx: number): TimeTicks {
  const span = Math.max(1, last - first);
  const multiDay = utcText(first).slice(0, 10) !== utcText(last).slice(0, 10);
  const label = (step: number) => (t: number) => {
    const s = utcText(t);
    if (step >= 86_400) return s.slice(5, 10);
    if (multiDay) return s.slice(5, 16);
    return step < 60 ? s.slice(11, 19) : s.slice(11, 16);
  };
  for (const step of TIME_STEPS) {
    const chars = label(step)(first).length;
    const maxTicks = Math.floor(width / (chars * charPx + 24));
    if (span / step + 1 > maxTicks) continue;
    const start = Math.ceil(first / step) * step;
    const ticks: number[] = [];
    for (let t = start; t <= last; t += step) ticks.push(t);
    return { ticks, label: label(step) };
  }
  return { ticks: [first], label: label(604_800) };
}

/**
 * Ticks in seconds from `startS` (the demo's table counts that way): `0s`, `30s`, `1m30s`, on whole
 * multiples of a round step, with room for each label as in {@link timeTicks}.
 */
export function elapsedTicks(
  startS: number,
  first: number,
  last: number,
  width: number,
  charPx: number,
): TimeTicks {
  const span = Math.max(1, last - first);
  const label = (t: number): string => `${Math.round(t - startS)}s`;
  for (const step of TIME_STEPS) {
    const chars = label(last).length;
    if (span / step + 1 > Math.floor(width / (chars * charPx + 24))) continue;
    const ticks: number[] = [];
    for (let k = Math.ceil((first - startS) / step) * step; startS + k <= last; k += step) {
      ticks.push(startS + k);
    }
    return { ticks, label };
  }
  return { ticks: [first], label };
}
