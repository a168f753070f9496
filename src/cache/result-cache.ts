// Query results shared by every caller of the same query: time-bucketed TTL, single flight,
// refresh ahead, bounded last-known-good, negative caching, a bound on entries and bytes shared
// fairly between namespaces, and idle expiry.
import { setMaxListeners } from 'node:events';
import { ScalerError, isScalerError } from '../errors';
import type { QueryResult } from '../prometheus/decode-response';
import { DEADLINE_MARGIN_MS } from '../resilience/deadline';
import { QueryInterest } from '../resilience/query-interest';
import { compactKey } from '../util/compact-key';
import { bucketStart, jitterMs, msToNextBucket } from './time-bucket';

/**
 * What one entry costs besides its key, result and error text (bytes): bench/memory.ts measured
 * 700 bytes per key with 150-character keys and one-sample results
 * (docs/performance.md "Performance").
 */
const ENTRY_OVERHEAD_BYTES = 600;
/** A sample in a vector result: an 8-byte double in a packed array (bytes). */
const SAMPLE_BYTES = 8;

export interface CacheSettings {
  /** Most entries kept; beyond it the namespace with the most drops its least recently used. */
  maxEntries: number;
  /**
   * Most bytes kept, by the estimate of {@link ResultCache.bytes}; beyond it the namespace
   * holding the most bytes drops its least recently used entries, so long queries cannot outgrow
   * the memory limit and one namespace's cannot push out another's.
   */
  maxBytes: number;
  /** Refresh ahead only for keys asked for within this window (ms). */
  idleRefreshMs: number;
  /** Drop keys nobody asked for within this window (ms). */
  idleDropMs: number;
  /** How long a transient failure is remembered, so KEDA's immediate retry costs nothing (ms). */
  negativeTtlMs: number;
  /** How long a bad query (400/422) is remembered (ms). */
  badQueryTtlMs: number;
}

/**
 * How an answer was produced; the label values of the cache outcome metric. `previous` is the
 * previous bucket's value, served while this bucket's query runs.
 */
export type CacheOutcome =
  'hit' | 'previous' | 'miss' | 'coalesced' | 'stale' | 'fallback' | 'error';

export type CachedAnswer =
  | {
      kind: 'result';
      result: QueryResult;
      ageMs: number;
      outcome: 'hit' | 'previous' | 'miss' | 'coalesced' | 'stale';
      cause?: ScalerError;
    }
  | { kind: 'fallback'; value: number; cause: ScalerError };

export interface CacheRequest {
  /**
   * Identity of the answer: source, query and every parameter that changes it, and the TTL. A
   * long key is kept as its digest (util/compact-key.ts).
   */
  key: string;
  /**
   * Bytes that `run` keeps alive while the entry exists (the trigger's query and headers), for
   * the byte bound; 0 when unknown.
   */
  retainedBytes?: number;
  ttlMs: number;
  maxStalenessMs: number;
  fallbackValue: number | undefined;
  /**
   * Serve the previous bucket's value while this bucket's query runs (default true): right for
   * RPCs, which must answer fast; activation watchers turn it off, because they must see this
   * bucket's data to wake a stream within one interval.
   */
  allowPreviousBucket?: boolean;
  /**
   * Runs the query for evaluation time `timeMs`; shared by every waiter of this key, so it must
   * depend on nothing but the key (core/upstream-request.ts builds both). `interest`: the
   * namespaces waiting on it and the signal that stops it when none is left.
   */
  run: (timeMs: number, interest: QueryInterest) => Promise<QueryResult>;
  /**
   * The caller's cancellation and absolute deadline (ms, Infinity for none;
   * {@link DEADLINE_MARGIN_MS} is kept back). Its signal is read only when the caller has to wait.
   * Like the two below, it bounds this caller's own wait, never the shared query.
   */
  caller: { readonly signal: AbortSignal; readonly deadlineMs: number };
  /** The namespace asking: a query it waits on is charged to it (resilience/fair-limiter.ts). */
  tenant: string;
  /** The caller's trigger's own `timeout` (ms): how long it waits at most, from the call. */
  callerTimeoutMs?: number | undefined;
}

interface Good {
  result: QueryResult;
  /** The evaluation time sent to Prometheus: the start of a TTL bucket. */
  timeMs: number;
}

type FetchOutcome = { ok: true } | { ok: false; error: ScalerError };

interface Entry {
  /** The compact key (util/compact-key.ts): the map's key. */
  key: string;
  /** This entry's share of {@link ResultCache.bytes}. */
  bytes: number;
  retainedBytes: number;
  ttlMs: number;
  run: CacheRequest['run'];
  good: Good | undefined;
  failure: { error: ScalerError; untilMs: number } | undefined;
  inflight: Promise<FetchOutcome> | undefined;
  /** Who waits on the query in flight. */
  interest: QueryInterest | undefined;
  lastAskedMs: number;
  /** The namespace that asked last: charged for refreshes ahead, which nobody waits for. */
  lastTenant: string;
  /** The namespace whose share of the cache this entry counts against: the one that asked last. */
  share: TenantShare;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One namespace's part of the cache: the entries it asked for last, least recently used first, and
 * their bytes. Over a bound, the namespace holding the most gives up its least recently used entry,
 * so one namespace's flood of distinct queries evicts its own entries, not another's last good
 * value (which its maxStaleness and fallback rely on).
 */
interface TenantShare {
  tenant: string;
  bytes: number;
  entries: Map<string, Entry>;
}

/** A result of this bucket, served from the cache. */
function hitAnswer(good: Good, now: number): CachedAnswer {
  return { kind: 'result', result: good.result, ageMs: now - good.timeMs, outcome: 'hit' };
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private readonly shares = new Map<string, TenantShare>();
  /** Estimated bytes of all entries: overhead, key, what `run` retains, result, error text. */
  private totalBytes = 0;
  /** Aborts shared queries on close; every query in flight listens to it. */
  private readonly closed = new AbortController();
  private readonly sweeper: NodeJS.Timeout;
  /** Evaluation time of the newest good result of any key (ms). */
  newestGoodMs = -Infinity;

  constructor(
    private readonly settings: CacheSettings,
    private readonly now: () => number = Date.now,
  ) {
    // One listener per query in flight: more than Node's default warning limit of 10 is normal.
    setMaxListeners(0, this.closed.signal);
    // A sweep every half idle window bounds how long an idle key outlives it.
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, settings.idleDropMs / 2));
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The estimated memory of all entries (bytes); kept at most `maxBytes`. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * The result for a key: fresh from this bucket, from a query already in flight, from a new
   * query, or (when the source fails) the last good result younger than maxStaleness, then the
   * fallback value. A failure is never turned into a value of its own.
   *
   * @throws {@link ScalerError} the query's error (bad queries always; transient failures when
   * nothing within maxStaleness and no fallback), `deadline_exceeded`, or `cancelled`.
   */
  async get(req: CacheRequest): Promise<CachedAnswer> {
    const now = this.now();
    const entry = this.touch(req, now);
    const bucket = bucketStart(now, req.ttlMs);
    const good = entry.good;
    if (good !== undefined && good.timeMs === bucket) return hitAnswer(good, now);
    const failing = entry.failure !== undefined && now < entry.failure.untilMs;
    const previousOk = req.allowPreviousBucket !== false;
    if (previousOk && !failing && good !== undefined && good.timeMs === bucket - req.ttlMs) {
      // The previous bucket's value is still within one TTL of fresh: serve it and refresh in
      // the background (refresh ahead normally got there first; this covers its jitter).
      if (entry.inflight === undefined) void this.fetch(entry, bucket, false);
      return { kind: 'result', result: good.result, ageMs: now - good.timeMs, outcome: 'previous' };
    }
    if (failing && entry.failure !== undefined)
      return this.onFailure(entry, req, entry.failure.error);

    // A query whose callers all left is being stopped: a new caller starts its own.
    const live = entry.interest?.signal.aborted === true ? undefined : entry.inflight;
    const joined = live !== undefined;
    const pending = live ?? this.fetch(entry, bucket, true);
    const waited = await this.waitFor(pending, entry.interest as QueryInterest, req);
    if (waited === 'timeout') {
      // UNAVAILABLE, as a request timeout always was: the source did not answer in the time
      // this trigger allows. Its own, so not remembered for the key's other callers.
      const timeout = new ScalerError(
        'unavailable',
        `the source did not answer within this trigger's timeout (${req.callerTimeoutMs}ms)`,
      );
      return this.onFailure(entry, req, timeout);
    }
    if (waited === 'deadline') {
      const deadline = new ScalerError(
        'deadline_exceeded',
        "the call's deadline ran out while the source was being queried",
      );
      return this.onFailure(entry, req, deadline);
    }
    if (waited === 'cancelled') throw new ScalerError('cancelled', 'the caller cancelled the call');
    if (!waited.ok) return this.onFailure(entry, req, waited.error);
    const fresh = entry.good as Good;
    return {
      kind: 'result',
      result: fresh.result,
      ageMs: Math.max(0, this.now() - fresh.timeMs),
      outcome: joined ? 'coalesced' : 'miss',
    };
  }

  /**
   * This bucket's result when the cache holds it, else undefined (then call {@link get}); marks
   * the key as asked for exactly as `get` does. Synchronous, so that a cached answer, which is
   * nearly every KEDA poll, costs no promise and no microtask (bench/hot-path.ts).
   */
  fresh(req: Pick<CacheRequest, 'key' | 'ttlMs' | 'tenant'>): CachedAnswer | undefined {
    const now = this.now();
    const key = compactKey(req.key);
    const entry = this.entries.get(key);
    const good = entry?.good;
    if (entry === undefined || good === undefined || good.timeMs !== bucketStart(now, req.ttlMs)) {
      return undefined;
    }
    this.markUsed(entry, req.tenant, now);
    return hitAnswer(good, now);
  }

  /** Stops refresh timers and abandons queries in flight. */
  close(): void {
    clearInterval(this.sweeper);
    this.closed.abort();
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
    this.shares.clear();
    this.totalBytes = 0;
  }

  private touch(req: CacheRequest, now: number): Entry {
    const key = compactKey(req.key);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        key,
        bytes: 0,
        retainedBytes: req.retainedBytes ?? 0,
        ttlMs: req.ttlMs,
        run: req.run,
        good: undefined,
        failure: undefined,
        inflight: undefined,
        interest: undefined,
        lastAskedMs: now,
        lastTenant: req.tenant,
        share: this.shareOf(req.tenant),
        timer: undefined,
      };
      this.entries.set(key, entry);
      entry.share.entries.set(key, entry);
      this.resize(entry);
      this.noteAsked(entry, req.tenant, now);
    } else {
      this.markUsed(entry, req.tenant, now);
    }
    // Any caller's run will do: every one of this key sends the same request.
    entry.run = req.run;
    return entry;
  }

  /** An existing key asked for again: most recently used, and {@link noteAsked}. */
  private markUsed(entry: Entry, tenant: string, now: number): void {
    // Map order is recency order: re-insert to mark the key as used, in the asker's share.
    const from = entry.share;
    from.entries.delete(entry.key);
    if (from.tenant === tenant) {
      from.entries.set(entry.key, entry);
    } else {
      from.bytes -= entry.bytes;
      if (from.entries.size === 0) this.shares.delete(from.tenant);
      entry.share = this.shareOf(tenant);
      entry.share.entries.set(entry.key, entry);
      entry.share.bytes += entry.bytes;
    }
    this.noteAsked(entry, tenant, now);
  }

  private shareOf(tenant: string): TenantShare {
    let share = this.shares.get(tenant);
    if (share === undefined) {
      share = { tenant, bytes: 0, entries: new Map() };
      this.shares.set(tenant, share);
    }
    return share;
  }

  /** The last time and namespace that asked, and refresh ahead for a key that is asked for. */
  private noteAsked(entry: Entry, tenant: string, now: number): void {
    entry.lastAskedMs = now;
    entry.lastTenant = tenant;
    this.scheduleRefresh(entry, now);
  }

  private onFailure(entry: Entry, req: CacheRequest, error: ScalerError): CachedAnswer {
    if (error.kind === 'bad_query' || error.kind === 'cancelled') throw error;
    const now = this.now();
    const good = entry.good;
    if (good !== undefined && now - good.timeMs <= req.maxStalenessMs) {
      return {
        kind: 'result',
        result: good.result,
        ageMs: now - good.timeMs,
        outcome: 'stale',
        cause: error,
      };
    }
    if (req.fallbackValue !== undefined) {
      return { kind: 'fallback', value: req.fallbackValue, cause: error };
    }
    const why =
      good === undefined
        ? 'and there is no earlier value to serve'
        : `and the last good value is ${Math.round((now - good.timeMs) / 1000)}s old, older ` +
          `than maxStaleness (${Math.round(req.maxStalenessMs / 1000)}s)`;
    throw new ScalerError(error.kind, `${error.message}; ${why}`, {
      cause: error,
      ...(error.source === undefined ? {} : { source: error.source }),
    });
  }

  /**
   * Starts the shared query for `bucket`; the promise never rejects. `forCallers`: started for
   * callers who wait on it, and stopped once none of them does; otherwise a refresh ahead.
   */
  private fetch(entry: Entry, bucket: number, forCallers: boolean): Promise<FetchOutcome> {
    const interest = new QueryInterest(entry.lastTenant, forCallers, this.closed.signal);
    entry.interest = interest;
    const pending = entry
      .run(bucket, interest)
      .then(
        (result): FetchOutcome => {
          if (entry.good === undefined || bucket >= entry.good.timeMs) {
            entry.good = { result, timeMs: bucket };
          }
          entry.failure = undefined;
          this.resize(entry);
          this.newestGoodMs = Math.max(this.newestGoodMs, bucket);
          return { ok: true };
        },
        (e: unknown): FetchOutcome => {
          const error = isScalerError(e)
            ? e
            : new ScalerError('unavailable', 'the query failed unexpectedly', { cause: e });
          // Who was charged (a slot taken back, no slot in time) is not the query's doing: such
          // a failure is its callers' alone, never remembered for the key's next callers.
          if (error.kind !== 'cancelled' && !error.callerSpecific) {
            // A Retry-After holds this query's negative entry as long as asked, too: the breaker
            // that honours it (an identity's) can be forgotten first (query-gateway.ts).
            const ttl = Math.max(
              error.kind === 'bad_query'
                ? this.settings.badQueryTtlMs
                : this.settings.negativeTtlMs,
              error.retryAfterMs ?? 0,
            );
            entry.failure = { error, untilMs: this.now() + ttl };
            this.resize(entry);
          }
          return { ok: false, error };
        },
      )
      .finally(() => {
        interest.settled();
        if (entry.inflight === pending) {
          entry.inflight = undefined;
          entry.interest = undefined;
        }
      });
    entry.inflight = pending;
    return pending;
  }

  /**
   * Waits for the shared query within the caller's own deadline, its trigger's timeout and its
   * cancellation: `timeout` when the trigger's own bound ran out first. Counted as waiting on
   * the query meanwhile; the last caller to stop waiting stops the query (QueryInterest).
   */
  private waitFor(
    pending: Promise<FetchOutcome>,
    interest: QueryInterest,
    req: CacheRequest,
  ): Promise<FetchOutcome | 'deadline' | 'timeout' | 'cancelled'> {
    const { caller } = req;
    const leave = interest.join(req.tenant);
    const deadlineLeftMs = caller.deadlineMs - this.now() - DEADLINE_MARGIN_MS;
    const ownLeftMs = req.callerTimeoutMs ?? Infinity;
    const bound = ownLeftMs < deadlineLeftMs ? 'timeout' : 'deadline';
    const leftMs = Math.min(ownLeftMs, deadlineLeftMs);
    if (leftMs <= 0) {
      leave();
      return Promise.resolve(bound);
    }
    const signal = caller.signal;
    if (signal.aborted) {
      leave();
      return Promise.resolve('cancelled');
    }
    return new Promise(resolve => {
      const timer = Number.isFinite(leftMs) ? setTimeout(() => done(bound), leftMs) : undefined;
      const onAbort = (): void => done('cancelled');
      const done = (value: FetchOutcome | 'deadline' | 'timeout' | 'cancelled'): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        leave();
        resolve(value);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void pending.then(done);
    });
  }

  /** Refresh ahead: at each bucket boundary, refresh keys that were asked for recently. */
  private scheduleRefresh(entry: Entry, now: number): void {
    if (entry.timer !== undefined) return;
    entry.timer = setTimeout(
      () => this.refresh(entry),
      msToNextBucket(now, entry.ttlMs) + jitterMs(entry.key, entry.ttlMs),
    );
    entry.timer.unref();
  }

  private refresh(entry: Entry): void {
    entry.timer = undefined;
    if (this.entries.get(entry.key) !== entry) return;
    const now = this.now();
    // Nobody asked lately: stop refreshing; the next request starts it again.
    if (now - entry.lastAskedMs > this.settings.idleRefreshMs) return;
    const failing = entry.failure !== undefined && now < entry.failure.untilMs;
    const bucket = bucketStart(now, entry.ttlMs);
    if (!failing && entry.inflight === undefined && entry.good?.timeMs !== bucket) {
      void this.fetch(entry, bucket, false);
    }
    this.scheduleRefresh(entry, now);
  }

  /**
   * Re-estimates an entry after it changed, then, while over either bound, drops the least
   * recently used entry of the namespace holding the most (bytes, or entries when over
   * `maxEntries`). The entry just resized stays even when it alone is over `maxBytes`: the call
   * that made it gets its answer, and the next new key pushes it out.
   */
  private resize(entry: Entry): void {
    if (this.entries.get(entry.key) !== entry) return; // already evicted
    const result = entry.good?.result;
    const samples = result === undefined ? 0 : result.kind === 'vector' ? result.samples.length : 1;
    const bytes =
      ENTRY_OVERHEAD_BYTES +
      entry.key.length +
      entry.retainedBytes +
      samples * SAMPLE_BYTES +
      (entry.failure?.error.message.length ?? 0);
    this.totalBytes += bytes - entry.bytes;
    entry.share.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    const { maxEntries, maxBytes } = this.settings;
    while (this.entries.size > maxEntries || this.totalBytes > maxBytes) {
      const victim = this.largestShare(this.entries.size > maxEntries)
        ?.entries.values()
        .next();
      if (victim === undefined || victim.done === true || victim.value === entry) break;
      this.drop(victim.value);
    }
  }

  /** The namespace holding the most entries (`byCount`) or bytes; O(namespaces). */
  private largestShare(byCount: boolean): TenantShare | undefined {
    let largest: TenantShare | undefined;
    for (const share of this.shares.values()) {
      const size = byCount ? share.entries.size : share.bytes;
      if (largest === undefined || size > (byCount ? largest.entries.size : largest.bytes)) {
        largest = share;
      }
    }
    return largest;
  }

  private drop(entry: Entry): void {
    clearTimeout(entry.timer);
    this.entries.delete(entry.key);
    this.totalBytes -= entry.bytes;
    const share = entry.share;
    share.entries.delete(entry.key);
    share.bytes -= entry.bytes;
    if (share.entries.size === 0) this.shares.delete(share.tenant);
  }

  private sweep(): void {
    const cutoff = this.now() - this.settings.idleDropMs;
    for (const share of this.shares.values()) {
      for (const entry of share.entries.values()) {
        // A share's order is recency order: its first recent key ends its sweep.
        if (entry.lastAskedMs >= cutoff) break;
        if (entry.inflight !== undefined) continue;
        this.drop(entry);
      }
    }
  }
}
