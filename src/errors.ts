// The scaler's error taxonomy: protocol-neutral kinds; the gRPC edge maps them to statuses
// (src/scaler/grpc-status.ts), so nothing below the edge knows gRPC.
import { capMessage } from './util/echo';

/**
 * Every failure the scaler knows how to explain. The kind decides the status the edge sends
 * (scaler/grpc-status.ts); nothing else in the code base picks a status.
 */
export type ScalerErrorKind =
  /** Trigger metadata is missing, malformed, out of range or unknown. */
  | 'invalid_metadata'
  /** Metadata asks for something the server's configuration does not allow (a raw URL). */
  | 'permission_denied'
  /** Prometheus rejected the query (400/422) or its result cannot be used as a metric. */
  | 'bad_query'
  /** The query ran but returned nothing usable and the trigger said not to treat that as 0. */
  | 'no_data'
  /** The source could not answer: unreachable, 5xx, timeout, malformed response. */
  | 'unavailable'
  /** The caller's deadline left no time to ask the source. */
  | 'deadline_exceeded'
  /** The caller went away. */
  | 'cancelled'
  /** A server-wide or per-namespace bound is full (open streams). */
  | 'resource_exhausted';

const BRAND = Symbol.for('keda-prometheus-scaler.ScalerError');

/** What a ScalerError carries besides its kind and message (see its fields). */
export interface ScalerErrorOptions {
  cause?: unknown;
  source?: string;
  retryAfterMs?: number | undefined;
  callerSpecific?: boolean;
}

/**
 * An expected failure with a message that is safe to send to KEDA: it names the key, the value
 * (never a secret) and the rule. `cause` is for the log only and is never sent.
 */
export class ScalerError extends Error {
  readonly [BRAND] = true;
  override readonly name = 'ScalerError';

  constructor(
    readonly kind: ScalerErrorKind,
    message: string,
    options?: ScalerErrorOptions,
  ) {
    // Capped here, where every expected failure is made: the cache, the log line and the gRPC
    // status all hold the same bounded text.
    super(capMessage(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.source = options?.source;
    this.retryAfterMs = options?.retryAfterMs;
    this.callerSpecific = options?.callerSpecific === true;
  }

  /** The source name involved, for logs and metrics (never a URL). */
  readonly source: string | undefined;
  /** How long the source asked this request's sender to wait (ms, capped), when it did. */
  readonly retryAfterMs: number | undefined;
  /**
   * The failure depends on who was charged for the query (its slot taken back for another
   * namespace, no slot free in time), not on the query: the result cache never remembers it for
   * the query's other callers.
   */
  readonly callerSpecific: boolean;
}

/** Brand check that survives duplicated module copies (cockatiel / connect-es style). */
export function isScalerError(e: unknown): e is ScalerError {
  return typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}
