// Removes a source's secret values (tokens, passwords, header values) from text the source sent
// back, before that text reaches any message, cache entry or log line.

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Values shorter than this are not searched for: replacing every "1" or "on" would destroy the
 * text, and a secret this short is guessable anyway. Tokens, passwords and tenant ids are longer.
 */
export const MIN_SECRET_CHARS = 4;

/** Text from a source, made safe to show; `(text) => text` only where no secret exists (tests). */
export type Redact = (text: string) => string;

/**
 * A redactor for one set of secret values. Each value is also searched for in the forms an echo
 * may use: JSON-escaped (a body that quotes the headers) and percent-encoded (a body that quotes
 * the URL or form). A value cut off at the end of the text (a body read only up to a limit) is
 * redacted too, from its first {@link MIN_SECRET_CHARS} characters on.
 */
export class Redactor {
  /** Longest first, so a value that contains another is replaced whole. */
  private readonly needles: string[];

  constructor(secrets: Iterable<string>) {
    const set = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_CHARS) continue;
      set.add(secret);
      set.add(JSON.stringify(secret).slice(1, -1));
      set.add(encodeURIComponent(secret));
    }
    this.needles = [...set].sort((a, b) => b.length - a.length);
  }

  readonly redact: Redact = text => {
    let out = text;
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    return this.redactCutTail(out);
  };

  /** The start of a secret at the very end of the text: the rest was never read. */
  private redactCutTail(text: string): string {
    for (const needle of this.needles) {
      // Candidates start within the last needle.length - 1 characters with the needle's start.
      const probe = needle.slice(0, MIN_SECRET_CHARS);
      let i = text.indexOf(probe, Math.max(0, text.length - needle.length + 1));
      while (i !== -1) {
        if (needle.startsWith(text.slice(i))) return `${text.slice(0, i)}${REDACTED}`;
        i = text.indexOf(probe, i + 1);
      }
    }
    return text;
  }
}
