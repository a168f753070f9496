// Where this scaler deliberately answers differently from KEDA's built-in prometheus trigger
// (docs/migrate.md, "Deliberate differences"), found in one trigger's metadata so that `migrate`
// names each one it meets. The scaler's own parser refuses the rest (a threshold <= 0).

/** The differences text, by the name the docs give each one. */
export const DIFFERENCES = {
  rangeVector:
    "the query looks like a range vector (it ends in [duration]): KEDA reads its result as a silent 0, this scaler answers INVALID_ARGUMENT so that KEDA's fallback engages; wrap it (e.g. max_over_time(...[5m]))",
  scalar: 'the query returns a scalar: KEDA fails on a scalar result, this scaler reads its value',
  namespace:
    'namespace is URL-escaped here; KEDA appends it to the URL as written, so a value with characters that need escaping reached Prometheus differently',
  unsafeSsl:
    "unsafeSsl moves to the source (tls.insecureSkipVerify): left in an external trigger's metadata it would also make KEDA skip verifying the scaler's own certificate",
  threshold:
    'threshold must be > 0 here: KEDA accepts 0 or less and the HPA then refuses the target ("must be positive")',
} as const;

/** A selector or subquery at the end of the expression: `x[5m]`, `x[5m:1m]`, `x[5m] offset 1h`. */
const RANGE_AT_END = /\[[^\]]*\]\s*(offset\s+-?[\w.]+\s*)?(@\s*[\w.()]+\s*)?$/;

/** Expressions whose result type is scalar. */
const SCALAR = /^\s*(scalar\s*\(|time\s*\(\s*\)|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$)/;

/** The differences a trigger's metadata meets (by their text in {@link DIFFERENCES}). */
export function differencesMet(metadata: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const query = metadata['query']?.trim() ?? '';
  if (RANGE_AT_END.test(query)) out.push(DIFFERENCES.rangeVector);
  if (SCALAR.test(query)) out.push(DIFFERENCES.scalar);
  const namespace = metadata['namespace']?.trim();
  if (namespace !== undefined && namespace !== '' && encodeURIComponent(namespace) !== namespace) {
    out.push(DIFFERENCES.namespace);
  }
  return out;
}
