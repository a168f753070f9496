// Who waits for one shared upstream query: the namespaces it is charged to (coalesced callers
// share the charge), and the abort that frees its slot once nobody waits any more.
import { setMaxListeners } from 'node:events';
import { ScalerError } from '../errors';

/** What a query slot is charged to: namespace → its part of one slot (the parts sum to 1). */
export interface Charge {
  shares(): ReadonlyMap<string, number>;
  /**
   * Nobody waits for it (a refresh ahead): it never takes a slot back from another namespace,
   * and is the first of its namespace's to give one back.
   */
  readonly background?: boolean;
}

/** A charge for one namespace alone (the operator's `check`, readiness probes, unit tests). */
export function soleCharge(namespace: string): Charge {
  const shares = new Map([[namespace, 1]]);
  return { shares: () => shares };
}

export class QueryInterest implements Charge {
  private readonly controller = new AbortController();
  /** Callers waiting now, per namespace. */
  private readonly waiting = new Map<string, number>();
  private callers = 0;
  /** Stops listening to the parent: {@link settled}. */
  private unlinkParent: () => void = () => undefined;

  /**
   * @param owner charged while nobody waits (a refresh ahead nobody asked for yet: the namespace
   *   that asked for the key last).
   * @param abortWhenUnwatched abort once the last waiting caller leaves: a query started for
   *   callers who all gave up (their deadline, their trigger's timeout, a cancel) holds a slot
   *   for nobody. Refreshes ahead, which nobody waits for, keep running.
   * @param parent aborts this query too (the cache closing).
   */
  constructor(
    private readonly owner: string,
    private readonly abortWhenUnwatched: boolean,
    parent?: AbortSignal,
  ) {
    // The limiter, the HTTP request and the breaker bookkeeping each listen to it.
    setMaxListeners(0, this.controller.signal);
    if (parent !== undefined) {
      if (parent.aborted) this.controller.abort(parent.reason);
      else {
        const onAbort = (): void => this.controller.abort(parent.reason);
        parent.addEventListener('abort', onAbort, { once: true });
        this.unlinkParent = () => parent.removeEventListener('abort', onAbort);
      }
    }
  }

  get background(): boolean {
    return !this.abortWhenUnwatched && this.callers === 0;
  }

  /** Aborted when nobody waits any more (see the constructor) or the parent aborts. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * The query ended: stop listening to the parent. The parent (the cache's lifetime) outlives
   * every query, and a listener left on it would keep each query's interest for good: about 1.5
   * kB for every query ever sent (bench/memory.ts).
   */
  settled(): void {
    this.unlinkParent();
    this.unlinkParent = () => undefined;
  }

  /** A caller from `namespace` waits for the query; the returned function ends its wait. */
  join(namespace: string): () => void {
    this.waiting.set(namespace, (this.waiting.get(namespace) ?? 0) + 1);
    this.callers++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.callers--;
      const n = (this.waiting.get(namespace) ?? 1) - 1;
      if (n > 0) this.waiting.set(namespace, n);
      else this.waiting.delete(namespace);
      if (this.callers === 0 && this.abortWhenUnwatched && !this.controller.signal.aborted) {
        this.controller.abort(new ScalerError('cancelled', 'nobody waits for this query any more'));
      }
    };
  }

  /** Each waiting namespace an equal part, however many of its callers wait; else the owner. */
  shares(): ReadonlyMap<string, number> {
    if (this.waiting.size === 0) return new Map([[this.owner, 1]]);
    const part = 1 / this.waiting.size;
    return new Map([...this.waiting.keys()].map(ns => [ns, part]));
  }
}
