// What is shared (the upstream request, its cached result, a push watcher's evaluation, the
// breaker, the query slots) depends only on the query and the source it is sent as: another
// namespace's fallbackValue, timeout, queryParameters, slow or failing queries change nothing one
// namespace sees. Attacked from a second namespace with a grpc-js client and `buf curl`.
import type { ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import { bufCurl } from '../helpers/buf-curl';
import { record, until } from '../helpers/streams';
import type { Scaler } from './harness';
import { metricValue, ref, startScaler, timed } from './harness';

/** How the stand-in answers each query text. */
interface Script {
  /** The sample value per query (default "0"). */
  values: Map<string, string>;
  /** How long before answering (ms); queries starting "hang" never answer. */
  delayMs: number;
  /** Requests of "hang" queries whose connection the scaler closed (it gave the query up). */
  abandoned: string[];
}

const SOURCE_TIMEOUT_MS = 5000;
/**
 * Whether a sent `timeout` parameter (s) is the source's 5 s: 4.750 (query-client.ts keeps a
 * 250 ms margin), less any milliseconds spent queued for a slot. A trigger's 1 ms is never near.
 */
const isSourceTimeout = (param: string | null): boolean =>
  Number(param) > 4 && Number(param) <= 4.75;

let scaler: Scaler;
const script: Script = { values: new Map(), delayMs: 0, abandoned: [] };

function respond(res: ServerResponse, query: URLSearchParams): void {
  const q = query.get('query') ?? '';
  const send = (): void => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: {}, value: [Date.now() / 1000, script.values.get(q) ?? '0'] }],
        },
      }),
    );
  };
  if (q.startsWith('costly')) {
    // A query Prometheus stopped at the source's timeout (web/api/v1 errorTimeout), answered at
    // once here so that the test need not wait the 5 s.
    res
      .writeHead(503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out' }));
    return;
  }
  if (q.startsWith('hang')) {
    res.on('close', () => {
      if (!res.writableEnded) script.abandoned.push(q);
    });
    return;
  }
  // Prometheus stops a query at the `timeout` it was given: a timeout below the delay is a 503
  // with errorType "timeout" (web/api/v1 errorTimeout).
  const timeoutS = Number(query.get('timeout') ?? 'Infinity');
  if (timeoutS * 1000 < script.delayMs) {
    res.writeHead(503, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        status: 'error',
        errorType: 'timeout',
        error: 'query timed out in expression evaluation',
      }),
    );
    return;
  }
  const timer = setTimeout(send, script.delayMs);
  res.on('close', () => clearTimeout(timer));
}

/**
 * A scaler of its own for each group of tests: another group's refreshes ahead (one per key
 * asked for lately) would otherwise hold slots of the same source.
 */
function useScaler(): void {
  beforeAll(async () => {
    scaler = await startScaler(url => ({
      sources: [
        { name: 'shared', url, timeout: `${SOURCE_TIMEOUT_MS}ms`, maxConcurrentQueries: 4 },
      ],
      cache: { ttl: '1s', maxStaleness: '1s', negativeTtl: '10s' },
      push: { activationInterval: '1s', minActivationInterval: '1s' },
      breaker: { failureThreshold: 3, openDuration: '1m' },
    }));
    scaler.prometheus.mode = {
      kind: 'custom',
      respond: (_req, res) => {
        const last = scaler.prometheus.requests.at(-1);
        respond(res, last?.query ?? new URLSearchParams());
      },
    };
  });
  afterAll(() => scaler.stop());
}

beforeEach(() => {
  script.values.clear();
  script.delayMs = 0;
  script.abandoned.length = 0;
});

const trigger = (query: string, extra: Record<string, string> = {}) => ({
  source: 'shared',
  query,
  threshold: '1',
  ...extra,
});
const getMetrics = (metadata: Record<string, string>, namespace: string, deadlineMs = 3000) =>
  timed(() => scaler.client.getMetrics(ref(metadata, 'so', namespace), '', { deadlineMs }));
const sentFor = (query: string) =>
  scaler.prometheus.queries.filter(r => r.query.get('query') === query);
const breaker = () =>
  metricValue(scaler, 'keda_prometheus_scaler_source_breaker_state{source="shared"}');

/** GetMetrics through `buf curl` (a Go client); the value it answered, or its error. */
async function bufGetMetrics(metadata: Record<string, string>, namespace: string) {
  const { code, stdout, stderr } = await bufCurl([
    '-d',
    JSON.stringify({
      scaledObjectRef: { name: 'so', namespace, scalerMetadata: metadata },
      metricName: '',
    }),
    `http://${scaler.target}/externalscaler.ExternalScaler/GetMetrics`,
  ]);
  return { code, stdout, stderr };
}

describe("a push watcher shares only the query's evaluation", () => {
  useScaler();

  test("B's fallbackValue and timeout on A's query never reach A's stream, joining or leaving", async () => {
    script.values.set('queue_a', '0');
    script.delayMs = 300;
    const shared = { activationThreshold: '5', activationInterval: '1s' };
    // B opens first, with A's query and thresholds, a fallbackValue and a 1 ms timeout.
    const b = scaler.client.stream(
      'StreamIsActive',
      ref(trigger('queue_a', { ...shared, fallbackValue: '100', timeout: '1' }), 'so', 'team-b'),
    );
    const bSeen = record(b);
    await until(() => bSeen.messages.length > 0, 5000);
    // B's own wait ran out after 1 ms: B is served its own fallbackValue (100 > 5: active).
    expect(bSeen.messages[0]?.result).toBe(true);

    const a = scaler.client.stream(
      'StreamIsActive',
      ref(trigger('queue_a', shared), 'so', 'team-a'),
    );
    const aSeen = record(a);
    await until(() => aSeen.messages.length > 0, 5000);
    expect(aSeen.messages[0]?.result).toBe(false);
    const isActive = await scaler.client.isActive(ref(trigger('queue_a', shared), 'so', 'team-a'));
    expect(isActive.result).toBe(false);

    // Several intervals with both open: A hears nothing new (its value stays 0).
    await new Promise(r => setTimeout(r, 2500));
    expect(aSeen.messages.map(m => m.result)).toEqual([false]);

    // B leaves; A's real wake-up still reaches A.
    b.cancel();
    await new Promise(r => setTimeout(r, 1200));
    script.values.set('queue_a', '10');
    await until(() => aSeen.messages.length > 1, 5000);
    expect(aSeen.messages.map(m => m.result)).toEqual([false, true]);
    a.cancel();
    // Every request went out with the source's timeout, none with B's.
    expect(sentFor('queue_a').map(r => r.query.get('timeout'))).not.toHaveLength(0);
    expect(sentFor('queue_a').every(r => isSourceTimeout(r.query.get('timeout')))).toBe(true);
  }, 30_000);
});

describe("a cached entry runs with the source's settings, never the last caller's", () => {
  useScaler();

  test("B's 1 ms timeout on A's query never reaches the upstream request or A's answers", async () => {
    script.values.set('rate_a', '7');
    script.delayMs = 100;
    const a = trigger('rate_a');
    const b = trigger('rate_a', { timeout: '1', fallbackValue: '3' });
    expect(status[(await getMetrics(a, 'team-a')).code]).toBe('OK');
    // B's call is answered from A's entry (same bucket) or gets its own fallback: either way
    // it does not become the entry's request for the refreshes ahead that follow.
    const bCall = await getMetrics(b, 'team-b');
    expect(status[bCall.code]).toBe('OK');
    // Past maxStaleness (1 s) and two refreshes ahead (TTL 1 s): A is still answered fresh.
    await new Promise(r => setTimeout(r, 2500));
    const later = await getMetrics(a, 'team-a');
    expect(status[later.code]).toBe('OK');
    expect(later.details).toBe('');
    expect(sentFor('rate_a').length).toBeGreaterThan(1);
    expect(sentFor('rate_a').every(r => isSourceTimeout(r.query.get('timeout')))).toBe(true);
  }, 15_000);
});

describe("a trigger's own timeout is its caller's, never the shared breaker's", () => {
  useScaler();

  test("B's 1 ms timeouts do not open the source's breaker; A's queries keep answering", async () => {
    script.delayMs = 200;
    const bCalls = [];
    for (const q of ['b1', 'b2', 'b3', 'b4']) {
      bCalls.push(await getMetrics(trigger(q, { timeout: '1' }), 'team-b'));
    }
    expect(await breaker()).toBe(0);
    script.values.set('a1', '4');
    const a = await getMetrics(trigger('a1'), 'team-a');
    expect(status[a.code]).toBe('OK');
    // B's own calls failed on B's own bound, as B asked.
    for (const r of bCalls) {
      expect(status[r.code]).toBe('UNAVAILABLE');
      expect(r.details).toContain("did not answer within this trigger's timeout (1ms)");
    }
    const viaBuf = await bufGetMetrics(trigger('a2'), 'team-a');
    expect(viaBuf.stderr).toBe('');
    expect(viaBuf.code).toBe(0);
  }, 15_000);
});

describe("one namespace's failing queries open no shared breaker", () => {
  useScaler();

  test("B's queries that time out at the source fail B's calls only; A's keep answering", async () => {
    // Distinct queries, so that each reaches the source (a failure is remembered per key).
    for (const q of ['costly1', 'costly2', 'costly3', 'costly4']) {
      const r = await getMetrics(trigger(q), 'team-b');
      expect(status[r.code]).toBe('UNAVAILABLE');
      expect(r.details).toContain('query timed out');
    }
    // failureThreshold 3, yet nothing is held shut: the failures were those queries' own.
    script.values.set('b-next', '2');
    expect(status[(await getMetrics(trigger('b-next'), 'team-b')).code]).toBe('OK');
    // A's queries, even the one B's failing query shares a key with, are sent and answered.
    script.values.set('a-after', '3');
    const a = await getMetrics(trigger('a-after'), 'team-a');
    expect(status[a.code]).toBe('OK');
    expect(sentFor('a-after')).toHaveLength(1);
    const viaBuf = await bufGetMetrics(trigger('a-after-buf'), 'team-a');
    expect(viaBuf.stderr).toBe('');
    expect(viaBuf.code).toBe(0);
    expect(await breaker()).toBe(0);
  }, 15_000);

  test("B's customHeaders that would change the answer's form are refused before anything is sent", async () => {
    for (const header of ['Accept-Encoding=gzip', 'Accept=text/plain', 'Expect=100-continue']) {
      const r = await getMetrics(trigger('hdr', { customHeaders: header }), 'team-b');
      expect(status[r.code]).toBe('INVALID_ARGUMENT');
      expect(r.details).toContain('is set by the HTTP client or the scaler');
    }
    expect(sentFor('hdr')).toHaveLength(0);
    expect(await breaker()).toBe(0);
  });
});

describe("queryParameters timeout= is a part of the request, and its failures are its caller's", () => {
  useScaler();

  test('queryParameters timeout= lowers the request, is in the cache key and fails only its caller', async () => {
    script.delayMs = 200;
    script.values.set('p1', '5');
    // Distinct queries, so that each reaches the source (a failure is remembered per key).
    for (const q of ['p1', 'pb2', 'pb3', 'pb4']) {
      const r = await getMetrics(trigger(q, { queryParameters: 'timeout=0.05' }), 'team-b');
      expect(status[r.code]).toBe('UNAVAILABLE');
      expect(r.details).toMatch(/timeout/);
    }
    expect(await breaker()).toBe(0);
    // The same query without it is another cache entry, sent with the source's timeout.
    const a = await getMetrics(trigger('p1'), 'team-a');
    expect(status[a.code]).toBe('OK');
    const timeouts = sentFor('p1').map(r => r.query.get('timeout'));
    // 50 ms less the 10% margin (query-client.ts), less any time queued: B's own, lowered.
    expect(Number(timeouts[0])).toBeGreaterThan(0);
    expect(Number(timeouts[0])).toBeLessThanOrEqual(0.045);
    expect(isSourceTimeout(timeouts.at(-1) ?? null)).toBe(true);
    // A larger value cannot raise the source's timeout.
    await getMetrics(trigger('p2', { queryParameters: 'timeout=1h' }), 'team-c');
    expect(sentFor('p2')).toHaveLength(1);
    expect(isSourceTimeout(sentFor('p2')[0]?.query.get('timeout') ?? null)).toBe(true);
  }, 15_000);
});

describe('query slots are fair for running queries, not only for the queue', () => {
  useScaler();

  test("B's queries that never answer hold no slot A needs, and are stopped once B gives up", async () => {
    // B takes all 4 slots with queries that never answer; KEDA's callers give up after 1 s.
    const bCalls = ['hang1', 'hang2', 'hang3', 'hang4', 'hang5', 'hang6'].map(q =>
      getMetrics(trigger(q), 'team-b', 1000),
    );
    await until(() => scaler.prometheus.queries.some(r => r.query.get('query') === 'hang4'), 5000);
    // While B holds every slot, A's queries are answered: B is over its share (2 of 4).
    script.values.set('a-slot', '6');
    const a = await getMetrics(trigger('a-slot'), 'team-a');
    expect(status[a.code]).toBe('OK');
    const viaBuf = await bufGetMetrics(trigger('a-slot-buf'), 'team-a');
    expect(viaBuf.stderr).toBe('');
    expect(viaBuf.code).toBe(0);
    for (const r of await Promise.all(bCalls)) {
      expect(['DEADLINE_EXCEEDED', 'UNAVAILABLE']).toContain(status[r.code]);
    }
    // Nobody waits for B's queries any more: each request was abandoned, its slot freed.
    await until(
      () =>
        scaler.prometheus.queries
          .filter(r => r.query.get('query')?.startsWith('hang'))
          .every(r => script.abandoned.includes(r.query.get('query') ?? '')),
      5000,
    );
    for (const q of ['a3', 'a4', 'a5', 'a6', 'a7']) {
      expect(status[(await getMetrics(trigger(q), 'team-a')).code]).toBe('OK');
    }
    expect(await breaker()).toBe(0);
  }, 20_000);
});
