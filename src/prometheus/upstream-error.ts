// How a failed query counts towards the circuit breakers: the source's own failures count against
// the source, refusals of an identity against that identity, failures a query or a trigger's
// metadata can cause against neither, and Retry-After is honoured.
import { ScalerError, isScalerError } from '../errors';
import type { ScalerErrorKind, ScalerErrorOptions } from '../errors';

/**
 * success: the source answered (a query's own fault: 400/422, a request too large);
 * failure: the request failed (unreachable, refused, timed out, 5xx, malformed answer); `scope`
 * says which breaker, if any, counts it;
 * neutral: neither (the caller went away, the answer was larger than maxResponseBytes).
 */
type BreakerVerdictKind = 'success' | 'failure' | 'neutral';

export interface BreakerVerdict {
  verdict: BreakerVerdictKind;
  /** The source's Retry-After (ms, capped), when it sent one with a failure. */
  retryAfterMs: number | undefined;
  /**
   * Whose failure it is. `source` (the default): nothing a query can cause (a connection that
   * could not be made). `identity`: a refusal of the identity the request was sent as (401, 429,
   * a 403 under a trigger's own headers, a gateway's 503 with Retry-After: the source's
   * credentials, plus the tenant or route a trigger's own customHeaders select). `query`: what
   * one query or a trigger's metadata can cause on a healthy source (its time ran out, however
   * the trigger set it; a 5xx; an answer cut short or not JSON): it counts against no shared
   * breaker, so one namespace's costly or odd queries never stop another namespace's; the result
   * cache remembers it for that query alone.
   */
  scope?: 'source' | 'identity' | 'query';
  /** The body was Prometheus's own error envelope (`status: error`): about this query. */
  envelope?: boolean;
}

const UPSTREAM_BRAND = Symbol.for('keda-prometheus-scaler.UpstreamError');

/** A ScalerError that says how it counts towards the source's breaker. */
export class UpstreamError extends ScalerError {
  readonly [UPSTREAM_BRAND] = true;

  constructor(
    kind: ScalerErrorKind,
    message: string,
    readonly breaker: BreakerVerdict,
    options: ScalerErrorOptions & { source: string },
  ) {
    super(kind, message, options);
  }
}

/** Brand check, like isScalerError: survives duplicated module copies. */
function isUpstreamError(e: unknown): e is UpstreamError {
  return isScalerError(e) && (e as { [UPSTREAM_BRAND]?: unknown })[UPSTREAM_BRAND] === true;
}

/** How `e` counts: an UpstreamError says so; otherwise by kind (bad_query answered, cancelled neither). */
export function breakerVerdict(e: unknown): BreakerVerdict {
  if (isUpstreamError(e)) return e.breaker;
  const kind = isScalerError(e) ? e.kind : 'internal';
  const verdict: BreakerVerdictKind =
    kind === 'bad_query' ? 'success' : kind === 'cancelled' ? 'neutral' : 'failure';
  return { verdict, retryAfterMs: undefined };
}

/**
 * Longest Retry-After honoured (ms): a wrong or hostile value must not silence a source for
 * hours; five minutes is past any sane rate-limit window and within KEDA's fallback handling.
 */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Reads Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP date, as milliseconds from `nowMs`,
 * capped at {@link MAX_RETRY_AFTER_MS}; undefined when absent, unreadable or not in the future.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}
