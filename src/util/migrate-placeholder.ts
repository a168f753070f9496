// The mark `migrate` leaves where a person must write a value (`<username>`, `<Header-Name>`):
// migrate compares it as "any value", the configuration loader refuses it as "not a value yet".

/** Whether `value` is still migrate's placeholder: `<` a name `>`, nothing else. */
export function isMigratePlaceholder(value: unknown): boolean {
  return typeof value === 'string' && /^<[^<>]+>$/.test(value.trim());
}
