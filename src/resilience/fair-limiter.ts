// A concurrency limit per source, fair between namespaces for queries waiting and running alike,
// so one team's ScaledObjects cannot take every slot (as Cortex/Mimir per-tenant queues do).
import type { Charge } from './query-interest';
import { soleCharge } from './query-interest';

/** A granted slot: release it exactly once when the query ends. */
export interface Grant {
  release(): void;
  /**
   * Aborted when the slot is taken back for a namespace under its share (reason: a
   * {@link Preempted}); the query should stop at once and release.
   */
  readonly preempted: AbortSignal;
}

/** Why a running query's slot was taken back. */
export class Preempted extends Error {
  constructor(
    /** The namespace over its share. */
    readonly namespace: string,
    /** Slots charged to it when it was taken (may be fractional: coalesced callers share). */
    readonly heldSlots: number,
    /** Its fair share of slots at that moment. */
    readonly shareSlots: number,
  ) {
    super(`namespace held ${heldSlots} query slots, more than its share of ${shareSlots}`);
  }
}

interface Slot {
  charge: Charge;
  preempt: AbortController;
}

interface Waiter {
  charge: Charge;
  grant: (grant: Grant) => void;
  reject: (reason: Error) => void;
}

/** Parts of a slot below this are rounding, not a charge (1/3 + 1/3 + 1/3 is not always 1). */
const EPSILON = 1e-9;

export class FairLimiter {
  private readonly running = new Set<Slot>();
  /** Waiting requests per namespace; Map order is the round-robin order. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.running.size;
  }

  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /**
   * Slots charged to each namespace now: a running query counts for the namespaces waiting on it,
   * equally (Charge). Slots already being taken back are left out.
   */
  held(): Map<string, number> {
    const held = new Map<string, number>();
    for (const slot of this.running) {
      if (slot.preempt.signal.aborted) continue;
      for (const [ns, part] of slot.charge.shares()) held.set(ns, (held.get(ns) ?? 0) + part);
    }
    return held;
  }

  /**
   * Resolves with a slot once one is free for this charge's namespace. Rejects with `onTimeout()`
   * if none frees within `timeoutMs`, or with `signal.reason` when the caller gives up. The
   * request is queued under the namespace charged first (the one that started the query).
   */
  acquire(
    charge: Charge | string,
    timeoutMs: number,
    signal: AbortSignal,
    onTimeout: () => Error,
  ): Promise<Grant> {
    const c = typeof charge === 'string' ? soleCharge(charge) : charge;
    if (this.running.size < this.limit && this.waiting === 0) return Promise.resolve(this.take(c));
    const tenant = c.shares().keys().next().value ?? '';
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        charge: c,
        grant: grant => {
          cleanup();
          resolve(grant);
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
      this.next();
      if (c.background !== true) this.preemptFor(tenant);
    });
  }

  private take(charge: Charge): Grant {
    const slot: Slot = { charge, preempt: new AbortController() };
    this.running.add(slot);
    let released = false;
    return {
      preempted: slot.preempt.signal,
      release: () => {
        if (released) return;
        released = true;
        this.running.delete(slot);
        this.next();
      },
    };
  }

  /** Each namespace holding or waiting gets an equal part of the limit. */
  private share(held: ReadonlyMap<string, number>): number {
    const present = new Set([...held.keys(), ...this.queues.keys()]);
    return this.limit / Math.max(1, present.size);
  }

  /**
   * Hands freed slots out in turn: the first namespace in round-robin order that holds less than
   * its share, else the first in order (nobody under its share waits, so nobody is kept out). It
   * then moves to the back.
   */
  private next(): void {
    while (this.running.size < this.limit && this.queues.size > 0) {
      const held = this.held();
      const share = this.share(held);
      let chosen: string | undefined;
      for (const ns of this.queues.keys()) {
        if ((held.get(ns) ?? 0) < share - EPSILON) {
          chosen = ns;
          break;
        }
      }
      chosen ??= this.queues.keys().next().value as string;
      const q = this.queues.get(chosen) as Waiter[];
      const waiter = q.shift() as Waiter;
      this.queues.delete(chosen);
      if (q.length > 0) this.queues.set(chosen, q);
      waiter.grant(this.take(waiter.charge));
    }
  }

  /**
   * A namespace under its share is waiting and every slot is taken: take one back from the
   * namespace furthest over its share (its newest query charged most to it), so that no
   * namespace holds more than its share while others wait.
   */
  private preemptFor(tenant: string): void {
    if (this.running.size < this.limit) return;
    const held = this.held();
    const share = this.share(held);
    if ((held.get(tenant) ?? 0) >= share - EPSILON) return;
    let over: string | undefined;
    let most = share + EPSILON;
    for (const [ns, n] of held) {
      if (ns !== tenant && n > most) {
        over = ns;
        most = n;
      }
    }
    if (over === undefined) return;
    // Of its slots, the one charged most to it; a refresh nobody waits for before a query
    // someone does; of equals the newest (Set order is start order), which has done least work.
    let victim: Slot | undefined;
    let best = 0;
    for (const slot of this.running) {
      if (slot.preempt.signal.aborted) continue;
      const part = slot.charge.shares().get(over) ?? 0;
      if (part <= EPSILON) continue;
      const score = part + (slot.charge.background === true ? 1 : 0);
      if (score >= best) {
        victim = slot;
        best = score;
      }
    }
    victim?.preempt.abort(new Preempted(over, most, share));
  }
}
