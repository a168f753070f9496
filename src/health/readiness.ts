// Readiness that reflects the data: ready while some source answered recently or a cached value is
// still within maxStaleness. When not ready, sources are probed so readiness can come back
// without KEDA's traffic (which stops reaching an unready pod).
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

  /** Why the scaler is not ready, or undefined when it is. A pure read: sends nothing. */
  notReadyReason(): string | undefined {
    if (!this.serving) return 'the gRPC server is not serving';
    if (!this.dataIsStale(this.now())) return undefined;
    const { windowMs } = this.deps;
    return `no source answered in the last ${windowMs / 1000}s and no cached value is that recent`;
  }

  /**
   * Judges readiness like {@link notReadyReason} and, when the data is stale, also probes every
   * configured source (at most once per PROBE_INTERVAL_MS) so a recovered source makes the scaler
   * ready again without KEDA's traffic. What /readyz and gRPC health call.
   */
  checkAndProbe(): string | undefined {
    const reason = this.notReadyReason();
    const now = this.now();
    if (this.serving && this.dataIsStale(now)) this.probe(now);
    return reason;
  }

  stop(): void {
    this.stopped.abort();
  }

  /** No source answered and no cached value is within the window, after some query was sent. */
  private dataIsStale(now: number): boolean {
    const { gateway, cache, windowMs } = this.deps;
    // Nothing asked yet: nothing to judge, and refusing traffic would keep it that way.
    if (!gateway.attempted) return false;
    return now - gateway.lastSuccessMs > windowMs && now - cache.newestGoodMs > windowMs;
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
