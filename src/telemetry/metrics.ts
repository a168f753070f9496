// What the scaler reports about itself, as intents: the interface every part records through,
// and a no-op implementation for tests. The Prometheus implementation is scaler-metrics.ts.

/** A circuit breaker's state, as the breaker-state gauge encodes it. */
export type BreakerStateName = 'closed' | 'half_open' | 'open';

/**
 * How forwarding one alert batch to one peer replica ended: ok (the peer woke its streams),
 * duplicate (it had the batch already), self (the address is this process), refused (a non-200
 * answer), timeout, error (no connection), dropped (too many forwards queued), resolve_failed
 * (the peers' DNS name did not resolve; counted once per batch).
 */
export type PeerForwardOutcome =
  'ok' | 'duplicate' | 'self' | 'refused' | 'timeout' | 'error' | 'dropped' | 'resolve_failed';

/** One RPC's instruments, bound to its method name once (label lookups per call are measurable). */
export interface RpcMetrics {
  /** A call ended with gRPC status `code` (its name, e.g. "OK") after `seconds` (unary calls). */
  finished(code: string, seconds?: number): void;
}

export interface Metrics {
  /** Instruments for one RPC method; call once per method, not per call. */
  rpc(rpc: string): RpcMetrics;
  /** A server stream of method `rpc` opened or closed. */
  streamOpened(rpc: string): void;
  streamClosed(rpc: string): void;

  /** A query to `source` was sent (it is now in flight). */
  queryStarted(source: string): void;
  /** A query sent to `source` ended with `outcome` ("ok" or an error kind) after `seconds`. */
  queryFinished(source: string, outcome: string, seconds: number): void;
  /** A query to `source` was refused before it was sent (breaker_open, queue_timeout). */
  queryRefused(source: string, outcome: string): void;
  /** Reads every source's breaker state when the metrics are collected. */
  observeBreakers(read: () => Iterable<{ source: string; state: BreakerStateName }>): void;

  /** An evaluation was answered with `outcome` (hit, previous, miss, coalesced, ...). */
  cacheOutcome(outcome: string): void;
  /** The age of a value served to KEDA (s). */
  servedValueAge(seconds: number): void;
  /** Reads the number of cache entries when the metrics are collected. */
  observeCacheEntries(read: () => number): void;

  /** Reads the number of activation watchers when the metrics are collected. */
  observeWatchers(read: () => number): void;
  /** An inactive → active transition was pushed to a stream. */
  activationTransition(cause: 'poll' | 'alert'): void;
  /** A watcher's evaluation failed (its streams stay open). */
  streamEvaluationFailed(): void;

  /** The Alertmanager webhook answered a request with `outcome`. */
  webhookRequest(outcome: string): void;
  /** An accepted alert batch was forwarded to a peer replica with `outcome`. */
  peerForward(outcome: PeerForwardOutcome): void;

  /** New TLS files were refused on reload; the previous certificate keeps serving. */
  tlsReloadFailed(): void;

  /** A trigger's metadata key was accepted and ignored (once per distinct metadata map). */
  metadataWarning(kind: 'legacy' | 'unknown'): void;
}

/** What /metrics serves: the text exposition and its content type. */
export interface MetricsExposition {
  exposition(): Promise<{ contentType: string; text: string }>;
}

const noop = (): void => undefined;
const noopRpc: RpcMetrics = { finished: noop };

/** Records nothing: for unit tests and commands that serve no /metrics. */
export class NoopMetrics implements Metrics {
  rpc: Metrics['rpc'] = () => noopRpc;
  streamOpened: Metrics['streamOpened'] = noop;
  streamClosed: Metrics['streamClosed'] = noop;
  queryStarted: Metrics['queryStarted'] = noop;
  queryFinished: Metrics['queryFinished'] = noop;
  queryRefused: Metrics['queryRefused'] = noop;
  observeBreakers: Metrics['observeBreakers'] = noop;
  cacheOutcome: Metrics['cacheOutcome'] = noop;
  servedValueAge: Metrics['servedValueAge'] = noop;
  observeCacheEntries: Metrics['observeCacheEntries'] = noop;
  observeWatchers: Metrics['observeWatchers'] = noop;
  activationTransition: Metrics['activationTransition'] = noop;
  streamEvaluationFailed: Metrics['streamEvaluationFailed'] = noop;
  webhookRequest: Metrics['webhookRequest'] = noop;
  peerForward: Metrics['peerForward'] = noop;
  tlsReloadFailed: Metrics['tlsReloadFailed'] = noop;
  metadataWarning: Metrics['metadataWarning'] = noop;
}
