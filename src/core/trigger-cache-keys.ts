// The cache key of a resolved trigger's query, memoised per trigger: built once, read per call.
import { cacheKey } from '../cache/cache-key';
import { compactKey } from '../util/compact-key';
import type { ResolvedTrigger } from './resolve-trigger';

/** One memo per owner (the evaluator, the watcher hub): no module-level state. */
export class TriggerCacheKeys {
  /** Weak: a trigger dropped by the resolver's LRU takes its keys with it. */
  private readonly keys = new WeakMap<ResolvedTrigger, Map<string, string>>();

  /** The key for `query` (the trigger's query or its activationQuery) at TTL `ttlMs`. */
  of(trigger: ResolvedTrigger, ttlMs: number, query: string): string {
    let byTtl = this.keys.get(trigger);
    if (byTtl === undefined) {
      byTtl = new Map();
      this.keys.set(trigger, byTtl);
    }
    // Which of the trigger's two queries, not its text: a long query is not kept once more.
    const memo = `${ttlMs}:${query === trigger.spec.query ? 'query' : 'activation'}`;
    let key = byTtl.get(memo);
    if (key === undefined) {
      const { spec, source } = trigger;
      // Compact: a long query's key is kept per trigger as a digest, not a third copy of it.
      key = compactKey(
        cacheKey(
          {
            sourceId: source.id,
            query,
            namespace: spec.namespace,
            queryParameters: spec.queryParameters,
            customHeaders: spec.customHeaders,
          },
          ttlMs,
        ),
      );
      byTtl.set(memo, key);
    }
    return key;
  }
}
