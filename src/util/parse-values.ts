// Value parsers with KEDA's own rules (pkg/scalers/scalersconfig/typed_config.go), shared by
// trigger metadata and server config so both report problems in the same words; durations of
// our own (not KEDA's) take a unit.

/** A parse outcome: the value, or the rule the input broke (without the key or the value). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; rule: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(rule: string): Parsed<T> => ({ ok: false, rule });

/**
 * KEDA parses float metadata with Go's encoding/json, so only the JSON number grammar is valid:
 * `100`, `-5`, `1.5e3`; not `.5`, `5.`, `+5`, `01`, `0x10`, `NaN`, `Inf`, `1_000` (Go
 * encoding/json).
 */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function parseJsonNumber(text: string): Parsed<number> {
  if (!JSON_NUMBER.test(text)) return fail('must be a number (JSON number syntax, e.g. 10 or 2.5)');
  const value = Number(text);
  // Go's json.Unmarshal refuses numbers that overflow float64 (e.g. 1e999).
  if (!Number.isFinite(value)) return fail('must be a finite number');
  return ok(value);
}

/** Go's strconv.ParseBool set; anything else (`yes`, `on`) is an error, as in KEDA. */
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseGoBool(text: string): Parsed<boolean> {
  if (TRUE_WORDS.has(text)) return ok(true);
  if (FALSE_WORDS.has(text)) return ok(false);
  return fail('must be a boolean (true/false, 1/0, t/f)');
}

/**
 * KEDA's `k=v,k=v` map: split on `,`, each item must split on `=` into exactly two parts, key and
 * value trimmed. Values can therefore contain neither `,` nor `=` (same as KEDA).
 */
export function parseKeyValueMap(text: string): Parsed<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const item of text.split(',')) {
    const parts = item.split('=');
    if (parts.length !== 2) return fail(`must be key=value pairs separated by commas`);
    const key = (parts[0] ?? '').trim();
    const value = (parts[1] ?? '').trim();
    if (key === '') return fail('must be key=value pairs with non-empty keys');
    out[key] = value;
  }
  return ok(out);
}

const GO_DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * One `<number><unit>` term of a Go duration, e.g. `1.5h` or `30s`. Written so that a run of digits
 * splits one way only (`\d+\.?\d*` could split it anywhere, and 60,000 digits without a unit took
 * 3 s of backtracking on the event loop).
 */
const GO_DURATION_TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * KEDA's duration rule (typed_config.go, since v2.18): a Go duration string (`500ms`, `3s`,
 * `1m30s`)
 * or a whole number of milliseconds; negative values are rejected. Returns milliseconds.
 */
export function parseDurationMs(text: string): Parsed<number> {
  const rule = "must be a duration such as '500ms', '3s' or '1m30s', or a number of milliseconds";
  if (/^[+-]?\d+$/.test(text)) {
    const ms = Number(text);
    if (ms < 0) return fail('must not be negative');
    return ok(ms);
  }
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') return fail(rule);
  let total = 0;
  GO_DURATION_TERM.lastIndex = 0;
  while (GO_DURATION_TERM.lastIndex < rest.length) {
    const match = GO_DURATION_TERM.exec(rest);
    if (match === null) return fail(rule);
    const unit = GO_DURATION_UNIT_MS[match[2] ?? ''];
    if (unit === undefined) return fail(rule);
    total += Number(match[1]) * unit;
  }
  if (sign < 0 && total > 0) return fail('must not be negative');
  return ok(total);
}

/** Digits alone, or with a fraction: a number that names no unit. */
const BARE_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Our own durations (the configuration file, our trigger keys such as cacheTTL, CLI flags): a Go
 * duration with a unit. KEDA's bare-number rule is kept only where KEDA has it (the trigger's
 * `timeout`, {@link parseDurationMs}); elsewhere a bare `3` reads as 3 ms to one person and 3 s to
 * the next, so it is refused with both spellings of the fix. Returns milliseconds.
 */
export function parseUnitDurationMs(text: string): Parsed<number> {
  const bare = text.trim();
  // Zero is zero in any unit (`maxStaleness: 0` never serves a stale value).
  if (BARE_NUMBER.test(bare) && Number(bare) !== 0) {
    const n = bare.replace(/^\+/, '');
    return fail(`needs a unit: write "${n}s" for seconds or "${n}ms" for milliseconds`);
  }
  return parseDurationMs(text);
}
