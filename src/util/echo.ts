// The one way a value from outside (metadata, configuration, Prometheus's text) is shown in an
// error message or a log line: cut to a bounded length with its full size, so no input can make a
// message large.

/**
 * Longest echoed value (UTF-16 code units). Long enough for any key, source name, metric name or a
 * Prometheus parse error's position; a 1 MB value shows its start and its size.
 */
const MAX_ECHO_CHARS = 128;

/**
 * Longest whole message (UTF-8 bytes). grpc-js clients stop reading a status whose message passes
 * about 64 KiB (they wait for their deadline instead); 1 KiB is far below that even after the
 * percent-encoding of the grpc-message trailer (gRPC PROTOCOL-HTTP2.md, at most 3x).
 */
export const MAX_MESSAGE_BYTES = 1024;

/** The UTF-8 length of a string, counted without allocating a buffer for it. */
function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The first `max` code units of `text`, never ending in half of a surrogate pair. */
function head(text: string, max: number): string {
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * `text` unchanged when it has at most `max` characters; else its start, "…" and its full size in
 * bytes (`abc… (1048576 bytes)`). For names in the `key: rule` position of a message.
 */
export function clip(text: string, max = MAX_ECHO_CHARS): string {
  if (text.length <= max) return text;
  return `${head(text, max)}… (${utf8Bytes(text)} bytes)`;
}

/**
 * Characters that change how a line reads without being seen: C0 and C1 controls, DEL, the line
 * and paragraph separators, and the bidirectional overrides and isolates (Unicode UAX #9; the
 * "Trojan Source" paper, CVE-2021-42574), which can make `evil` display as `live`.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** JSON.stringify, with the invisible characters it leaves as they are escaped too. */
function literal(text: string): string {
  return JSON.stringify(text).replace(
    new RegExp(INVISIBLE.source, 'g'),
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * `text` as a JSON string literal, cut like {@link clip}: `"abc"`, or `"abc"… (1048576 bytes)` when
 * long. Quotes, newlines, control and bidirectional characters are escaped, so a value cannot
 * forge a line (KEDA's console log prints a status message as it is) or disguise itself.
 */
export function quote(text: string, max = MAX_ECHO_CHARS): string {
  if (text.length <= max) return literal(text);
  return `${literal(head(text, max))}… (${utf8Bytes(text)} bytes)`;
}

/**
 * A name from outside (a metadata or configuration key) in the `key: rule` position: as it is
 * when it holds only visible characters, else quoted like a value, so a key with CR, LF, NUL or a
 * bidirectional override cannot split or disguise the message.
 */
export function clipName(text: string, max = MAX_ECHO_CHARS): string {
  return INVISIBLE.test(text) ? quote(text, max) : clip(text, max);
}

/**
 * A whole message cut to {@link MAX_MESSAGE_BYTES} of UTF-8, with its full size when cut. Applied
 * once, where every error message is made (ScalerError), so the gRPC status and the log line carry
 * the same text. Idempotent: a message already cut is short enough.
 */
export function capMessage(message: string, maxBytes = MAX_MESSAGE_BYTES): string {
  // A code unit is at least one UTF-8 byte: a string this short cannot be over the cap.
  if (message.length <= maxBytes / 3) return message;
  const size = utf8Bytes(message);
  if (size <= maxBytes) return message;
  const suffix = `… (${size} bytes)`;
  const room = maxBytes - utf8Bytes(suffix);
  let cut = head(message, room);
  // Non-ASCII text: drop characters until the UTF-8 form fits (at most 3 bytes per code unit).
  while (utf8Bytes(cut) > room) cut = head(cut, Math.max(0, cut.length - 16));
  return `${cut}${suffix}`;
}
