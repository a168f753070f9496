// A concurrency limit per source with round-robin fairness between namespaces, so one team's
// ScaledObjects cannot take every slot (as Cortex/Mimir per-tenant queues do).

interface Waiter {
  grant: (release: () => void) => void;
  reject: (reason: Error) => void;
}

export class FairLimiter {
  private active = 0;
  /** Waiting requests per namespace; Map order is the round-robin order. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /**
   * Resolves with a release function once a slot is free. Rejects with `onTimeout()` if none frees
   * within `timeoutMs`, or with `signal.reason` when the caller gives up.
   */
  acquire(
    tenant: string,
    timeoutMs: number,
    signal: AbortSignal,
    onTimeout: () => Error,
  ): Promise<() => void> {
    if (this.active < this.limit && this.waiting === 0) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: release => {
          cleanup();
          resolve(release);
        },
        reject: (reason: Error) => {
          cleanup();
          reject(reason);
        },
      };
      const remove = (): void => {
        const q = this.queues.get(tenant);
        const i = q?.indexOf(waiter) ?? -1;
        if (q !== undefined && i >= 0) q.splice(i, 1);
        if (q?.length === 0) this.queues.delete(tenant);
      };
      const onAbort = (): void => {
        remove();
        waiter.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        remove();
        waiter.reject(onTimeout());
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      const q = this.queues.get(tenant);
      if (q === undefined) this.queues.set(tenant, [waiter]);
      else q.push(waiter);
    });
  }

  private take(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.next();
    };
  }

  /** Hands a freed slot to the next namespace in turn, which then moves to the back. */
  private next(): void {
    if (this.active >= this.limit) return;
    const first = this.queues.entries().next();
    if (first.done === true) return;
    const [tenant, q] = first.value;
    const waiter = q.shift();
    this.queues.delete(tenant);
    if (q.length > 0) this.queues.set(tenant, q);
    waiter?.grant(this.take());
  }
}
