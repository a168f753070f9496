// Reads the replay's input CSV: a timestamp column (unix seconds) and one value column per
// trigger, matched by the header's trigger names or by order; an empty cell or `error` is a
// failed query at that time. Unix milliseconds are detected for the whole file and converted;
// RFC 3339 times (with their zone) are read too.
import { didYouMeanSuffix } from '../util/did-you-mean';
import type { Sample } from './simulate';

/** The series file is unreadable or malformed; the message names the line or the column. */
export class SeriesFileError extends Error {
  override readonly name = 'SeriesFileError';
}

const FAILED = new Set(['', 'error', 'err', '-']);

/**
 * Unix seconds at or above this are read as milliseconds: 1e11 s is the year 5138, while 1e11 ms
 * is 1973, so no real timestamp of either kind falls on the wrong side.
 */
export const MILLISECONDS_FROM = 1e11;
/** ...and at or above this as micro- or nanoseconds, which are refused (1e14 ms is the year 5138). */
const TOO_FINE_FROM = 1e14;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Unix seconds of an RFC 3339 time with its zone (2024-05-01T12:00:00Z), else undefined. */
export function rfc3339Seconds(text: string): number | undefined {
  return RFC3339.test(text) ? Date.parse(text.replace(' ', 'T')) / 1000 : undefined;
}

export interface ParsedSeries {
  /** One series per trigger, in the order of the names given. */
  series: Sample[][];
  /** Set when the timestamps were read as unix milliseconds and converted. */
  note: string | undefined;
}

/**
 * @param triggerNames the triggers to feed, in order.
 * @throws {@link SeriesFileError} naming the line or the column.
 */
export function parseSeriesCsv(text: string, triggerNames: string[]): ParsedSeries {
  const lines = text.split(/\r?\n/).map(l => l.trim());
  const firstIndex = lines.findIndex(l => l !== '');
  const first = lines[firstIndex] ?? '';
  const hasHeader = /^[A-Za-z_"]/.test(first);
  const header = hasHeader ? first.split(',').map(h => h.trim().replace(/^"|"$/g, '')) : [];
  const width = hasHeader ? header.length : first.split(',').length;
  if (first === '') throw new SeriesFileError('--series: the file is empty');
  const columns = columnsFor(header, triggerNames, width);
  const out: Sample[][] = triggerNames.map(() => []);
  const stamps: { line: number; timestamp: number }[] = [];
  lines.forEach((line, i) => {
    if (line === '' || (hasHeader && i === firstIndex)) return;
    const cells = line.split(',').map(c => c.trim());
    const t = cells[0] ?? '';
    const timestamp = /^\d/.test(t) && !/^[\d.]+$/.test(t) ? rfc3339Seconds(t) : Number(t);
    if (t === '' || timestamp === undefined || !Number.isFinite(timestamp)) {
      throw new SeriesFileError(
        `--series line ${i + 1}: the timestamp must be unix seconds or RFC 3339, got "${t.slice(0, 40)}"`,
      );
    }
    // A longer row would be read by position and its extra cells dropped without a word.
    if (cells.length > width)
      throw new SeriesFileError(
        `--series line ${i + 1}: ${cells.length} cells, but the ${hasHeader ? 'header' : 'first line'} has ${width}: "${line.slice(0, 80)}"`,
      );
    stamps.push({ line: i + 1, timestamp });
    columns.forEach((c, k) => {
      const cell = cells[c];
      if (cell === undefined)
        throw new SeriesFileError(
          `--series line ${i + 1}: expected ${columns.length + 1} columns, got "${line.slice(0, 80)}"`,
        );
      const failed = FAILED.has(cell.toLowerCase());
      const value = Number(cell);
      if (!failed && !Number.isFinite(value))
        throw new SeriesFileError(
          `--series line ${i + 1}: "${cell.slice(0, 40)}" is not a number (an empty cell or "error" marks a failed query)`,
        );
      (out[k] as Sample[]).push({ timestamp, value: failed ? null : value });
    });
  });
  if (out.every(s => s.length === 0)) throw new SeriesFileError('--series: no samples');
  const scale = timestampScale(stamps);
  return scale === 1
    ? { series: out, note: undefined }
    : {
        series: out.map(s => s.map(x => ({ ...x, timestamp: x.timestamp / scale }))),
        note: '--series: timestamps are unix milliseconds; read as seconds / 1000',
      };
}

/** 1 for unix seconds, 1000 for a file in unix milliseconds; anything else is refused. */
function timestampScale(stamps: { line: number; timestamp: number }[]): number {
  const tooFine = stamps.find(s => s.timestamp >= TOO_FINE_FROM);
  if (tooFine !== undefined) {
    throw new SeriesFileError(
      `--series line ${tooFine.line}: timestamp ${tooFine.timestamp} is too large for unix seconds or milliseconds (micro- or nanoseconds?); give unix seconds`,
    );
  }
  const millis = stamps.find(s => s.timestamp >= MILLISECONDS_FROM);
  if (millis === undefined) return 1;
  const seconds = stamps.find(s => s.timestamp < MILLISECONDS_FROM);
  if (seconds !== undefined) {
    throw new SeriesFileError(
      `--series line ${seconds.line}: timestamp ${seconds.timestamp} is in seconds but line ${millis.line} is in milliseconds; use one unit for the whole file`,
    );
  }
  return 1000;
}

/**
 * The CSV column (0-based, 0 is the timestamp) of each trigger: by the header's names when it
 * names every trigger, else by order. A header that names some triggers but not all, or a column
 * one typo away from a trigger's name, is refused: read by order, it would feed a column to the
 * wrong trigger without a word.
 */
function columnsFor(header: string[], names: string[], width: number): number[] {
  if (header.length > 0 && names.every(n => header.includes(n)))
    return names.map(n => header.indexOf(n));
  const unknown = header.slice(1).filter(h => !names.includes(h));
  const misnamed = unknown.find(h => didYouMeanSuffix(h, names) !== '');
  if (misnamed !== undefined || (unknown.length > 0 && unknown.length < header.length - 1)) {
    const column = misnamed ?? unknown[0] ?? '';
    throw new SeriesFileError(
      `--series: the header's column "${column.slice(0, 40)}" is not a trigger name` +
        `${didYouMeanSuffix(column, names)}; name every column after a trigger ` +
        `(${names.join(', ')}) or none of them (then the columns are read in order)`,
    );
  }
  if (width - 1 === names.length) return names.map((_, i) => i + 1);
  const separator =
    width === 1 && /[;\t]/.test(header[0] ?? '') ? ' (columns are separated by commas)' : '';
  throw new SeriesFileError(
    `--series: ${width - 1} value column(s) for ${names.length} trigger(s) (${names.join(', ')}); ` +
      `give one column per trigger, in order or named after the triggers in the header${separator}`,
  );
}
