// Times as people type them for --from/--to: RFC 3339, unix seconds, "now", "-2h", "2 hours ago".
import { MILLISECONDS_FROM, rfc3339Seconds } from '../simulate/series-csv';
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
  const rfc3339 = rfc3339Seconds(trimmed);
  if (rfc3339 !== undefined) return rfc3339;
  throw new UsageError(`${flag}: expected ${FORMATS}, got "${trimmed.slice(0, 60)}"`);
}
