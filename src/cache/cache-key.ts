// The cache key of a query: everything that changes Prometheus's answer, and the TTL.

/** What a key is made of: the parts of a query that change the answer. */
export interface QueryIdentity {
  /**
   * The source's identity (its name), never its URL: two sources on one URL may send different
   * tenant headers or credentials and get different answers.
   */
  sourceId: string;
  /** The PromQL text actually sent (the trigger's query or its activationQuery). */
  query: string;
  namespace: string | undefined;
  queryParameters: Readonly<Record<string, string>>;
  /** Header names are compared lower-cased: a tenant header changes the answer. */
  customHeaders: Readonly<Record<string, string>>;
}

const sorted = (m: Readonly<Record<string, string>>, lower = false): [string, string][] =>
  Object.entries(m)
    .map(([k, v]): [string, string] => [lower ? k.toLowerCase() : k, v])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Source identity, query, namespace, query parameters and custom headers plus the TTL, which is also
 * the time bucket. Not the threshold or the result policy: triggers that differ only there share
 * one query. Callers on the hot path memoise it (core/trigger-cache-keys.ts).
 */
export function cacheKey(id: QueryIdentity, ttlMs: number): string {
  return JSON.stringify([
    id.sourceId,
    id.query,
    id.namespace ?? null,
    sorted(id.queryParameters),
    sorted(id.customHeaders, true),
    ttlMs,
  ]);
}
