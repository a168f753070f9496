// A per-source circuit breaker: opens after consecutive failures, lets requests through again when
// half-open, and closes after consecutive successes (a failure opens it again).

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker (~3, as Trickster's health-check threshold). */
  failureThreshold: number;
  /** How long the breaker stays open before letting a probe through (ms). */
  openMs: number;
  /** Consecutive successful probes that close it again (~3, as Trickster). */
  closeAfterSuccesses: number;
  now: () => number;
}

/** Permission to send one request; report how it went exactly once. */
export interface BreakerTicket {
  /** The source answered (any HTTP answer that is not a server failure). */
  success(): void;
  /**
   * The source failed: unreachable, 5xx, timeout, malformed answer, refused credentials.
   * `retryAfterMs`: the source asked to be left alone that long (429/503 Retry-After); the
   * breaker opens at once for exactly that long, whatever the failure count.
   */
  failure(retryAfterMs?: number): void;
  /** Neither: the request was abandoned before an answer (e.g. cancelled). */
  release(): void;
}

export type BreakerDecision =
  { ok: true; ticket: BreakerTicket } | { ok: false; retryInMs: number };

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private successes = 0;
  /** When an open breaker lets a probe through (ms, the `now` clock). */
  private openUntil = 0;
  /** Whether the breaker is open because the source sent Retry-After, for messages. */
  openedByRetryAfter = false;
  /**
   * The consecutive failures that opened it, for messages. Kept apart from the running count: a
   * request admitted before the breaker opened may still succeed while it is open, which resets
   * the count to 0 but does not close the breaker.
   */
  private failuresWhenOpened = 0;

  constructor(private readonly options: BreakerOptions) {}

  /** The state now (an open breaker whose time is up reads as half-open). */
  get state(): BreakerState {
    if (this.current === 'open' && this.options.now() >= this.openUntil) {
      this.current = 'half_open';
      this.successes = 0;
    }
    return this.current;
  }

  /** Consecutive failures so far; while open, the ones that opened it. */
  get consecutiveFailures(): number {
    return this.current === 'open' ? this.failuresWhenOpened : this.failures;
  }

  tryAcquire(): BreakerDecision {
    const state = this.state;
    if (state === 'open') {
      return { ok: false, retryInMs: this.openUntil - this.options.now() };
    }
    // Half-open lets every request through, not one probe at a time: a probe that reports
    // nothing (a query whose time its trigger lowered, a caller who left) would otherwise hold the
    // source shut for every namespace while it runs. The source's fair limit (maxConcurrentQueries)
    // still bounds how many reach a sick source at once.
    return { ok: true, ticket: this.ticket(state === 'half_open') };
  }

  private ticket(probe: boolean): BreakerTicket {
    let done = false;
    const once =
      (fn: () => void): (() => void) =>
      () => {
        if (done) return;
        done = true;
        fn();
      };
    return {
      success: once(() => this.onSuccess(probe)),
      failure: (retryAfterMs?: number) => once(() => this.onFailure(retryAfterMs))(),
      release: once(() => undefined),
    };
  }

  private onSuccess(probe: boolean): void {
    this.failures = 0;
    if (probe && this.current === 'half_open') {
      this.successes++;
      if (this.successes >= this.options.closeAfterSuccesses) this.current = 'closed';
    }
  }

  private onFailure(retryAfterMs: number | undefined): void {
    this.failures++;
    const asked = retryAfterMs !== undefined && retryAfterMs > 0;
    if (asked || this.current === 'half_open' || this.failures >= this.options.failureThreshold) {
      this.current = 'open';
      this.openUntil = this.options.now() + (asked ? retryAfterMs : this.options.openMs);
      this.openedByRetryAfter = asked;
      this.failuresWhenOpened = this.failures;
      this.successes = 0;
    }
  }
}
