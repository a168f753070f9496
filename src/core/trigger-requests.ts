// A resolved trigger's upstream requests and cache keys, memoised per trigger: built once, read
// per call.
import type { ResolvedTrigger } from './resolve-trigger';
import type { KeyedRequest, QueryChoice } from './upstream-request';
import { upstreamRequest } from './upstream-request';

/** A trigger's requests, by query choice, then by TTL (ms). */
type ByChoice = Record<QueryChoice, Map<number, KeyedRequest>>;

/** One memo per owner (the evaluator, the watcher hub): no module-level state. */
export class TriggerRequests {
  /** Weak: a trigger dropped by the resolver's LRU takes its requests with it. */
  private readonly memo = new WeakMap<ResolvedTrigger, ByChoice>();

  /**
   * The request for the trigger's `query` or its activation query, at TTL `ttlMs`. Looked up
   * by the choice and the number, not a string made of them: this runs on every call.
   */
  of(trigger: ResolvedTrigger, ttlMs: number, which: QueryChoice): KeyedRequest {
    let byChoice = this.memo.get(trigger);
    if (byChoice === undefined) {
      byChoice = { query: new Map(), activation: new Map() };
      this.memo.set(trigger, byChoice);
    }
    const byTtl = byChoice[which];
    let keyed = byTtl.get(ttlMs);
    if (keyed === undefined) {
      keyed = upstreamRequest(trigger, which, ttlMs);
      byTtl.set(ttlMs, keyed);
    }
    return keyed;
  }
}
