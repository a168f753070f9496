// Times as people type them for --from/--to (RFC 3339, unix seconds, "now", "-2h", "2 hours
// ago") and the `timestamp,value` CSV of `simulate --series`, with unix milliseconds detected.
import { InputFileError } from '../simulate/scaledobject-file';
import type { Sample } from '../simulate/simulate';
import { UsageError } from './command-args';

/** Seconds per unit word; singular, plural and the usual abbreviations. */
const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  week: 604_800,
  weeks: 604_800,
};

/**
 * Unix seconds above this are read as milliseconds: 1e11 s is the year 5138, while 1e11 ms is
 * 1973, so no real timestamp of either kind falls on the wrong side.
 */
const MILLISECONDS_FROM = 1e11;
/** ...and above this as micro- or nanoseconds, which are refused (1e14 ms is the year 5138). */
const TOO_FINE_FROM = 1e14;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const RELATIVE = /^(?:now\s*)?-\s*(\d+(?:\.\d+)?)\s*([a-z]+)$/i;
const AGO = /^(\d+(?:\.\d+)?)\s*([a-z]+)\s+ago$/i;

const FORMATS =
  'RFC 3339 (2024-05-01T12:00:00Z), unix seconds, "now", "-2h" / "now-30m" or "2 hours ago"';

/** Unix seconds for a --from/--to value. @throws {@link UsageError} naming the flag. */
export function parseTimeFlag(text: string, flag: string, nowS = Date.now() / 1000): number {
  const trimmed = text.trim();
  if (/^now$/i.test(trimmed)) return nowS;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    if (n >= MILLISECONDS_FROM) {
      throw new UsageError(
        `${flag}: ${trimmed} looks like unix milliseconds; give seconds (${Math.floor(n / 1000)}) or ${FORMATS}`,
      );
    }
    return n;
  }
  const relative = RELATIVE.exec(trimmed) ?? AGO.exec(trimmed);
  if (relative !== null) {
    const unit = UNIT_SECONDS[(relative[2] ?? '').toLowerCase()];
    if (unit === undefined) {
      throw new UsageError(
        `${flag}: unknown unit "${relative[2]}" in "${trimmed}"; use s, m, h, d or w (or seconds, minutes, hours, days, weeks)`,
      );
    }
    return nowS - Number(relative[1]) * unit;
  }
  if (RFC3339.test(trimmed)) return Date.parse(trimmed.replace(' ', 'T')) / 1000;
  throw new UsageError(`${flag}: expected ${FORMATS}, got "${trimmed.slice(0, 60)}"`);
}

export interface ParsedSeries {
  samples: Sample[];
  /** Set when the timestamps were read as unix milliseconds and converted. */
  note: string | undefined;
}

/**
 * Reads `timestamp,value` lines (a header line is allowed). Timestamps are unix seconds, or unix
 * milliseconds for the whole file (converted, and said so).
 * @throws {@link InputFileError} naming the line.
 */
export function parseSeriesCsv(text: string): ParsedSeries {
  const samples: Sample[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || (i === 0 && /^[a-z_]+\s*,/i.test(trimmed))) return;
    const [t, v, extra] = trimmed.split(',').map(s => s.trim());
    const timestamp = Number(t);
    const value = Number(v);
    if (
      extra !== undefined ||
      !Number.isFinite(timestamp) ||
      !Number.isFinite(value) ||
      t === '' ||
      v === ''
    ) {
      throw new InputFileError(
        `--series line ${i + 1}: expected "timestamp,value" (unix seconds, number), got "${trimmed.slice(0, 80)}"`,
      );
    }
    samples.push({ timestamp, value });
    lines.push(i + 1);
  });
  if (samples.length === 0) throw new InputFileError('--series: no samples');
  const tooFine = samples.findIndex(s => s.timestamp >= TOO_FINE_FROM);
  if (tooFine >= 0) {
    throw new InputFileError(
      `--series line ${lines[tooFine]}: timestamp ${samples[tooFine]?.timestamp} is too large for unix seconds or milliseconds (micro- or nanoseconds?); give unix seconds`,
    );
  }
  const millis = samples.map(s => s.timestamp >= MILLISECONDS_FROM);
  if (!millis.some(Boolean)) return { samples, note: undefined };
  const seconds = millis.indexOf(false);
  if (seconds >= 0) {
    throw new InputFileError(
      `--series line ${lines[seconds]}: timestamp ${samples[seconds]?.timestamp} is in seconds but line ${lines[millis.indexOf(true)]} is in milliseconds; use one unit for the whole file`,
    );
  }
  return {
    samples: samples.map(s => ({ timestamp: s.timestamp / 1000, value: s.value })),
    note: '--series: timestamps are unix milliseconds; read as seconds / 1000',
  };
}
