// A resolved trigger's upstream requests and cache keys, memoised per trigger: built once, read
// per call.
import type { ResolvedTrigger } from './resolve-trigger';
import type { KeyedRequest, QueryChoice } from './upstream-request';
import { upstreamRequest } from './upstream-request';

/** One memo per owner (the evaluator, the watcher hub): no module-level state. */
export class TriggerRequests {
  /** Weak: a trigger dropped by the resolver's LRU takes its requests with it. */
  private readonly memo = new WeakMap<ResolvedTrigger, Map<string, KeyedRequest>>();

  /** The request for the trigger's `query` or its activation query, at TTL `ttlMs`. */
  of(trigger: ResolvedTrigger, ttlMs: number, which: QueryChoice): KeyedRequest {
    let byTtl = this.memo.get(trigger);
    if (byTtl === undefined) {
      byTtl = new Map();
      this.memo.set(trigger, byTtl);
    }
    const memo = `${ttlMs}:${which}`;
    let keyed = byTtl.get(memo);
    if (keyed === undefined) {
      keyed = upstreamRequest(trigger, which, ttlMs);
      byTtl.set(memo, keyed);
    }
    return keyed;
  }
}
