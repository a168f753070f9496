// Readiness and data freshness, kept apart: ready means the servers answer calls (what the pod's
// probe and KEDA need, kedacore/keda #8056); fresh means some source answered recently or a cached
// value is within maxStaleness. While stale, the sources are probed so freshness comes back alone.
import type { ResultCache } from '../cache/result-cache';
import type { QueryGateway } from '../sources/query-gateway';
import type { Source } from '../sources/source';

/** Least time between two readiness probes of the sources (ms); kubelet probes every few s. */
const PROBE_INTERVAL_MS = 5000;
/** A probe is the cheapest query Prometheus can run. */
const PROBE_QUERY = 'vector(1)';

export interface ReadinessDeps {
  gateway: QueryGateway;
  cache: ResultCache;
  sources: () => Source[];
  /** How recent an answer or cached value must be (ms): the server's default maxStaleness. */
  windowMs: number;
  now?: () => number;
}

export class Readiness {
  serving = false;
  private lastProbeMs = -Infinity;
  private readonly stopped = new AbortController();
  private readonly now: () => number;

  constructor(private readonly deps: ReadinessDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Why the scaler cannot answer calls (not started yet, or shutting down), or undefined. */
  notReadyReason(): string | undefined {
    return this.serving ? undefined : 'the gRPC server is not serving';
  }

  /** Why the data is not fresh, or undefined when it is. A pure read: sends nothing. */
  staleReason(): string | undefined {
    if (!this.serving) return 'the gRPC server is not serving';
    if (!this.dataIsStale(this.now())) return undefined;
    const { windowMs } = this.deps;
    return `no source answered in the last ${windowMs / 1000}s and no cached value is that recent`;
  }

  /**
   * Judges freshness like {@link staleReason} and, when the data is stale, also probes every
   * configured source (at most once per PROBE_INTERVAL_MS) so a recovered source makes the data
   * fresh again without KEDA's traffic. What /healthz/data and the data health service call.
   */
  checkAndProbe(): string | undefined {
    const reason = this.staleReason();
    const now = this.now();
    if (this.serving && this.dataIsStale(now)) this.probe(now);
    return reason;
  }

  stop(): void {
    this.stopped.abort();
  }

  /**
   * No source answered and no cached value is within the window, counted from the first query
   * sent: a pod whose first query is still in flight has not been silent for a whole window yet.
   */
  private dataIsStale(now: number): boolean {
    const { gateway, cache, windowMs } = this.deps;
    const first = gateway.firstAttemptMs;
    // Nothing asked yet: nothing to judge, and refusing traffic would keep it that way.
    if (first === undefined) return false;
    return now - Math.max(first, gateway.lastSuccessMs, cache.newestGoodMs) > windowMs;
  }

  private probe(now: number): void {
    if (now - this.lastProbeMs < PROBE_INTERVAL_MS) return;
    this.lastProbeMs = now;
    for (const source of this.deps.sources()) {
      this.deps.gateway
        .query(
          source,
          {
            query: PROBE_QUERY,
            timeMs: now,
            timeoutMs: source.defaultTimeoutMs,
            namespace: undefined,
            queryParameters: {},
            customHeaders: {},
            method: 'GET',
          },
          '',
          this.stopped.signal,
          { bypassBreaker: true },
        )
        .catch(() => undefined);
    }
  }
}
