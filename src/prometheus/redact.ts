// Removes a source's secret values (tokens, passwords, header values) from text the source sent
// back, before that text reaches any message, cache entry or log line.

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Values shorter than this are not searched for: replacing every "1" or "on" would destroy the
 * text, and a secret this short is guessable anyway. Tokens, passwords and tenant ids are longer.
 */
const MIN_SECRET_CHARS = 4;

/** Text from a source, made safe to show; `(text) => text` only where no secret exists (tests). */
export type Redact = (text: string) => string;

/**
 * Secrets longer than this (characters) are searched for by their first MAX_PATTERN_CHARS only: a
 * match on that many characters is the secret, and the regular expression stays small.
 */
const MAX_PATTERN_CHARS = 256;

/** Longest spelling of one character below (`%25F0%259F%2598%2580`, 20); bounds the tail search. */
const MAX_SPELLING_CHARS = 24;

/** `a` → `[aA]`, `7` → `7`: hex digits as any encoder writes them (Go upper, some proxies lower). */
function hexDigit(digit: string): string {
  return /[a-f]/i.test(digit) ? `[${digit.toLowerCase()}${digit.toUpperCase()}]` : digit;
}

function hex(value: number, width: number): string {
  return [...value.toString(16).padStart(width, '0')].map(hexDigit).join('');
}

const JSON_SHORT: Readonly<Record<string, string>> = {
  '"': '\\\\"',
  '\\': '\\\\\\\\',
  '/': '\\\\/',
  '\n': '\\\\n',
  '\r': '\\\\r',
  '\t': '\\\\t',
  '\b': '\\\\b',
  '\f': '\\\\f',
};

const HTML_NAMED: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Every spelling of one character an echo may use, as a regular-expression alternation:
 * - itself;
 * - percent-encoded, each UTF-8 byte as %HH in either case, and encoded twice (%25HH), so it does
 *   not matter which characters an encoder leaves alone: JavaScript's encodeURIComponent keeps
 *   `!'()*`, Go's url.QueryEscape (Thanos, a Go proxy) encodes them, url.PathEscape keeps `:@+$`;
 * - a space as `+` (url.QueryEscape, HTML forms, URLSearchParams), and as `%2B` once more;
 * - JSON and Go string escapes: `\uXXXX` (UTF-16 units), `\xHH` (Go's %q of a byte), `\"`, `\\`;
 * - HTML character references: `&#39;`, `&#x27;`, `&quot;` (Go's html.EscapeString, error pages).
 * Alternatives that start with the same character come longest first.
 */
function spellings(char: string): string {
  const codePoint = char.codePointAt(0)!;
  const bytes = [...Buffer.from(char, 'utf8')];
  const alternatives = [
    bytes.map(b => `%25${hex(b, 2)}`).join(''),
    bytes.map(b => `%${hex(b, 2)}`).join(''),
    [...char]
      .flatMap(c => {
        const units: string[] = [];
        for (let i = 0; i < c.length; i++) units.push(`\\\\u${hex(c.charCodeAt(i), 4)}`);
        return units;
      })
      .join(''),
    bytes.map(b => `\\\\x${hex(b, 2)}`).join(''),
    `&#0*${codePoint};`,
    `&#[xX]0*${hex(codePoint, 1)};`,
  ];
  const short = JSON_SHORT[char];
  if (short !== undefined) alternatives.push(short);
  const named = HTML_NAMED[char];
  if (named !== undefined) alternatives.push(named);
  // A space as `+`, and that `+` encoded again (%2B) by a second encoder.
  if (char === ' ') alternatives.push('%252[bB]', '%2[bB]', '\\+');
  alternatives.push(char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  return `(?:${alternatives.join('|')})`;
}

/** One secret: the spellings of each of its characters, in order. */
function spellingsOf(secret: string): string[] {
  return [...secret].slice(0, MAX_PATTERN_CHARS).map(spellings);
}

interface Needle {
  /** The whole secret in any spelling, global. */
  whole: RegExp;
  /** Each character's spellings, sticky, for following a secret that the text cuts off. */
  units: RegExp[];
  /** Its first MIN_SECRET_CHARS characters in any spelling, global. */
  start: RegExp;
}

/**
 * A redactor for one set of secret values. Each value is searched for in every spelling an echo
 * may use (see {@link spellings}), one character at a time, so a body that quotes the headers,
 * the URL, a form or an HTML page gives nothing away whichever encoder wrote it. A value cut off
 * at the end of the text (a body read only up to a limit) is redacted too, from its first
 * {@link MIN_SECRET_CHARS} characters on.
 */
export class Redactor {
  /** Longest first, so a value that contains another is replaced whole. */
  private readonly needles: Needle[];

  constructor(secrets: Iterable<string>) {
    const set = new Set<string>();
    for (const secret of secrets) if ([...secret].length >= MIN_SECRET_CHARS) set.add(secret);
    this.needles = [...set]
      .sort((a, b) => b.length - a.length)
      .map(secret => {
        const units = spellingsOf(secret);
        return {
          whole: new RegExp(units.join(''), 'g'),
          units: units.map(u => new RegExp(u, 'y')),
          start: new RegExp(units.slice(0, MIN_SECRET_CHARS).join(''), 'g'),
        };
      });
  }

  readonly redact: Redact = text => {
    let out = text;
    for (const needle of this.needles) out = out.replace(needle.whole, REDACTED);
    return this.redactCutTail(out);
  };

  /** The start of a secret at the very end of the text: the rest was never read. */
  private redactCutTail(text: string): string {
    for (const needle of this.needles) {
      const from = Math.max(0, text.length - needle.units.length * MAX_SPELLING_CHARS);
      needle.start.lastIndex = from;
      for (let m = needle.start.exec(text); m !== null; m = needle.start.exec(text)) {
        if (this.runsToEnd(needle, text, m.index)) return `${text.slice(0, m.index)}${REDACTED}`;
        needle.start.lastIndex = m.index + 1;
      }
    }
    return text;
  }

  /** Whether the text from `at` is the secret's beginning, possibly cut inside a spelling. */
  private runsToEnd(needle: Needle, text: string, at: number): boolean {
    let position = at;
    for (const unit of needle.units) {
      if (position === text.length) return true;
      unit.lastIndex = position;
      if (!unit.test(text)) {
        // Cut inside an escape (`%2`, `\u00`, `&#3`): what is left is that escape's start.
        return text.length - position < MAX_SPELLING_CHARS && /^[%\\&]/.test(text.slice(position));
      }
      position = unit.lastIndex;
    }
    return false;
  }
}
