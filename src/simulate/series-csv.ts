// Reads the replay's input CSV: a timestamp column (unix seconds) and one value column per
// trigger, matched by the header's trigger names or by order; an empty cell or `error` is a
// failed query at that time.
import type { Sample } from './simulate';
import { InputFileError } from './scaledobject-file';

const FAILED = new Set(['', 'error', 'err', '-']);

/**
 * @param triggerNames the triggers to feed, in order.
 * @returns one series per trigger.
 * @throws {@link InputFileError} naming the line or the column.
 */
export function parseSeriesCsv(text: string, triggerNames: string[]): Sample[][] {
  const lines = text.split(/\r?\n/).map(l => l.trim());
  const firstIndex = lines.findIndex(l => l !== '');
  const first = lines[firstIndex] ?? '';
  const hasHeader = /^[A-Za-z_"]/.test(first);
  const header = hasHeader ? first.split(',').map(h => h.trim().replace(/^"|"$/g, '')) : [];
  const columns = columnsFor(
    header,
    triggerNames,
    hasHeader ? header.length : first.split(',').length,
  );
  const out: Sample[][] = triggerNames.map(() => []);
  lines.forEach((line, i) => {
    if (line === '' || (hasHeader && i === firstIndex)) return;
    const cells = line.split(',').map(c => c.trim());
    const t = cells[0] ?? '';
    const timestamp = Number(t);
    if (t === '' || !Number.isFinite(timestamp)) {
      throw new InputFileError(
        `--series line ${i + 1}: the timestamp must be unix seconds, got "${t}"`,
      );
    }
    columns.forEach((c, k) => {
      const cell = cells[c];
      if (cell === undefined)
        throw new InputFileError(
          `--series line ${i + 1}: expected ${columns.length + 1} columns, got "${line}"`,
        );
      const failed = FAILED.has(cell.toLowerCase());
      const value = Number(cell);
      if (!failed && !Number.isFinite(value))
        throw new InputFileError(
          `--series line ${i + 1}: "${cell}" is not a number (an empty cell or "error" marks a failed query)`,
        );
      (out[k] as Sample[]).push({ timestamp, value: failed ? null : value });
    });
  });
  if (out.every(s => s.length === 0)) throw new InputFileError('--series: no samples');
  return out;
}

/** The CSV column (0-based, 0 is the timestamp) of each trigger. */
function columnsFor(header: string[], names: string[], width: number): number[] {
  if (header.length > 0 && names.every(n => header.includes(n)))
    return names.map(n => header.indexOf(n));
  if (width - 1 === names.length) return names.map((_, i) => i + 1);
  throw new InputFileError(
    `--series: ${width - 1} value column(s) for ${names.length} trigger(s) (${names.join(', ')}); ` +
      'give one column per trigger, in order or named after the triggers in the header',
  );
}
