// A trigger's upstream request and its cache key, made by one function: whatever reaches
// Prometheus reaches the key, so callers that share a cache entry always send the same request.
import type { InstantQuery } from '../prometheus/query-client';
import { compactKey } from '../util/compact-key';
import type { ResolvedTrigger } from './resolve-trigger';

/** Everything sent to the source for one query except its evaluation time (the cache's bucket). */
type UpstreamRequest = Readonly<Omit<InstantQuery, 'timeMs' | 'maxResponseBytes'>>;

export interface KeyedRequest {
  request: UpstreamRequest;
  /**
   * The source's identity, every field of `request` and the TTL (also the time bucket); compact
   * (util/compact-key.ts), so a long query's key is kept as a digest.
   */
  key: string;
}

/** Which of the trigger's two queries: `query`, or `activationQuery` (the query when it has none). */
export type QueryChoice = 'query' | 'activation';

const byName = ([a]: [string, unknown], [b]: [string, unknown]): number =>
  a < b ? -1 : a > b ? 1 : 0;

/**
 * Every field of the request in a fixed order, maps as sorted entries; header names lower-cased
 * (HTTP compares them so). Walks the request's own fields rather than a list of them, so a field
 * added to the request is in the key without anyone remembering to put it there.
 */
function canonical(request: UpstreamRequest): unknown[] {
  return Object.entries(request)
    .sort(byName)
    .map(([field, value]) => {
      if (typeof value !== 'object' || value === null) return [field, value ?? null];
      const lower = field === 'customHeaders';
      const entries = Object.entries(value as Record<string, string>).map(
        ([k, v]): [string, string] => [lower ? k.toLowerCase() : k, v],
      );
      return [field, entries.sort(byName)];
    });
}

/**
 * The request a trigger sends and the key of its cached answer. Only what changes Prometheus's
 * answer is in it: the source's identity (its name, never its URL: two sources on one URL may be
 * different tenants), the query text, `namespace`, query parameters, the trigger's own headers,
 * the method and the upstream timeout. Per-caller choices (threshold, fallbackValue,
 * maxStaleness, the trigger's `timeout`, which bounds only its own caller's wait) are applied by
 * each caller after the shared part (core/evaluate.ts).
 *
 * The upstream timeout is the source's; `queryParameters: timeout=…` (which KEDA's built-in
 * trigger passes to Prometheus) may only lower it, and being in the request it is in the key.
 */
export function upstreamRequest(
  trigger: Pick<ResolvedTrigger, 'spec' | 'source'>,
  which: QueryChoice,
  ttlMs: number,
): KeyedRequest {
  const { spec, source } = trigger;
  const asked = spec.queryTimeoutMs;
  const request: UpstreamRequest = {
    query: which === 'activation' ? (spec.activationQuery ?? spec.query) : spec.query,
    timeoutMs:
      asked === undefined ? source.defaultTimeoutMs : Math.min(asked, source.defaultTimeoutMs),
    namespace: spec.namespace,
    queryParameters: spec.queryParameters,
    customHeaders: spec.customHeaders,
    method: spec.httpMethod,
  };
  const key = compactKey(JSON.stringify([source.id, ttlMs, canonical(request)]));
  return { request, key };
}
