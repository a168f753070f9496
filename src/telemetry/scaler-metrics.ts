// The scaler's own Prometheus metrics (prom-client), on an injected registry. Labels are
// low-cardinality only (rpc, code, source, outcome): never the query or a ScaledObject name.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type {
  BreakerStateName,
  Metrics,
  MetricsExposition,
  PeerForwardOutcome,
  RpcMetrics,
} from './metrics';

/** The registry type, for the composition root and tests that read single metrics. */
export type MetricsRegistry = Registry;

const PREFIX = 'keda_prometheus_scaler_';

type CollectHook = 'cache' | 'watchers';

/** Seconds; from 1 ms (cache hits, later) to 10 s (past KEDA's 3 s HPA deadline). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Gauge values for breaker states (documented with the metric). */
const BREAKER_STATE_VALUE: Record<BreakerStateName, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Label values whose series exist from start-up at 0, so that rate() and increase() (the shipped
 * alerts) count their first event: a series born at 1 has no increase to show. Prometheus's
 * instrumentation guide, "Avoid missing metrics". Peer-forward outcomes stay lazy: most
 * installations have no peers.
 */
const CACHE_OUTCOMES = ['hit', 'previous', 'miss', 'coalesced', 'stale', 'fallback', 'error'];
const TRANSITION_CAUSES = ['poll', 'alert'] as const;
/** Every outcome the webhook answers with to Alertmanager (push/alertmanager-webhook.ts). */
const WEBHOOK_OUTCOMES = [
  'accepted',
  'unauthorized',
  'bad_request',
  'too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'disabled',
  'token_unreadable',
];
/** gRPC codes the alerts divide by or count, per method. */
const RPC_CODES = ['OK', 'UNAVAILABLE'];

/** Children bound once per label value: label hashing per call is measurable on the hot path. */
function boundBy<C>(make: (label: string) => C): (label: string) => C {
  const children = new Map<string, C>();
  return label => {
    let child = children.get(label);
    if (child === undefined) {
      child = make(label);
      children.set(label, child);
    }
    return child;
  };
}

export class ScalerMetrics implements Metrics, MetricsExposition {
  private readonly grpcCalls: Counter<'rpc' | 'code'>;
  private readonly grpcDuration: Histogram<'rpc'>;
  private readonly queries: Counter<'source' | 'outcome'>;
  private readonly queryDuration: Histogram<'source'>;
  private readonly inFlight: Gauge<'source'>;
  private readonly breakerState: Gauge<'source'>;
  private readonly cacheOutcomes: Counter<'outcome'>;
  private readonly valueAge: Histogram;
  private readonly cacheEntries: Gauge;
  private readonly openStreams: Gauge<'rpc'>;
  private readonly watchers: Gauge;
  private readonly transitions: Counter<'cause'>;
  private readonly streamEvaluationErrors: Counter;
  private readonly webhookRequests: Counter<'outcome'>;
  private readonly peerForwards: Counter<'outcome'>;
  private readonly tlsReloadFailures: Counter;
  private readonly metadataWarnings: Counter<'kind'>;
  private readonly collectHooks = new Map<CollectHook, () => void>();

  private readonly cacheOutcomeChild = boundBy(outcome => this.cacheOutcomes.labels(outcome));
  private readonly transitionChild = boundBy(cause => this.transitions.labels(cause));
  private readonly openStreamsChild = boundBy(rpc => this.openStreams.labels(rpc));

  constructor(readonly registry: MetricsRegistry = new Registry()) {
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
      help: 'PromQL queries sent to sources, by source and outcome (ok, bad_query, no_data, unavailable, deadline_exceeded, cancelled, preempted).',
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
      collect: () => this.collectBreakers(),
    });
    this.cacheOutcomes = new Counter({
      name: `${PREFIX}cache_requests_total`,
      help: 'Evaluations answered, by outcome: hit, previous, miss, coalesced, stale, fallback, error.',
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
      help: 'Alertmanager webhook requests, by outcome (accepted, unauthorized, unsupported_media_type, bad_request, too_large, disabled, method_not_allowed, token_unreadable; from peer replicas: peer_accepted, peer_duplicate, peer_self).',
      labelNames: ['outcome'],
      registers,
    });
    this.peerForwards = new Counter({
      name: `${PREFIX}peer_forwards_total`,
      help: 'Alert batches forwarded to peer replicas, by outcome (ok, duplicate, self, refused, timeout, error, dropped, resolve_failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.tlsReloadFailures = new Counter({
      name: `${PREFIX}tls_reload_failures_total`,
      help: 'Refused re-reads of the gRPC TLS files (unreadable, garbage, or key not matching the certificate); the previous files keep serving.',
      registers,
    });
    this.metadataWarnings = new Counter({
      name: `${PREFIX}metadata_warnings_total`,
      help: 'Trigger metadata keys accepted and ignored, once per distinct metadata map, by kind (legacy: a key KEDA ignores too; unknown: accepted under unknownMetadataKeys: warn).',
      labelNames: ['kind'],
      registers,
    });
    collectDefaultMetrics({ register: registry, prefix: PREFIX });
    for (const outcome of CACHE_OUTCOMES) this.cacheOutcomeChild(outcome).inc(0);
    for (const cause of TRANSITION_CAUSES) this.transitionChild(cause).inc(0);
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookRequests.inc({ outcome }, 0);
    for (const kind of ['legacy', 'unknown']) this.metadataWarnings.inc({ kind }, 0);
  }

  rpc(rpc: string): RpcMetrics {
    const duration = this.grpcDuration.labels(rpc);
    const calls = boundBy(code => this.grpcCalls.labels(rpc, code));
    for (const code of RPC_CODES) calls(code).inc(0);
    return {
      finished(code: string, seconds?: number): void {
        if (seconds !== undefined) duration.observe(seconds);
        calls(code).inc();
      },
    };
  }

  streamOpened(rpc: string): void {
    this.openStreamsChild(rpc).inc();
  }

  streamClosed(rpc: string): void {
    this.openStreamsChild(rpc).dec();
  }

  queryStarted(source: string): void {
    this.inFlight.inc({ source });
  }

  queryFinished(source: string, outcome: string, seconds: number): void {
    this.queries.inc({ source, outcome });
    this.queryDuration.observe({ source }, seconds);
    this.inFlight.dec({ source });
  }

  queryRefused(source: string, outcome: string): void {
    this.queries.inc({ source, outcome });
  }

  private readBreakers: (() => Iterable<{ source: string; state: BreakerStateName }>) | undefined;

  observeBreakers(read: () => Iterable<{ source: string; state: BreakerStateName }>): void {
    this.readBreakers = read;
  }

  private collectBreakers(): void {
    for (const { source, state } of this.readBreakers?.() ?? []) {
      this.breakerState.set({ source }, BREAKER_STATE_VALUE[state]);
    }
  }

  cacheOutcome(outcome: string): void {
    this.cacheOutcomeChild(outcome).inc();
  }

  servedValueAge(seconds: number): void {
    this.valueAge.observe(seconds);
  }

  observeCacheEntries(read: () => number): void {
    this.collectHooks.set('cache', () => this.cacheEntries.set(read()));
  }

  observeWatchers(read: () => number): void {
    this.collectHooks.set('watchers', () => this.watchers.set(read()));
  }

  activationTransition(cause: 'poll' | 'alert'): void {
    this.transitionChild(cause).inc();
  }

  streamEvaluationFailed(): void {
    this.streamEvaluationErrors.inc();
  }

  webhookRequest(outcome: string): void {
    this.webhookRequests.inc({ outcome });
  }

  peerForward(outcome: PeerForwardOutcome): void {
    this.peerForwards.inc({ outcome });
  }

  tlsReloadFailed(): void {
    this.tlsReloadFailures.inc();
  }

  metadataWarning(kind: 'legacy' | 'unknown'): void {
    this.metadataWarnings.inc({ kind });
  }

  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
