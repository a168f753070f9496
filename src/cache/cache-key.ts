// The cache key of a trigger's query: everything that changes Prometheus's answer, and the TTL.
import type { ResolvedTrigger } from '../scaler/resolve-trigger';

const keys = new WeakMap<ResolvedTrigger, Map<string, string>>();

const sorted = (m: Readonly<Record<string, string>>, lower = false): [string, string][] =>
  Object.entries(m)
    .map(([k, v]): [string, string] => [lower ? k.toLowerCase() : k, v])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Source URL, query (the trigger's query or its activationQuery), namespace, query parameters and custom headers (a tenant header changes the
 * answer) plus the TTL, which is also the time bucket. Not the threshold or the result policy:
 * triggers that differ only there share one query. Memoised per resolved trigger (hot path).
 */
export function cacheKey(trigger: ResolvedTrigger, ttlMs: number, query: string): string {
  let byTtl = keys.get(trigger);
  if (byTtl === undefined) {
    byTtl = new Map();
    keys.set(trigger, byTtl);
  }
  const memo = `${ttlMs}:${query}`;
  let key = byTtl.get(memo);
  if (key === undefined) {
    const { spec, source } = trigger;
    key = JSON.stringify([
      source.url,
      query,
      spec.namespace ?? null,
      sorted(spec.queryParameters),
      sorted(spec.customHeaders, true),
      ttlMs,
    ]);
    byTtl.set(memo, key);
  }
  return key;
}
