// The scaler's own Prometheus metrics, on an injected prom-client registry. Labels are
// low-cardinality only (rpc, code, source, outcome): never the query or a ScaledObject name.
import { Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';

const PREFIX = 'keda_prometheus_scaler_';

type CollectHook = 'breaker' | 'cache' | 'watchers';

/** Seconds; from 1 ms (cache hits, later) to 10 s (past KEDA's 3 s HPA deadline). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ScalerMetrics {
  readonly grpcCalls: Counter<'rpc' | 'code'>;
  readonly grpcDuration: Histogram<'rpc'>;
  readonly queries: Counter<'source' | 'outcome'>;
  readonly queryDuration: Histogram<'source'>;
  readonly inFlight: Gauge<'source'>;
  readonly breakerState: Gauge<'source'>;
  readonly cacheOutcomes: Counter<'outcome'>;
  readonly valueAge: Histogram;
  readonly cacheEntries: Gauge;
  readonly openStreams: Gauge<'rpc'>;
  readonly watchers: Gauge;
  readonly transitions: Counter<'cause'>;
  readonly streamEvaluationErrors: Counter;
  readonly webhookRequests: Counter<'outcome'>;
  readonly tlsReloadFailures: Counter;
  private readonly collectHooks = new Map<CollectHook, () => void>();

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.grpcCalls = new Counter({
      name: `${PREFIX}grpc_calls_total`,
      help: 'gRPC calls handled, by method and status code.',
      labelNames: ['rpc', 'code'],
      registers,
    });
    this.grpcDuration = new Histogram({
      name: `${PREFIX}grpc_call_duration_seconds`,
      help: 'Time to answer a unary gRPC call, by method.',
      labelNames: ['rpc'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queries = new Counter({
      name: `${PREFIX}prometheus_queries_total`,
      help: 'PromQL queries sent to sources, by source and outcome (ok, bad_query, no_data, unavailable, deadline_exceeded, cancelled).',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.queryDuration = new Histogram({
      name: `${PREFIX}prometheus_query_duration_seconds`,
      help: 'Time for a source to answer a PromQL query, by source.',
      labelNames: ['source'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({
      name: `${PREFIX}prometheus_queries_in_flight`,
      help: 'PromQL queries currently running against each source.',
      labelNames: ['source'],
      registers,
    });
    this.breakerState = new Gauge({
      name: `${PREFIX}source_breaker_state`,
      help: 'Circuit breaker state per source: 0 closed, 1 half-open, 2 open.',
      labelNames: ['source'],
      registers,
      collect: () => this.collectHooks.get('breaker')?.(),
    });
    this.cacheOutcomes = new Counter({
      name: `${PREFIX}cache_requests_total`,
      help: 'Evaluations answered, by outcome: hit, miss, coalesced, stale, fallback, error.',
      labelNames: ['outcome'],
      registers,
    });
    this.valueAge = new Histogram({
      name: `${PREFIX}served_value_age_seconds`,
      help: 'Age of the values served to KEDA (now minus the evaluation time sent to Prometheus).',
      buckets: [1, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300],
      registers,
    });
    this.cacheEntries = new Gauge({
      name: `${PREFIX}cache_entries`,
      help: 'Distinct query results held in the cache.',
      registers,
      collect: () => this.collectHooks.get('cache')?.(),
    });
    this.openStreams = new Gauge({
      name: `${PREFIX}open_streams`,
      help: 'Open server streams, by method (StreamIsActive, StreamMetricSpec).',
      labelNames: ['rpc'],
      registers,
    });
    this.watchers = new Gauge({
      name: `${PREFIX}activation_watchers`,
      help: 'Shared activation watchers (one per distinct evaluation with open streams).',
      registers,
      collect: () => this.collectHooks.get('watchers')?.(),
    });
    this.transitions = new Counter({
      name: `${PREFIX}activation_transitions_total`,
      help: 'Inactive to active transitions pushed to streams, by cause (poll, alert).',
      labelNames: ['cause'],
      registers,
    });
    this.streamEvaluationErrors = new Counter({
      name: `${PREFIX}stream_evaluation_errors_total`,
      help: 'Failed watcher evaluations (the streams stay open).',
      registers,
    });
    this.webhookRequests = new Counter({
      name: `${PREFIX}alertmanager_webhook_requests_total`,
      help: 'Alertmanager webhook requests, by outcome (accepted, unauthorized, unsupported_media_type, bad_request, too_large, disabled, method_not_allowed, token_unreadable).',
      labelNames: ['outcome'],
      registers,
    });
    this.tlsReloadFailures = new Counter({
      name: `${PREFIX}tls_reload_failures_total`,
      help: 'Refused re-reads of the gRPC TLS files (unreadable, garbage, or key not matching the certificate); the previous files keep serving.',
      registers,
    });
    collectDefaultMetrics({ register: registry, prefix: PREFIX });
  }

  private readonly transitionChildren = new Map<string, { inc(): void }>();

  /** The transitions counter bound to one cause. */
  transition(cause: 'poll' | 'alert'): { inc(): void } {
    let child = this.transitionChildren.get(cause);
    if (child === undefined) {
      child = this.transitions.labels(cause);
      this.transitionChildren.set(cause, child);
    }
    return child;
  }

  private readonly outcomeChildren = new Map<string, { inc(): void }>();

  /** The cache outcome counter bound to one label value (bound once: hot path). */
  cacheOutcome(outcome: string): { inc(): void } {
    let child = this.outcomeChildren.get(outcome);
    if (child === undefined) {
      child = this.cacheOutcomes.labels(outcome);
      this.outcomeChildren.set(outcome, child);
    }
    return child;
  }

  /** Lets the owner of live state set a gauge right before it is scraped. */
  onCollect(gauge: CollectHook, hook: () => void): void {
    this.collectHooks.set(gauge, hook);
  }
}
