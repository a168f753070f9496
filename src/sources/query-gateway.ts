// Every PromQL query passes here: the source's circuit breaker, the breaker of the identity it is
// sent as, the source's fair concurrency limit, the query metrics and when each source last answered.
import { LRUCache } from 'lru-cache';
import { compactKey } from '../util/compact-key';
import { ScalerError, isScalerError } from '../errors';
import type { QueryResult } from '../prometheus/decode-response';
import type { InstantQuery } from '../prometheus/query-client';
import { queryInstant, tenantHeaders } from '../prometheus/query-client';
import { breakerVerdict } from '../prometheus/upstream-error';
import type { BreakerState } from '../resilience/circuit-breaker';
import type { BreakerTicket } from '../resilience/circuit-breaker';
import { CircuitBreaker } from '../resilience/circuit-breaker';
import type { Grant } from '../resilience/fair-limiter';
import { FairLimiter, Preempted } from '../resilience/fair-limiter';
import type { Charge } from '../resilience/query-interest';
import { UpstreamError } from '../prometheus/upstream-error';
import type { Metrics } from '../telemetry/metrics';
import { clip, quote } from '../util/echo';
import type { Source } from './source';

interface BreakerSettings {
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

/**
 * Identity breakers kept at most (source credentials plus each distinct set of a trigger's own
 * customHeaders); the least recently used goes first, so no caller can grow the map without end.
 */
const MAX_IDENTITY_BREAKERS = 4096;

/**
 * Gates of sources admitted by allowedServerAddresses kept at most (breaker, fair limit, last
 * success), the least recently used going first: they come and go with the addresses triggers
 * name (the registry keeps 256 of them), and a gate is about 8 KiB. A forgotten gate only starts
 * again closed and empty; a query running under it keeps its own. Configured sources' gates are
 * kept for good, so no address a trigger names can push one out.
 */
const MAX_ADDRESS_GATES = 1024;

/** A ticket that records nothing: for probes that bypass the breakers. */
const NO_TICKET: BreakerTicket = { success() {}, failure() {}, release() {} };

/** An identity's breaker: the source's credentials ('' key) or a tenant a trigger selects. */
interface Identity {
  source: Source;
  /** The trigger's own header names, '' for the source's credentials alone. */
  headers: string;
  breaker: CircuitBreaker;
}

interface Gate {
  source: Source;
  breaker: CircuitBreaker;
  limiter: FairLimiter;
  lastSuccessMs: number;
}

export class QueryGateway {
  /** Configured sources' gates, by source id. */
  private readonly configuredGates = new Map<string, Gate>();
  /** Address-admitted sources' gates, by source id; the least recently used go. */
  private readonly addressGates = new LRUCache<string, Gate>({ max: MAX_ADDRESS_GATES });
  /** By source id and the trigger's own headers (names and values); the least recently used go. */
  private readonly identities = new LRUCache<string, Identity>({ max: MAX_IDENTITY_BREAKERS });
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
    const note = (name: string, state: BreakerState): void => {
      const before = worst.get(name);
      if (before === undefined || BREAKER_SEVERITY[state] > BREAKER_SEVERITY[before]) {
        worst.set(name, state);
      }
    };
    for (const g of this.allGates()) note(g.source.name, g.breaker.state);
    // The source's own credentials count; a tenant one trigger selects does not (its refusals
    // show as that trigger's UNAVAILABLE answers, not as the whole source being down).
    for (const id of this.identities.values()) {
      if (id.headers === '') note(id.source.name, id.breaker.state);
    }
    return [...worst].map(([source, state]) => ({ source, state }));
  }

  /** The breaker of the identity a query is sent as; see {@link MAX_IDENTITY_BREAKERS}. */
  private identity(source: Source, custom: Readonly<Record<string, string>>): Identity {
    const own = Object.entries(tenantHeaders(source, custom)).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    // Hashed when long and names cut short: 4,096 entries of up to 8 KiB of headers each would
    // otherwise hold 32 MiB.
    const key = compactKey(`${source.id}\u0000${JSON.stringify(own)}`);
    let id = this.identities.get(key);
    if (id === undefined) {
      id = {
        source,
        headers: clip(own.map(([name]) => name).join(', ')),
        breaker: new CircuitBreaker({ ...this.options.breaker, now: this.now }),
      };
      this.identities.set(key, id);
    }
    return id;
  }

  /** The refusal while `breaker` is open: the source failing, or the identity refused. */
  private refused(
    source: Source,
    breaker: CircuitBreaker,
    retryInMs: number,
    identityHeaders: string | undefined,
  ): ScalerError {
    this.options.metrics.queryRefused(source.name, 'breaker_open');
    const failures = `${breaker.consecutiveFailures} consecutive failures`;
    const why = breaker.openedByRetryAfter
      ? identityHeaders
        ? `asked this trigger's customHeaders ${identityHeaders} to wait (Retry-After)`
        : 'asked the scaler to wait (Retry-After)'
      : identityHeaders
        ? `refused this trigger's customHeaders ${identityHeaders} (circuit breaker open after ${failures})`
        : `is failing (circuit breaker open after ${failures})`;
    return new ScalerError(
      'unavailable',
      `source "${source.name}" ${why}; next attempt in ${Math.max(0, Math.ceil(retryInMs / 1000))}s`,
      { source: source.name },
    );
  }

  /**
   * One gate per source identity, never per URL: sources on one URL that differ in tenant header
   * or credentials must not share a breaker or a limit (Source.id).
   */
  private gate(source: Source): Gate {
    // Sources admitted by allowedServerAddresses have ids of their own form (source-registry.ts).
    const gates = source.id.startsWith('address:') ? this.addressGates : this.configuredGates;
    let gate = gates.get(source.id);
    if (gate === undefined) {
      gate = {
        source,
        breaker: new CircuitBreaker({ ...this.options.breaker, now: this.now }),
        limiter: new FairLimiter(source.maxConcurrentQueries),
        lastSuccessMs: -Infinity,
      };
      gates.set(source.id, gate);
    }
    return gate;
  }

  private *allGates(): Iterable<Gate> {
    yield* this.configuredGates.values();
    yield* this.addressGates.values();
  }

  /** The newest time any source answered (ms), -Infinity if none has. */
  get lastSuccessMs(): number {
    let newest = -Infinity;
    for (const gate of this.allGates()) newest = Math.max(newest, gate.lastSuccessMs);
    return newest;
  }

  /**
   * Runs one query under the source's breaker, the breaker of the identity it is sent as (the
   * source's credentials plus the trigger's own customHeaders) and the source's fair limit. Time
   * spent queued counts against `q.timeoutMs`. `charge`: the namespaces whose query this is (the
   * cache's QueryInterest: those waiting on it), or one namespace; its slot may be taken back for
   * a namespace under its share (resilience/fair-limiter.ts).
   *
   * A `q.timeoutMs` below the source's own was chosen by the trigger (`queryParameters:
   * timeout=…`): running out of it is that trigger's failure, counted against no breaker.
   *
   * @throws {@link ScalerError} classified, as queryInstant; `unavailable` when the breaker is
   * open, no slot frees in time or the slot was taken back.
   */
  async query(
    source: Source,
    q: Omit<InstantQuery, 'maxResponseBytes'>,
    charge: Charge | string,
    signal: AbortSignal,
    options: { bypassBreaker?: boolean } = {},
  ): Promise<QueryResult> {
    const { metrics } = this.options;
    const gate = this.gate(source);
    this.firstAttemptMs ??= this.now();
    const id = this.identity(source, q.customHeaders);
    const decision = options.bypassBreaker
      ? { ok: true as const, ticket: NO_TICKET }
      : gate.breaker.tryAcquire();
    if (!decision.ok) throw this.refused(source, gate.breaker, decision.retryInMs, undefined);
    const idDecision = options.bypassBreaker
      ? { ok: true as const, ticket: NO_TICKET }
      : id.breaker.tryAcquire();
    if (!idDecision.ok) {
      decision.ticket.release();
      throw this.refused(source, id.breaker, idDecision.retryInMs, id.headers);
    }
    // One report to both breakers: a success is both's, a failure only its scope's.
    const sourceTicket = decision.ticket;
    const idTicket = idDecision.ticket;
    const ticket = {
      success(): void {
        sourceTicket.success();
        idTicket.success();
      },
      release(): void {
        sourceTicket.release();
        idTicket.release();
      },
    };
    const queuedAt = this.now();
    let grant: Grant;
    try {
      grant = await gate.limiter.acquire(
        charge,
        q.timeoutMs,
        signal,
        () =>
          new ScalerError(
            'unavailable',
            `source "${source.name}" is busy: all ${gate.limiter.limit} query slots stayed taken ` +
              `for ${q.timeoutMs}ms`,
            { source: source.name, callerSpecific: true },
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
    // The request stops when its callers all leave or when its slot is taken back.
    const stop = new AbortController();
    const onStop = (): void => stop.abort();
    signal.addEventListener('abort', onStop, { once: true });
    grant.preempted.addEventListener('abort', onStop, { once: true });
    if (signal.aborted || grant.preempted.aborted) stop.abort();
    try {
      const result = await queryInstant(
        source,
        { ...q, timeoutMs: leftMs, maxResponseBytes: this.options.maxResponseBytes },
        stop.signal,
      );
      ticket.success();
      gate.lastSuccessMs = this.now();
      outcome = 'ok';
      return result;
    } catch (raw) {
      const preempted = this.preemption(source, grant, signal, raw);
      const e = preempted ?? raw;
      // A shared breaker counts only what no trigger can cause: the source's when it cannot be
      // reached, the identity's when it was refused or asked to wait. What a trigger's query or
      // metadata can cause (a timeout, however set; a 5xx; an odd answer; a bad query; an
      // oversized request) counts for neither: it is that query's own failure, remembered for
      // that query alone by the result cache (cache.negativeTtl).
      const { verdict, retryAfterMs, scope } = breakerVerdict(e);
      if (verdict === 'success') {
        ticket.success();
        gate.lastSuccessMs = this.now();
      } else if (verdict === 'neutral' || scope === 'query') {
        ticket.release();
      } else if (scope === 'identity') {
        // The source answered; the identity it was sent as was refused.
        sourceTicket.release();
        idTicket.failure(retryAfterMs);
      } else {
        sourceTicket.failure(retryAfterMs);
        idTicket.release();
      }
      outcome = preempted !== undefined ? 'preempted' : isScalerError(e) ? e.kind : 'internal';
      throw e;
    } finally {
      signal.removeEventListener('abort', onStop);
      grant.preempted.removeEventListener('abort', onStop);
      metrics.queryFinished(source.name, outcome, (performance.now() - startedMs) / 1000);
      grant.release();
    }
  }

  /** The error for a query whose slot was taken back, when that (and not its callers) stopped it. */
  private preemption(
    source: Source,
    grant: Grant,
    signal: AbortSignal,
    cause: unknown,
  ): ScalerError | undefined {
    const reason: unknown = grant.preempted.reason;
    if (signal.aborted || !(reason instanceof Preempted)) return undefined;
    const round = (n: number): number => Math.round(n * 10) / 10;
    return new UpstreamError(
      'unavailable',
      `source "${source.name}" stopped this query to free its slot for another namespace: ` +
        `namespace ${quote(reason.namespace)} held ${round(reason.heldSlots)} of ` +
        `${source.maxConcurrentQueries} query slots, more than its share of ` +
        `${round(reason.shareSlots)}, while others waited`,
      { verdict: 'neutral', retryAfterMs: undefined },
      { cause, source: source.name, callerSpecific: true },
    );
  }
}
