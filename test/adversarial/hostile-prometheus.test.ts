// A misbehaving Prometheus (silent, endless, deeply nested, echoing, refusing, resetting) costs
// one call its own status, naming the cause, and never holds up the other calls or /healthz.
import type { ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import type { FakeMode, RecordedRequest } from './fake-prometheus';
import type { Scaler } from './harness';
import { goodMetadata, httpGet, ref, startScaler, timed } from './harness';

/**
 * Two sources on the one fake. `fake` gives up after SILENT_TIMEOUT_MS: its timeout is the cause
 * under test when headers never come. `patient` has a timeout that is only a bound on a hang, so
 * every other case ends by what the fake sent and never by a clock a loaded machine can outrun.
 * DEADLINE_MS is above both: a call's own deadline never decides a case.
 */
const SILENT_TIMEOUT_MS = 3000;
const PATIENT_TIMEOUT_MS = 20_000;
const DEADLINE_MS = 25_000;
/** Above the nested case's 2 MB body, so that case is refused for its depth, not its size. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

let scaler: Scaler;
beforeAll(async () => {
  scaler = await startScaler(url => ({
    sources: [
      { name: 'fake', url, timeout: `${SILENT_TIMEOUT_MS}ms` },
      { name: 'patient', url, timeout: `${PATIENT_TIMEOUT_MS}ms` },
    ],
    maxResponseBytes: MAX_RESPONSE_BYTES,
    // A breaker that never opens here: each case must show its own failure, not the breaker's.
    breaker: { failureThreshold: 1000 },
  }));
});
afterAll(() => scaler.stop());

let n = 0;
/** Metadata with a query no earlier case asked (a new cache key), and the fake's records of it. */
function freshTrigger(source: string): {
  metadata: Record<string, string>;
  asked: () => RecordedRequest[];
} {
  const query = `sum(up) + ${++n}`;
  return {
    metadata: goodMetadata({ source, query }),
    asked: () => scaler.prometheus.queries.filter(q => q.query.get('query') === query),
  };
}

/** GetMetrics for `metadata` under a deadline that never decides a case. */
function getMetrics(metadata: Record<string, string>) {
  return scaler.client.getMetrics(ref(metadata), '', { deadlineMs: DEADLINE_MS });
}

test.each<[string, FakeMode, string, status, string | RegExp]>([
  [
    'headers never come',
    { kind: 'silent' },
    'fake',
    status.UNAVAILABLE,
    // The request's own budget: the source's timeout less the moments it waited for a slot.
    /^source "fake" did not answer within \d+ms/,
  ],
  [
    'JSON nested a million deep (2 MB)',
    { kind: 'nestedJson', depth: 1_000_000 },
    'patient',
    status.UNAVAILABLE,
    'source "patient" sent a malformed response (HTTP 200): JSON nested deeper than 32 levels',
  ],
  [
    '400 echoing request headers',
    { kind: 'echoHeaders', status: 400 },
    'patient',
    status.INVALID_ARGUMENT,
    'prometheus rejected the query: request headers: ',
  ],
  [
    '401',
    { kind: 'status', status: 401 },
    'patient',
    status.UNAVAILABLE,
    `source "patient" rejected the scaler's credentials (HTTP 401)`,
  ],
  [
    '403',
    { kind: 'status', status: 403 },
    'patient',
    status.UNAVAILABLE,
    'source "patient" answered forbidden (HTTP 403)',
  ],
  // With Retry-After the source's breaker opens by design; tenancy.test.ts covers that case.
  [
    '429',
    { kind: 'status', status: 429 },
    'patient',
    status.UNAVAILABLE,
    'source "patient" is rate-limiting the scaler (HTTP 429)',
  ],
  [
    'a connection reset',
    { kind: 'reset' },
    'patient',
    status.UNAVAILABLE,
    'source "patient" is unreachable (ECONNRESET)',
  ],
])('%s: the call gets its own status, naming the cause', async (_, mode, source, code, cause) => {
  scaler.prometheus.mode = mode;
  const { metadata, asked } = freshTrigger(source);
  const result = await timed(() => getMetrics(metadata));
  expect(asked()).toHaveLength(1);
  expect([status[result.code], result.details]).toEqual([
    status[code],
    typeof cause === 'string' ? expect.stringContaining(cause) : expect.stringMatching(cause),
  ]);
});

test('an endless body: cut at maxResponseBytes, and the scaler hangs up', async () => {
  scaler.prometheus.mode = { kind: 'endlessBody' };
  const { metadata, asked } = freshTrigger('patient');
  const result = await timed(() => getMetrics(metadata));
  expect([status[result.code], result.details]).toEqual([
    'UNAVAILABLE',
    expect.stringContaining(
      `source "patient" sent more than maxResponseBytes (${MAX_RESPONSE_BYTES} bytes)`,
    ),
  ]);
  // The fake never ends this body: its connection closes only when the scaler hangs up, after
  // the fake had sent more than the limit.
  const [request, ...more] = asked();
  expect(more).toEqual([]);
  await request?.closed;
  expect(request?.endlessBytes).toBeGreaterThan(MAX_RESPONSE_BYTES);
});

test('while a source holds a call open, GetMetricSpec and /healthz are answered', async () => {
  let held: (res: ServerResponse) => void = () => undefined;
  const arrived = new Promise<ServerResponse>(resolve => (held = resolve));
  scaler.prometheus.mode = { kind: 'custom', respond: (_req, res) => held(res) };
  const { metadata } = freshTrigger('patient');
  let settled = false;
  const call = getMetrics(metadata).finally(() => (settled = true));
  const response = await arrived;
  const [spec, health] = await Promise.all([
    timed(() =>
      scaler.client.getMetricSpec(ref(goodMetadata({ source: 'patient' })), {
        deadlineMs: DEADLINE_MS,
      }),
    ),
    httpGet(`${scaler.httpUrl}/healthz`),
  ]);
  expect([status[spec.code], health.status, settled]).toEqual(['OK', 200, false]);
  // Released by the source's answer, and only by it: the held call gets that value.
  response.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '7'] }] },
    }),
  );
  expect((await call).metricValues[0]?.metricValueFloat).toBe(7);
});

test('after all of that, a good answer is served', async () => {
  scaler.prometheus.mode = { kind: 'ok', value: '42' };
  const response = await getMetrics(goodMetadata({ source: 'patient', query: 'sum(up) + 0' }));
  expect(response.metricValues[0]?.metricValueFloat).toBe(42);
});
