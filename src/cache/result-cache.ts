// Query results shared by every caller of the same query: time-bucketed TTL, single flight,
// refresh ahead, bounded last-known-good, negative caching, LRU bound (entries and bytes) and
// idle expiry.
import { setMaxListeners } from 'node:events';
import { ScalerError, isScalerError } from '../errors';
import type { QueryResult } from '../prometheus/decode-response';
import { DEADLINE_MARGIN_MS } from '../resilience/deadline';
import { compactKey } from '../util/compact-key';
import { bucketStart, jitterMs, msToNextBucket } from './time-bucket';

/**
 * What one entry costs besides its key, result and error text (bytes): bench/memory.ts measured
 * 700 bytes per key with 150-character keys and one-sample results (docs/performance.md "Performance").
 */
const ENTRY_OVERHEAD_BYTES = 600;
/** A sample in a vector result: an 8-byte double in a packed array (bytes). */
const SAMPLE_BYTES = 8;

export interface CacheSettings {
  /** Most entries kept; the least recently used is dropped beyond it. */
  maxEntries: number;
  /**
   * Most bytes kept, by the estimate of {@link ResultCache.bytes}; the least recently used
   * entries are dropped beyond it, so long queries cannot outgrow the memory limit.
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
  /** Runs the query for evaluation time `timeMs`; shared by every waiter of this key. */
  run: (timeMs: number, signal: AbortSignal) => Promise<QueryResult>;
  /** The caller's cancellation and absolute deadline (ms, Infinity for none). Its signal is
   * read only when the caller has to wait. */
  caller: { readonly signal: AbortSignal; readonly deadlineMs: number };
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
  lastAskedMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
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
    if (good !== undefined && good.timeMs === bucket) {
      return { kind: 'result', result: good.result, ageMs: now - good.timeMs, outcome: 'hit' };
    }
    const failing = entry.failure !== undefined && now < entry.failure.untilMs;
    const previousOk = req.allowPreviousBucket !== false;
    if (previousOk && !failing && good !== undefined && good.timeMs === bucket - req.ttlMs) {
      // The previous bucket's value is still within one TTL of fresh: serve it and refresh in
      // the background (refresh ahead normally got there first; this covers its jitter).
      if (entry.inflight === undefined) void this.fetch(entry, bucket);
      return { kind: 'result', result: good.result, ageMs: now - good.timeMs, outcome: 'previous' };
    }
    if (failing && entry.failure !== undefined)
      return this.onFailure(entry, req, entry.failure.error);

    const joined = entry.inflight !== undefined;
    const pending = entry.inflight ?? this.fetch(entry, bucket);
    const waited = await this.waitFor(pending, req);
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

  /** Stops refresh timers and abandons queries in flight. */
  close(): void {
    clearInterval(this.sweeper);
    this.closed.abort();
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
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
        lastAskedMs: now,
        timer: undefined,
      };
      this.entries.set(key, entry);
      this.resize(entry);
    } else {
      // Map order is recency order: re-insert to mark the key as used.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    entry.lastAskedMs = now;
    entry.run = req.run;
    this.scheduleRefresh(entry, now);
    return entry;
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

  /** Starts the shared query for `bucket`; the promise never rejects. */
  private fetch(entry: Entry, bucket: number): Promise<FetchOutcome> {
    const pending = entry
      .run(bucket, this.closed.signal)
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
          if (error.kind !== 'cancelled') {
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
        if (entry.inflight === pending) entry.inflight = undefined;
      });
    entry.inflight = pending;
    return pending;
  }

  /** Waits for the shared query within the caller's own deadline and cancellation. */
  private waitFor(
    pending: Promise<FetchOutcome>,
    req: CacheRequest,
  ): Promise<FetchOutcome | 'deadline' | 'cancelled'> {
    const leftMs = req.caller.deadlineMs - this.now() - DEADLINE_MARGIN_MS;
    if (leftMs <= 0) return Promise.resolve('deadline');
    const signal = req.caller.signal;
    if (signal.aborted) return Promise.resolve('cancelled');
    return new Promise(resolve => {
      const timer = Number.isFinite(leftMs)
        ? setTimeout(() => done('deadline'), leftMs)
        : undefined;
      const onAbort = (): void => done('cancelled');
      const done = (value: FetchOutcome | 'deadline' | 'cancelled'): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
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
      void this.fetch(entry, bucket);
    }
    this.scheduleRefresh(entry, now);
  }

  /**
   * Re-estimates an entry after it changed, then drops least recently used entries while over
   * either bound. The newest entry stays even when it alone is over `maxBytes`: the call that
   * made it gets its answer, and the next new key pushes it out.
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
    entry.bytes = bytes;
    const { maxEntries, maxBytes } = this.settings;
    while (
      this.entries.size > 1 &&
      (this.entries.size > maxEntries || this.totalBytes > maxBytes)
    ) {
      this.evictOldest();
    }
  }

  private evictOldest(): void {
    const oldest = this.entries.values().next();
    if (oldest.done === true) return;
    this.drop(oldest.value);
  }

  private drop(entry: Entry): void {
    clearTimeout(entry.timer);
    this.entries.delete(entry.key);
    this.totalBytes -= entry.bytes;
  }

  private sweep(): void {
    const cutoff = this.now() - this.settings.idleDropMs;
    for (const entry of this.entries.values()) {
      // Map order is recency order: the first recent key ends the sweep.
      if (entry.lastAskedMs >= cutoff) break;
      if (entry.inflight !== undefined) continue;
      this.drop(entry);
    }
  }
}
