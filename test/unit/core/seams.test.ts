// Unit tests at the seams, with the no-op telemetry: the evaluator over a real cache and a fake
// gateway, the query gateway's breaker over a source that cannot connect, and readiness's pure
// read versus its probe.
import { ResultCache } from '../../../src/cache/result-cache';
import { Evaluator } from '../../../src/core/evaluate';
import type { ResolvedTrigger } from '../../../src/core/resolve-trigger';
import { Readiness } from '../../../src/health/readiness';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import type { QueryResult } from '../../../src/prometheus/decode-response';
import { QueryGateway } from '../../../src/sources/query-gateway';
import type { Source } from '../../../src/sources/source';
import { createLogger } from '../../../src/telemetry/logger';
import { NoopMetrics } from '../../../src/telemetry/metrics';

const cacheSettings = {
  maxEntries: 100,
  maxBytes: 1 << 30,
  idleRefreshMs: 60_000,
  idleDropMs: 600_000,
  negativeTtlMs: 1000,
  badQueryTtlMs: 1000,
};
const cacheConfig = { ...cacheSettings, ttlMs: 5000, maxStalenessMs: 60_000 } as never;
const ctx = { signal: new AbortController().signal, deadlineMs: Infinity };
const source = { name: 's', url: 'http://p:9090', defaultTimeoutMs: 1000 } as Source;
const trigger = (metadata: Record<string, string>): ResolvedTrigger => ({
  spec: parseTrigger({ threshold: '1', ...metadata }),
  source,
  metricName: 'm',
});

describe('Evaluator', () => {
  let cache: ResultCache;
  afterEach(() => cache.close());

  function evaluator(answer: () => Promise<QueryResult>): { ev: Evaluator; queries: string[] } {
    const queries: string[] = [];
    cache = new ResultCache(cacheSettings);
    const gateway = {
      query: (_s: Source, q: { query: string }) => {
        queries.push(q.query);
        return answer();
      },
    };
    const ev = new Evaluator({
      cache,
      cacheConfig,
      gateway: gateway as never,
      metrics: new NoopMetrics(),
      logger: createLogger('silent'),
    });
    return { ev, queries };
  }

  test('reduces the result; activity is value > activationThreshold, using activationQuery', async () => {
    const { ev, queries } = evaluator(() => Promise.resolve({ kind: 'scalar', value: 3 }));
    const t = trigger({ query: 'q', activationQuery: 'aq', activationThreshold: '3' });
    expect(await ev.evaluate(t, ctx, 'ns')).toMatchObject({ value: 3, active: false });
    await ev.evaluate(t, ctx, 'ns', { activation: true });
    expect(queries).toEqual(['q', 'aq']);
  });

  test('a failing source with fallbackValue gives the fallback, marked as such', async () => {
    const { ev } = evaluator(() => Promise.reject(new Error('down')));
    const t = trigger({ query: 'q', fallbackValue: '7' });
    await expect(ev.evaluate(t, ctx, 'ns')).resolves.toMatchObject({
      value: 7,
      outcome: 'fallback',
      ageMs: 0,
    });
  });
});

/** A source for the gateway whose connection is refused, or that answers scalar 1. */
const gatewaySource = (fails: boolean, id = 's', name = 's'): Source =>
  ({
    ...source,
    id,
    name,
    origin: 'http://p:9090',
    basePath: '',
    maxConcurrentQueries: 1,
    headers: () => ({}),
    ownsHeader: () => false,
    secretValues: () => [],
    dispatcher: () => {
      if (fails) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
      const body = '{"status":"success","data":{"resultType":"scalar","result":[0,"1"]}}';
      return {
        request: () =>
          Promise.resolve({
            statusCode: 200,
            headers: {},
            body: Object.assign([Buffer.from(body)], { destroy: () => undefined }),
          }),
      };
    },
  }) as unknown as Source;

const gatewayQuery = {
  query: 'up',
  timeMs: 0,
  timeoutMs: 500,
  namespace: undefined,
  queryParameters: {},
  customHeaders: {},
  method: 'GET' as const,
};

describe('QueryGateway', () => {
  test('opens the breaker after the threshold of failures and names the source', async () => {
    const refused: string[] = [];
    const metrics = new NoopMetrics();
    metrics.queryRefused = (_source: string, outcome: string) => void refused.push(outcome);
    const gateway = new QueryGateway({
      breaker: { failureThreshold: 2, openMs: 60_000, closeAfterSuccesses: 1 },
      maxResponseBytes: 1000,
      metrics,
    });
    const broken = gatewaySource(true);
    const q = gatewayQuery;
    const signal = new AbortController().signal;
    for (let i = 0; i < 2; i++) {
      await expect(gateway.query(broken, q, 'ns', signal)).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringContaining('ECONNREFUSED') as string,
      });
    }
    await expect(gateway.query(broken, q, 'ns', signal)).rejects.toThrow(
      /source "s" is failing \(circuit breaker open after 2 consecutive failures\)/,
    );
    expect(refused).toEqual(['breaker_open']);
    expect(gateway.firstAttemptMs).toEqual(expect.any(Number));
  });
  test('one breaker per source identity; one series per name showing the worst state', async () => {
    let read: () => Iterable<{ source: string; state: string }> = () => [];
    const metrics = new NoopMetrics();
    metrics.observeBreakers = r => void (read = r);
    const gateway = new QueryGateway({
      breaker: { failureThreshold: 1, openMs: 60_000, closeAfterSuccesses: 1 },
      maxResponseBytes: 1000,
      metrics,
    });
    const q = gatewayQuery;
    const signal = new AbortController().signal;
    // Two addresses admitted by one pattern: same name, different identities.
    await expect(
      gateway.query(gatewaySource(true, 'address:x', 'pat'), q, 'ns', signal),
    ).rejects.toThrow();
    await expect(
      gateway.query(gatewaySource(false, 'address:y', 'pat'), q, 'ns', signal),
    ).resolves.toEqual({
      kind: 'scalar',
      value: 1,
    });
    expect([...read()]).toEqual([{ source: 'pat', state: 'open' }]);
  });
});

describe('identity breakers', () => {
  /** A source that answers every request with `statusCode`, counting them. */
  const answering = (statusCode: number) => {
    const sent = { count: 0 };
    const src = {
      ...gatewaySource(false),
      dispatcher: () => ({
        request: () => {
          sent.count++;
          return Promise.resolve({
            statusCode,
            headers: {},
            body: Object.assign([Buffer.from('no')], { destroy: () => undefined, on: () => {} }),
          });
        },
      }),
    } as unknown as Source;
    return { src, sent };
  };
  const asTenant = (tenant: string) => ({
    ...gatewayQuery,
    customHeaders: { 'X-Scope-OrgID': tenant },
  });

  /** A gateway whose breakers open at the first failure and stay open a minute. */
  const strictGateway = () =>
    new QueryGateway({
      breaker: { failureThreshold: 1, openMs: 60_000, closeAfterSuccesses: 1 },
      maxResponseBytes: 1000,
      metrics: new NoopMetrics(),
    });
  const signal = new AbortController().signal;

  test("a tenant's refusals open that tenant's breaker, not the source's", async () => {
    const { src, sent } = answering(403);
    const gateway = strictGateway();
    await expect(gateway.query(src, asTenant('t1'), 'ns', signal)).rejects.toThrow(/HTTP 403/);
    await expect(gateway.query(src, asTenant('t1'), 'ns', signal)).rejects.toThrow(
      /refused this trigger's customHeaders x-scope-orgid \(circuit breaker open after 1 /,
    );
    expect(sent.count).toBe(1);
    // Another tenant, and the source's own identity, are still asked.
    await expect(gateway.query(src, asTenant('t2'), 'ns', signal)).rejects.toThrow(/HTTP 403/);
    await expect(gateway.query(src, gatewayQuery, 'ns', signal)).rejects.toThrow(/HTTP 403/);
    expect(sent.count).toBe(3);
  });

  test('at most 4096 identities are kept: the least recently used is forgotten', async () => {
    const { src, sent } = answering(403);
    const gateway = strictGateway();
    const ask = (tenant: string) =>
      gateway.query(src, asTenant(tenant), 'ns', signal).catch(() => 0);
    await ask('victim');
    for (let i = 0; i < 4095; i++) await ask(`other-${i}`);
    await ask('victim'); // still remembered (4096 kept): refused without a request
    expect(sent.count).toBe(4096);
    await ask('one-more'); // pushes out the least recently used ('other-0')
    await ask('other-0');
    expect(sent.count).toBe(4098);
  });
});

describe('shared breakers count only what no trigger can cause', () => {
  /**
   * A source that answers `statusCode` (with `headers` and `body`) to the query `failing`, and
   * `1` to others; `reset`: the connection breaks mid-answer instead.
   */
  const answering = (
    statusCode: number,
    failing: string,
    headers: Record<string, string> = {},
    body = '{"status":"error","errorType":"internal","error":"boom"}',
  ) => {
    const sent: string[] = [];
    const ok = '{"status":"success","data":{"resultType":"scalar","result":[0,"1"]}}';
    const src = {
      ...gatewaySource(false),
      dispatcher: () => ({
        request: (options: { path: string }) => {
          const query = new URLSearchParams(options.path.split('?')[1]).get('query') ?? '';
          sent.push(query);
          const bad = query === failing;
          if (bad && statusCode === 0) {
            return Promise.reject(
              Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
            );
          }
          return Promise.resolve({
            statusCode: bad ? statusCode : 200,
            headers: bad ? headers : {},
            body: Object.assign([Buffer.from(bad ? body : ok)], {
              destroy: () => undefined,
              on: () => {},
            }),
          });
        },
      }),
    } as unknown as Source;
    return { src, sent };
  };
  const ask = (query: string) => ({ ...gatewayQuery, query });
  const signal = new AbortController().signal;
  const newGateway = () => {
    let read: () => Iterable<{ source: string; state: string }> = () => [];
    const metrics = new NoopMetrics();
    metrics.observeBreakers = r => void (read = r);
    const gateway = new QueryGateway({
      breaker: { failureThreshold: 2, openMs: 60_000, closeAfterSuccesses: 1 },
      maxResponseBytes: 1000,
      metrics,
    });
    return { gateway, states: () => [...read()] };
  };

  test.each([
    ['a 5xx', 500, undefined, /HTTP 500, internal/],
    [
      'a 503 timeout',
      503,
      '{"status":"error","errorType":"timeout","error":"timed out"}',
      /timed out/,
    ],
    [
      'an answer that is not JSON (a proxy page, a compressed body)',
      200,
      '\u001f\u008b garbage',
      /not JSON/,
    ],
    [
      'a native histogram sample',
      200,
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[0,{}]}]}}',
      /native histogram/,
    ],
    ['a connection broken mid-answer', 0, undefined, /UND_ERR_SOCKET/],
  ])(
    "%s for one namespace's query opens no shared breaker",
    async (_what, status, body, message) => {
      const { src, sent } = answering(status, 'costly', {}, body);
      const { gateway, states } = newGateway();
      for (let i = 0; i < 3; i++) {
        await expect(gateway.query(src, ask('costly'), 'team-b', signal)).rejects.toThrow(message);
      }
      expect(sent).toEqual(['costly', 'costly', 'costly']);
      await expect(gateway.query(src, ask('cheap'), 'team-a', signal)).resolves.toEqual({
        kind: 'scalar',
        value: 1,
      });
      expect(states()).toEqual([{ source: 's', state: 'closed' }]);
    },
  );

  test("a 503 with Retry-After and Prometheus's own error is that query's failure alone", async () => {
    const { src, sent } = answering(503, 'any', { 'retry-after': '30' });
    const { gateway, states } = newGateway();
    await expect(gateway.query(src, ask('any'), 'team-b', signal)).rejects.toMatchObject({
      message: expect.stringContaining('HTTP 503') as string,
      retryAfterMs: 30_000,
    });
    await expect(gateway.query(src, ask('other'), 'team-a', signal)).resolves.toEqual({
      kind: 'scalar',
      value: 1,
    });
    expect(sent).toEqual(['any', 'other']);
    expect(states()).toEqual([{ source: 's', state: 'closed' }]);
  });

  test("a gateway's 503 with Retry-After holds the identity it was sent as: the server asked", async () => {
    const { src, sent } = answering(
      503,
      'any',
      { 'retry-after': '30' },
      '<html>maintenance</html>',
    );
    const { gateway } = newGateway();
    const route = (query: string) => ({ ...ask(query), customHeaders: { 'X-Route': 'canary' } });
    // Sent down the route a trigger's own header selects: that route waits, no one else.
    await expect(gateway.query(src, route('any'), 'team-b', signal)).rejects.toThrow(/HTTP 503/);
    await expect(gateway.query(src, route('other'), 'team-b', signal)).rejects.toThrow(
      /asked this trigger's customHeaders x-route to wait \(Retry-After\)/,
    );
    await expect(gateway.query(src, ask('other'), 'team-a', signal)).resolves.toEqual({
      kind: 'scalar',
      value: 1,
    });
    // Under the source's own credentials: every namespace waits, as the server asked.
    await expect(gateway.query(src, ask('any'), 'team-b', signal)).rejects.toThrow(/HTTP 503/);
    await expect(gateway.query(src, ask('other'), 'team-a', signal)).rejects.toThrow(
      /source "s" asked the scaler to wait \(Retry-After\)/,
    );
    expect(sent).toEqual(['any', 'other', 'any']);
  });

  test("a 403 under the source's own credentials stops only that query; under a tenant, the tenant", async () => {
    const { src, sent } = answering(403, 'waf-blocked');
    const { gateway, states } = newGateway();
    for (let i = 0; i < 3; i++) {
      await expect(gateway.query(src, ask('waf-blocked'), 'team-b', signal)).rejects.toThrow(
        /HTTP 403/,
      );
    }
    await expect(gateway.query(src, ask('other'), 'team-a', signal)).resolves.toEqual({
      kind: 'scalar',
      value: 1,
    });
    expect(sent).toHaveLength(4);
    expect(states()).toEqual([{ source: 's', state: 'closed' }]);
  });

  test("a bad query stays the query's fault, Retry-After or not", async () => {
    const { src } = answering(
      503,
      'bad',
      { 'retry-after': '30' },
      '{"status":"error","errorType":"execution","error":"too many samples"}',
    );
    const { gateway, states } = newGateway();
    await expect(gateway.query(src, ask('bad'), 'team-b', signal)).rejects.toMatchObject({
      kind: 'bad_query',
    });
    expect(states()).toEqual([{ source: 's', state: 'closed' }]);
  });

  test('at most 1024 address gates are kept, and they never push out a configured source', async () => {
    const strict = new QueryGateway({
      breaker: { failureThreshold: 1, openMs: 60_000, closeAfterSuccesses: 1 },
      maxResponseBytes: 1000,
      metrics: new NoopMetrics(),
    });
    const at = (i: number) => gatewaySource(true, `address:${i}`, 'pattern');
    const tryIt = (i: number) => strict.query(at(i), gatewayQuery, 'team-b', signal);
    const configured = gatewaySource(true);
    await expect(strict.query(configured, gatewayQuery, 'team-a', signal)).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await expect(tryIt(0)).rejects.toThrow(/ECONNREFUSED/);
    await expect(tryIt(0)).rejects.toThrow(/circuit breaker open/);
    for (let i = 1; i <= 1024; i++) await expect(tryIt(i)).rejects.toThrow(/ECONNREFUSED/);
    // address:0's gate was the least recently used: forgotten, so it is tried again.
    await expect(tryIt(0)).rejects.toThrow(/ECONNREFUSED/);
    // The configured source's open breaker is still remembered.
    await expect(strict.query(configured, gatewayQuery, 'team-a', signal)).rejects.toThrow(
      /circuit breaker open/,
    );
  });

  test('an unreachable source opens the source breaker for every namespace', async () => {
    const { gateway } = newGateway();
    const broken = gatewaySource(true);
    for (const ns of ['team-a', 'team-b']) {
      await expect(gateway.query(broken, gatewayQuery, ns, signal)).rejects.toThrow(/ECONNREFUSED/);
    }
    await expect(gateway.query(broken, gatewayQuery, 'team-c', signal)).rejects.toThrow(
      /source "s" is failing \(circuit breaker open after 2 consecutive failures\)/,
    );
  });
});

describe('Readiness', () => {
  test('staleReason only reads; checkAndProbe probes each source, at most every 5 s; ready means serving', () => {
    let now = 100_000;
    const probes: string[] = [];
    const gateway = {
      firstAttemptMs: 0 as number | undefined,
      lastSuccessMs: 0,
      query: (s: Source) => {
        probes.push(s.name);
        return Promise.resolve({ kind: 'scalar', value: 1 });
      },
    };
    const readiness = new Readiness({
      gateway: gateway as never,
      cache: { newestGoodMs: 0 } as never,
      sources: () => [source],
      windowMs: 30_000,
      now: () => now,
    });
    readiness.serving = true;
    expect(readiness.staleReason()).toMatch(/no source answered in the last 30s/);
    expect(readiness.notReadyReason()).toBeUndefined();
    expect(probes).toEqual([]);
    expect(readiness.checkAndProbe()).toMatch(/no source answered/);
    expect(readiness.checkAndProbe()).toMatch(/no source answered/);
    expect(probes).toEqual(['s']);
    now += 5000;
    readiness.checkAndProbe();
    expect(probes).toEqual(['s', 's']);
    gateway.lastSuccessMs = now;
    expect(readiness.checkAndProbe()).toBeUndefined();
    expect(probes).toHaveLength(2);
    readiness.stop();
  });
  test('silence is counted from the first query: one still in flight is neither stale nor probed', () => {
    let now = 1_700_000_000_000;
    const probes: string[] = [];
    const gateway = {
      firstAttemptMs: undefined as number | undefined,
      lastSuccessMs: -Infinity,
      query: (s: Source) => {
        probes.push(s.name);
        return Promise.resolve({ kind: 'scalar', value: 1 });
      },
    };
    const readiness = new Readiness({
      gateway: gateway as never,
      cache: { newestGoodMs: -Infinity } as never,
      sources: () => [source],
      windowMs: 2000,
      now: () => now,
    });
    readiness.serving = true;
    expect(readiness.checkAndProbe()).toBeUndefined();
    gateway.firstAttemptMs = now; // the first query is sent and has not answered yet
    now += 2000;
    expect(readiness.checkAndProbe()).toBeUndefined();
    expect(probes).toEqual([]);
    now += 1;
    expect(readiness.checkAndProbe()).toMatch(/no source answered in the last 2s/);
    expect(probes).toEqual(['s']);
    readiness.stop();
  });
});
