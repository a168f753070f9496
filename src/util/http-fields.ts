// HTTP header field rules (RFC 9110 5.1, 5.5): which names and values can be sent as they are.

/** RFC 9110 token characters: anything else cannot be a header name. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * RFC 9110 field-value restricted to ASCII: visible characters with spaces and tabs inside, no
 * CR, LF or other control character (which undici refuses, and which would split a request). The
 * obsolete obs-text range (bytes 0x80-0xFF) is refused too: its meaning depends on the receiver.
 */
const FIELD_VALUE = /^(?:[\x21-\x7e](?:[\x20\x21-\x7e\t]*[\x21-\x7e])?)?$/;

/** The rule a bad value breaks, for messages (the value itself is never shown: it may be secret). */
export const FIELD_VALUE_RULE =
  'value must be visible ASCII, spaces and tabs (RFC 9110 field-value)';

export function isFieldValue(value: string): boolean {
  return FIELD_VALUE.test(value);
}
