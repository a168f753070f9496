// Cache rules with fake timers (Date.now and setTimeout): buckets, single flight, refresh ahead,
// last good value within maxStaleness, fallback, negative caching, LRU and idle expiry.
import { getEventListeners } from 'node:events';
import { ResultCache } from '../../../src/cache/result-cache';
import type { CacheRequest, CacheSettings } from '../../../src/cache/result-cache';
import { ScalerError } from '../../../src/errors';
import type { QueryResult } from '../../../src/prometheus/decode-response';
import { QueryInterest } from '../../../src/resilience/query-interest';

const SETTINGS: CacheSettings = {
  maxEntries: 100,
  maxBytes: 1 << 30,
  idleRefreshMs: 60_000,
  idleDropMs: 600_000,
  negativeTtlMs: 3000,
  badQueryTtlMs: 60_000,
};
const TTL = 15_000;
const vector = (v: number): QueryResult => ({ kind: 'vector', samples: [v] });

/** A fake source: records each query's evaluation time; answers from a script. */
class FakeSource {
  calls: number[] = [];
  answer: (timeMs: number) => Promise<QueryResult> = t => Promise.resolve(vector(t / 1000));
  run = (timeMs: number): Promise<QueryResult> => {
    this.calls.push(timeMs);
    return this.answer(timeMs);
  };
}

let cache: ResultCache;
let source: FakeSource;

beforeEach(() => {
  // 999,999,990,000 is a multiple of 15,000: start 1 s into a 15 s bucket.
  jest.useFakeTimers({ now: 999_999_991_000 });
  source = new FakeSource();
  cache = new ResultCache(SETTINGS);
});
afterEach(() => {
  cache.close();
  jest.useRealTimers();
});

const request = (extra: Partial<CacheRequest> = {}): CacheRequest => ({
  key: 'k',
  ttlMs: TTL,
  maxStalenessMs: 60_000,
  fallbackValue: undefined,
  run: source.run,
  caller: { signal: new AbortController().signal, deadlineMs: Infinity },
  tenant: 'ns',
  ...extra,
});
const until = (deadlineMs: number): Partial<CacheRequest> => ({
  caller: { signal: new AbortController().signal, deadlineMs },
});
const bucketOf = (t: number): number => Math.floor(t / TTL) * TTL;

test('the time sent to Prometheus is the start of the TTL bucket', async () => {
  const answer = await cache.get(request());
  expect(source.calls).toEqual([bucketOf(Date.now())]);
  expect(answer).toMatchObject({ kind: 'result', outcome: 'miss', ageMs: 1000 });
});

test('within a bucket every call is a hit: one query', async () => {
  await cache.get(request());
  jest.advanceTimersByTime(10_000);
  const answer = await cache.get(request());
  expect(answer).toMatchObject({ outcome: 'hit', ageMs: 11_000 });
  expect(source.calls).toHaveLength(1);
});

test("fresh(): this bucket's result at once, nothing before it or from another bucket", async () => {
  const key = { key: 'k', ttlMs: TTL, tenant: 'ns' };
  expect(cache.fresh(key)).toBeUndefined();
  expect(cache.size).toBe(0); // a miss creates no entry: get() does that
  await cache.get(request());
  jest.advanceTimersByTime(10_000);
  expect(cache.fresh(key)).toEqual({
    kind: 'result',
    result: vector(999_999_990),
    ageMs: 11_000,
    outcome: 'hit',
  });
  // Past the bucket: not fresh, even though the previous value would serve get().
  jest.setSystemTime(bucketOf(Date.now()) + TTL);
  expect(cache.fresh(key)).toBeUndefined();
  expect(source.calls).toHaveLength(1);
});

test('fresh() marks the key used as get() does: it outlives a key asked for earlier', async () => {
  const small = new ResultCache({ ...SETTINGS, maxEntries: 2 });
  try {
    await small.get(request({ key: 'a' }));
    await small.get(request({ key: 'b' }));
    expect(small.fresh({ key: 'a', ttlMs: TTL, tenant: 'ns' })).toMatchObject({ outcome: 'hit' });
    await small.get(request({ key: 'c' })); // drops the least recently used: b, not a
    expect(small.fresh({ key: 'a', ttlMs: TTL, tenant: 'ns' })).toMatchObject({ outcome: 'hit' });
    expect(small.fresh({ key: 'b', ttlMs: TTL, tenant: 'ns' })).toBeUndefined();
  } finally {
    small.close();
  }
});

test('the previous bucket is served while this one loads, unless the caller wants this bucket', async () => {
  await cache.get(request());
  let resolve!: (r: QueryResult) => void;
  source.answer = () => new Promise(r => (resolve = r));
  // A call just after the boundary, before refresh ahead ran: the previous value at once...
  jest.setSystemTime(bucketOf(Date.now()) + TTL);
  expect(await cache.get(request())).toMatchObject({
    outcome: 'previous',
    result: vector(999_999_990),
  });
  // ...but an activation watcher waits for this bucket's own value.
  const fresh = cache.get(request({ allowPreviousBucket: false }));
  resolve(vector(7));
  expect(await fresh).toMatchObject({ outcome: 'coalesced', result: vector(7) });
});

test('concurrent identical requests share one in-flight query', async () => {
  let resolve!: (r: QueryResult) => void;
  source.answer = () => new Promise(r => (resolve = r));
  const answers = Promise.all([cache.get(request()), cache.get(request()), cache.get(request())]);
  resolve(vector(5));
  const outcomes = (await answers).map(a => (a.kind === 'result' ? a.outcome : a.kind));
  expect(outcomes).toEqual(['miss', 'coalesced', 'coalesced']);
  expect(source.calls).toHaveLength(1);
});

test('refresh ahead: a key in use is re-queried at the next bucket without a caller waiting', async () => {
  await cache.get(request());
  const firstBucket = source.calls[0]!;
  await jest.advanceTimersByTimeAsync(TTL); // past the boundary, jitter included
  expect(source.calls).toEqual([firstBucket, firstBucket + TTL]);
  const answer = await cache.get(request());
  expect(answer).toMatchObject({ outcome: 'hit' });
  expect(source.calls).toHaveLength(2);
});

test('refresh ahead stops for keys nobody asked for within idleRefreshMs', async () => {
  await cache.get(request());
  await jest.advanceTimersByTimeAsync(5 * TTL);
  const refreshes = source.calls.length;
  expect(refreshes).toBeGreaterThan(1);
  await jest.advanceTimersByTimeAsync(SETTINGS.idleRefreshMs + 5 * TTL);
  const after = source.calls.length;
  await jest.advanceTimersByTimeAsync(10 * TTL);
  expect(source.calls.length).toBe(after);
});

describe('when the source fails', () => {
  const down = (): void => {
    source.answer = () =>
      Promise.reject(new ScalerError('unavailable', 'source "s" is unreachable'));
  };

  test('the last good value is served while younger than maxStaleness, marked stale', async () => {
    await cache.get(request());
    down();
    jest.advanceTimersByTime(2 * TTL);
    const answer = await cache.get(request());
    expect(answer).toMatchObject({ kind: 'result', outcome: 'stale', ageMs: 2 * TTL + 1000 });
    expect(answer.kind === 'result' && answer.cause?.message).toMatch(/unreachable/);
  });

  test('past maxStaleness: UNAVAILABLE saying how old the value is, never a 0', async () => {
    await cache.get(request());
    down();
    jest.advanceTimersByTime(61_000);
    await expect(cache.get(request())).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(
        /unreachable; and the last good value is 62s old, older than maxStaleness \(60s\)/,
      ) as string,
    });
  });

  test('past maxStaleness with fallbackValue: the fallback value', async () => {
    await cache.get(request());
    down();
    jest.advanceTimersByTime(61_000);
    expect(await cache.get(request({ fallbackValue: 4 }))).toMatchObject({
      kind: 'fallback',
      value: 4,
    });
  });

  test('nothing cached yet: UNAVAILABLE, or the fallback value', async () => {
    down();
    await expect(cache.get(request())).rejects.toMatchObject({ kind: 'unavailable' });
    expect(await cache.get(request({ fallbackValue: 0 }))).toMatchObject({
      kind: 'fallback',
      value: 0,
    });
  });

  test("a failure is remembered for negativeTtlMs: KEDA's immediate retry costs no query", async () => {
    down();
    await expect(cache.get(request())).rejects.toThrow();
    await expect(cache.get(request())).rejects.toThrow();
    expect(source.calls).toHaveLength(1);
    jest.advanceTimersByTime(SETTINGS.negativeTtlMs);
    await expect(cache.get(request())).rejects.toThrow();
    expect(source.calls).toHaveLength(2);
  });

  test("a failure that depends on who was charged (a slot taken back) is never another caller's", async () => {
    source.answer = () =>
      Promise.reject(
        new ScalerError('unavailable', 'stopped this query to free its slot', {
          callerSpecific: true,
        }),
      );
    await expect(cache.get(request({ tenant: 'team-b' }))).rejects.toThrow(/free its slot/);
    source.answer = t => Promise.resolve(vector(t / 1000));
    // team-a asks the same key at once: its own query is sent, not team-b's failure served.
    await expect(cache.get(request({ tenant: 'team-a' }))).resolves.toMatchObject({
      kind: 'result',
    });
    expect(source.calls).toHaveLength(2);
  });

  test('a bad query is an error at once, remembered longer, and never served stale', async () => {
    await cache.get(request());
    source.answer = () => Promise.reject(new ScalerError('bad_query', 'parse error'));
    jest.advanceTimersByTime(2 * TTL);
    await expect(cache.get(request())).rejects.toMatchObject({ kind: 'bad_query' });
    jest.advanceTimersByTime(SETTINGS.negativeTtlMs);
    await expect(cache.get(request())).rejects.toMatchObject({ kind: 'bad_query' });
    expect(source.calls).toHaveLength(2);
  });

  test('recovery: the first good answer is served fresh again', async () => {
    await cache.get(request());
    down();
    jest.advanceTimersByTime(2 * TTL);
    await cache.get(request());
    source.answer = () => Promise.resolve(vector(99));
    jest.advanceTimersByTime(SETTINGS.negativeTtlMs);
    const answer = await cache.get(request());
    expect(answer).toMatchObject({ kind: 'result', outcome: 'miss', result: vector(99) });
  });
});

describe("the caller's deadline", () => {
  test('a slow query past the deadline serves the last good value', async () => {
    await cache.get(request());
    source.answer = () => new Promise(() => undefined);
    // The refresh ahead started at the bucket boundary hangs; the caller joins it.
    jest.advanceTimersByTime(2 * TTL);
    const pending = cache.get(request(until(Date.now() + 500)));
    await jest.advanceTimersByTimeAsync(500);
    expect(await pending).toMatchObject({ outcome: 'stale' });
  });

  test('without a value: DEADLINE_EXCEEDED', async () => {
    source.answer = () => new Promise(() => undefined);
    const pending = cache.get(request(until(Date.now() + 500)));
    const check = expect(pending).rejects.toMatchObject({ kind: 'deadline_exceeded' });
    await jest.advanceTimersByTimeAsync(500);
    await check;
  });

  test('a cancelled caller gets CANCELLED; the shared query goes on for the others', async () => {
    let resolve!: (r: QueryResult) => void;
    source.answer = () => new Promise(r => (resolve = r));
    const controller = new AbortController();
    const leaving = cache.get(
      request({ caller: { signal: controller.signal, deadlineMs: Infinity } }),
    );
    const staying = cache.get(request());
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ kind: 'cancelled' });
    resolve(vector(3));
    expect(await staying).toMatchObject({ outcome: 'coalesced', result: vector(3) });
  });
});

describe('who waits for the shared query', () => {
  /** A query that answers when told, and records the interest it ran with. */
  const held = () => {
    const seen: { interest?: QueryInterest; resolve?: (r: QueryResult) => void } = {};
    const run: CacheRequest['run'] = (_timeMs, interest) => {
      seen.interest = interest;
      return new Promise((resolve, reject) => {
        seen.resolve = resolve;
        interest.signal.addEventListener('abort', () => reject(interest.signal.reason as Error));
      });
    };
    return { seen, run };
  };

  test('a trigger timeout bounds only its own caller: the query goes on for the others', async () => {
    const q = held();
    const quick = cache.get(
      request({
        run: q.run,
        tenant: 'b',
        callerTimeoutMs: 1,
      }),
    );
    const patient = cache.get(request({ run: q.run }));
    const check = expect(quick).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining(
        "the source did not answer within this trigger's timeout (1ms)",
      ) as string,
    });
    await jest.advanceTimersByTimeAsync(1);
    await check;
    expect(q.seen.interest?.signal.aborted).toBe(false);
    q.seen.resolve?.(vector(4));
    expect(await patient).toMatchObject({ outcome: 'coalesced', result: vector(4) });
  });

  test('once no caller waits, the query is stopped, and the next caller starts its own', async () => {
    const q = held();
    const controller = new AbortController();
    const leaving = cache.get(
      request({
        run: q.run,
        caller: { signal: controller.signal, deadlineMs: Infinity },
        tenant: 'b',
      }),
    );
    const first = q.seen.interest;
    expect(first?.shares()).toEqual(new Map([['b', 1]]));
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ kind: 'cancelled' });
    expect(first?.signal.aborted).toBe(true);
    const next = cache.get(request({ run: q.run }));
    expect(q.seen.interest).not.toBe(first);
    q.seen.resolve?.(vector(5));
    expect(await next).toMatchObject({ outcome: 'miss', result: vector(5) });
  });

  test('coalesced callers of two namespaces share the charge of the query', async () => {
    const q = held();
    const a = cache.get(request({ run: q.run }));
    const b = cache.get(
      request({
        run: q.run,
        tenant: 'b',
      }),
    );
    expect(q.seen.interest?.shares()).toEqual(
      new Map([
        ['ns', 0.5],
        ['b', 0.5],
      ]),
    );
    q.seen.resolve?.(vector(1));
    await Promise.all([a, b]);
  });

  test('a refresh ahead, which nobody waits for, is not stopped for want of callers', async () => {
    await cache.get(request());
    const q = held();
    await cache.get(request({ run: q.run })); // a hit; the refresh ahead will use this run
    await jest.advanceTimersByTimeAsync(TTL);
    expect(q.seen.interest?.background).toBe(true);
    expect(q.seen.interest?.signal.aborted).toBe(false);
    q.seen.resolve?.(vector(9));
  });
});

describe('bounded memory', () => {
  test('beyond maxEntries the least recently used key is dropped', async () => {
    const small = new ResultCache({ ...SETTINGS, maxEntries: 2 });
    try {
      await small.get(request({ key: 'a' }));
      await small.get(request({ key: 'b' }));
      await small.get(request({ key: 'a' }));
      await small.get(request({ key: 'c' }));
      expect(small.size).toBe(2);
      const calls = source.calls.length;
      await small.get(request({ key: 'a' }));
      expect(source.calls.length).toBe(calls);
      await small.get(request({ key: 'b' }));
      expect(source.calls.length).toBe(calls + 1);
    } finally {
      small.close();
    }
  });

  test("one namespace's flood of distinct keys evicts its own entries, not another's last good value", async () => {
    const small = new ResultCache({ ...SETTINGS, maxEntries: 10 });
    try {
      await small.get(request({ key: 'a-value', tenant: 'team-a' }));
      for (let i = 0; i < 50; i++) {
        await small.get(request({ key: `b-${i}`, tenant: 'team-b' }));
      }
      expect(small.size).toBe(10);
      // team-a's source now fails: its last good value is still there to serve while stale.
      source.answer = () => Promise.reject(new ScalerError('unavailable', 'source down'));
      jest.setSystemTime(Date.now() + TTL);
      expect(
        await small.get(request({ key: 'a-value', tenant: 'team-a', allowPreviousBucket: false })),
      ).toMatchObject({ kind: 'result', outcome: 'stale' });
      // team-b kept its 9 most recent keys and lost its older ones.
      const calls = source.calls.length;
      expect(small.fresh({ key: 'b-0', ttlMs: TTL, tenant: 'team-b' })).toBeUndefined();
      expect(source.calls.length).toBe(calls);
    } finally {
      small.close();
    }
  });

  test('over maxBytes, the namespace holding the most bytes gives up its oldest entry first', async () => {
    const longKey = (i: number): string => `${i}:${'q'.repeat(20_000)}`;
    const small = new ResultCache({ ...SETTINGS, maxEntries: 1000, maxBytes: 200_000 });
    try {
      // team-a: two entries; team-b: then ten more, over the bound.
      for (let i = 0; i < 2; i++) {
        await small.get(request({ key: longKey(i), retainedBytes: 20_000, tenant: 'team-a' }));
      }
      for (let i = 2; i < 12; i++) {
        await small.get(request({ key: longKey(i), retainedBytes: 20_000, tenant: 'team-b' }));
      }
      expect(small.bytes).toBeLessThanOrEqual(200_000);
      for (const i of [0, 1]) {
        expect(small.fresh({ key: longKey(i), ttlMs: TTL, tenant: 'team-a' })).toMatchObject({
          outcome: 'hit',
        });
      }
      expect(small.fresh({ key: longKey(2), ttlMs: TTL, tenant: 'team-b' })).toBeUndefined();
    } finally {
      small.close();
    }
  });

  test('keys idle for idleDropMs are dropped by the sweep', async () => {
    await cache.get(request({ key: 'idle' }));
    expect(cache.size).toBe(1);
    await jest.advanceTimersByTimeAsync(SETTINGS.idleDropMs * 1.5 + 1000);
    expect(cache.size).toBe(0);
  });

  test('close() leaves no timer behind', async () => {
    await cache.get(request());
    cache.close();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('bounded by bytes', () => {
  const longKey = (i: number): string => `${i}:${'q'.repeat(20_000)}`;

  test('entries with long keys and the text they retain stay within maxBytes', async () => {
    const maxBytes = 200_000;
    const small = new ResultCache({ ...SETTINGS, maxEntries: 1000, maxBytes });
    try {
      for (let i = 0; i < 100; i++) {
        await small.get(request({ key: longKey(i), retainedBytes: 20_000 }));
        expect(small.bytes).toBeLessThanOrEqual(maxBytes);
      }
      // About 20 KB each: nine fit, far fewer than maxEntries.
      expect(small.size).toBe(9);
      // The newest is still served from the cache; the oldest was dropped and is asked again.
      const calls = source.calls.length;
      await small.get(request({ key: longKey(99), retainedBytes: 20_000 }));
      expect(source.calls.length).toBe(calls);
      await small.get(request({ key: longKey(0), retainedBytes: 20_000 }));
      expect(source.calls.length).toBe(calls + 1);
    } finally {
      small.close();
    }
  });

  test('a large result counts: 124,900 samples (999,200 bytes) push out every older entry', async () => {
    const small = new ResultCache({ ...SETTINGS, maxBytes: 1_000_000 });
    try {
      for (let i = 0; i < 10; i++) await small.get(request({ key: `small-${i}` }));
      const many: QueryResult = { kind: 'vector', samples: new Array<number>(124_900).fill(1) };
      await small.get(request({ key: 'large', run: () => Promise.resolve(many) }));
      expect(small.bytes).toBeLessThanOrEqual(1_000_000);
      expect(small.size).toBe(1);
    } finally {
      small.close();
    }
  });

  test('a long key is held as a digest, and the same long key finds its entry', async () => {
    await cache.get(request({ key: longKey(1) }));
    await cache.get(request({ key: longKey(1) }));
    expect(source.calls.length).toBe(1);
    expect(cache.bytes).toBeLessThan(2000);
  });
});

test("a query no longer listens to the cache's lifetime once it ended: nothing kept per query", async () => {
  const lifetime = new AbortController();
  const interest = new QueryInterest('ns', true, lifetime.signal);
  expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(1);
  interest.settled();
  expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(0);
  // Through the cache: 50 queries of distinct keys leave no listener on its lifetime signal
  // (each one left there kept its query's interest for good, about 1.5 kB; bench/memory.ts).
  for (let i = 0; i < 50; i++) await cache.get(request({ key: `k${i}` }));
  const closed = (cache as unknown as { closed: AbortController }).closed;
  expect(getEventListeners(closed.signal, 'abort')).toHaveLength(0);
});
