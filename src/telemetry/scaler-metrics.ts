// The scaler's own Prometheus metrics, on an injected prom-client registry. Labels are
// low-cardinality only (rpc, code, source, outcome): never the query or a ScaledObject name.
import { Counter, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';

const PREFIX = 'keda_prometheus_scaler_';

/** Seconds; from 1 ms (cache hits, later) to 10 s (past KEDA's 3 s HPA deadline). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ScalerMetrics {
  readonly grpcCalls: Counter<'rpc' | 'code'>;
  readonly grpcDuration: Histogram<'rpc'>;
  readonly queries: Counter<'source' | 'outcome'>;
  readonly queryDuration: Histogram<'source'>;

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
    collectDefaultMetrics({ register: registry, prefix: PREFIX });
  }
}
