// Every PromQL query passes here: the source's circuit breaker, its fair concurrency limit, the
// query metrics and the record of when each source last answered.
import { ScalerError, isScalerError } from '../errors';
import type { QueryResult } from '../prometheus/decode-response';
import type { InstantQuery } from '../prometheus/query-client';
import { queryInstant } from '../prometheus/query-client';
import { breakerVerdict } from '../prometheus/upstream-error';
import type { BreakerState } from '../resilience/circuit-breaker';
import { CircuitBreaker } from '../resilience/circuit-breaker';
import { FairLimiter } from '../resilience/fair-limiter';
import type { Metrics } from '../telemetry/metrics';
import type { Source } from './source';

export interface BreakerSettings {
  failureThreshold: number;
  openMs: number;
  closeAfterSuccesses: number;
}

export interface GatewayOptions {
  breaker: BreakerSettings;
  maxResponseBytes: number;
  metrics: Metrics;
  now?: () => number;
}

const BREAKER_SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

interface Gate {
  source: Source;
  breaker: CircuitBreaker;
  limiter: FairLimiter;
  lastSuccessMs: number;
}

export class QueryGateway {
  private readonly gates = new Map<string, Gate>();
  private readonly now: () => number;
  /**
   * When the first query was sent (ms), undefined before: readiness has nothing to judge before
   * that, and a first query still in flight is not yet a silence of `window` length.
   */
  firstAttemptMs: number | undefined;

  constructor(private readonly options: GatewayOptions) {
    this.now = options.now ?? Date.now;
    options.metrics.observeBreakers(() => this.breakerStates());
  }

  /**
   * One series per source name. Sources admitted by one allowedServerAddresses pattern share its
   * name (a bounded label) but not a breaker: the series shows the worst of theirs.
   */
  private breakerStates(): { source: string; state: BreakerState }[] {
    const worst = new Map<string, BreakerState>();
    for (const g of this.gates.values()) {
      const state = g.breaker.state;
      const before = worst.get(g.source.name);
      if (before === undefined || BREAKER_SEVERITY[state] > BREAKER_SEVERITY[before]) {
        worst.set(g.source.name, state);
      }
    }
    return [...worst].map(([source, state]) => ({ source, state }));
  }

  /**
   * One gate per source identity, never per URL: sources on one URL that differ in tenant header
   * or credentials must not share a breaker or a limit (Source.id).
   */
  private gate(source: Source): Gate {
    let gate = this.gates.get(source.id);
    if (gate === undefined) {
      gate = {
        source,
        breaker: new CircuitBreaker({ ...this.options.breaker, now: this.now }),
        limiter: new FairLimiter(source.maxConcurrentQueries),
        lastSuccessMs: -Infinity,
      };
      this.gates.set(source.id, gate);
    }
    return gate;
  }

  /** The newest time any source answered (ms), -Infinity if none has. */
  get lastSuccessMs(): number {
    let newest = -Infinity;
    for (const gate of this.gates.values()) newest = Math.max(newest, gate.lastSuccessMs);
    return newest;
  }

  /**
   * Runs one query under the source's breaker and fair limit. Time spent queued counts against
   * `q.timeoutMs`. `tenant` is the namespace whose request this is.
   *
   * @throws {@link ScalerError} classified, as queryInstant; `unavailable` when the breaker is
   * open or no slot frees in time.
   */
  async query(
    source: Source,
    q: Omit<InstantQuery, 'maxResponseBytes'>,
    tenant: string,
    signal: AbortSignal,
    options: { bypassBreaker?: boolean } = {},
  ): Promise<QueryResult> {
    const { metrics } = this.options;
    const gate = this.gate(source);
    this.firstAttemptMs ??= this.now();
    const decision = options.bypassBreaker
      ? { ok: true as const, ticket: { success() {}, failure() {}, release() {} } }
      : gate.breaker.tryAcquire();
    if (!decision.ok) {
      metrics.queryRefused(source.name, 'breaker_open');
      const why = gate.breaker.openedByRetryAfter
        ? 'asked the scaler to wait (Retry-After)'
        : `is failing (circuit breaker open after ${gate.breaker.consecutiveFailures} ` +
          'consecutive failures)';
      throw new ScalerError(
        'unavailable',
        `source "${source.name}" ${why}; next attempt in ` +
          `${Math.max(0, Math.ceil(decision.retryInMs / 1000))}s`,
        { source: source.name },
      );
    }
    const { ticket } = decision;
    const queuedAt = this.now();
    let release: () => void;
    try {
      release = await gate.limiter.acquire(
        tenant,
        q.timeoutMs,
        signal,
        () =>
          new ScalerError(
            'unavailable',
            `source "${source.name}" is busy: all ${gate.limiter.limit} query slots stayed taken ` +
              `for ${q.timeoutMs}ms`,
            { source: source.name },
          ),
      );
    } catch (e) {
      ticket.release();
      metrics.queryRefused(source.name, 'queue_timeout');
      throw isScalerError(e) ? e : new ScalerError('cancelled', 'the caller cancelled the call');
    }
    const leftMs = Math.max(1, q.timeoutMs - (this.now() - queuedAt));
    const startedMs = performance.now();
    let outcome = 'internal';
    metrics.queryStarted(source.name);
    try {
      const result = await queryInstant(
        source,
        { ...q, timeoutMs: leftMs, maxResponseBytes: this.options.maxResponseBytes },
        signal,
      );
      ticket.success();
      gate.lastSuccessMs = this.now();
      outcome = 'ok';
      return result;
    } catch (e) {
      // Only the source's own failures count: a trigger's bad query, oversized request or invalid
      // header must not open a breaker that every namespace's queries go through.
      const { verdict, retryAfterMs } = breakerVerdict(e);
      if (verdict === 'success') {
        ticket.success();
        gate.lastSuccessMs = this.now();
      } else if (verdict === 'neutral') {
        ticket.release();
      } else {
        ticket.failure(retryAfterMs);
      }
      outcome = isScalerError(e) ? e.kind : 'internal';
      throw e;
    } finally {
      metrics.queryFinished(source.name, outcome, (performance.now() - startedMs) / 1000);
      release();
    }
  }
}
