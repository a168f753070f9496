// A misbehaving Prometheus (silent, endless, deeply nested, echoing, refusing, resetting) costs
// one call its own status before its deadline, never the other calls or /healthz.
import { status } from '@grpc/grpc-js';
import type { FakeMode } from './fake-prometheus';
import type { Scaler } from './harness';
import { goodMetadata, httpGet, ref, startScaler, timed } from './harness';

/**
 * The source gives up after SOURCE_TIMEOUT_MS; each hostile call has DEADLINE_MS. A call stalled
 * behind a hostile one would wait for the source's timeout, so "the other calls stay fast" means
 * well under it (OTHERS_MS): a gap wide enough that a shared CI machine's pauses (1.4 s seen)
 * are not mistaken for a stall.
 */
const SOURCE_TIMEOUT_MS = 3000;
const DEADLINE_MS = 6000;
const OTHERS_MS = 2000;

let scaler: Scaler;
beforeAll(async () => {
  scaler = await startScaler(url => ({
    sources: [{ name: 'fake', url, timeout: `${SOURCE_TIMEOUT_MS}ms` }],
    // A breaker that never opens here: each case must show its own failure, not the breaker's.
    breaker: { failureThreshold: 1000 },
  }));
  // The channel connected and the code paths warm, so the first case times only itself.
  await scaler.client.getMetricSpec(ref(goodMetadata()));
  await httpGet(`${scaler.httpUrl}/healthz`);
});
afterAll(() => scaler.stop());

let n = 0;
test.each<[string, FakeMode, status, RegExp]>([
  ['headers never come', { kind: 'silent' }, status.UNAVAILABLE, /fake/],
  // Cut at maxResponseBytes, or by the source's timeout when a loaded machine sends it slower.
  [
    'an endless body',
    { kind: 'endlessBody' },
    status.UNAVAILABLE,
    /maxResponseBytes|did not answer within/,
  ],
  [
    'JSON nested a million deep (2 MB)',
    { kind: 'nestedJson', depth: 1_000_000 },
    status.UNAVAILABLE,
    /nested deeper than 32 levels/,
  ],
  [
    '400 echoing request headers',
    { kind: 'echoHeaders', status: 400 },
    status.INVALID_ARGUMENT,
    /rejected the query/,
  ],
  ['401', { kind: 'status', status: 401 }, status.UNAVAILABLE, /HTTP 401/],
  ['403', { kind: 'status', status: 403 }, status.UNAVAILABLE, /HTTP 403/],
  // With Retry-After the source's breaker opens by design; tenancy.test.ts covers that case.
  ['429', { kind: 'status', status: 429 }, status.UNAVAILABLE, /HTTP 429/],
  ['a connection reset', { kind: 'reset' }, status.UNAVAILABLE, /fake/],
])('%s: its status before the deadline; other calls stay fast', async (_, mode, code, message) => {
  scaler.prometheus.mode = mode;
  const query = `sum(up) + ${++n}`; // a new cache key per case
  const asked = scaler.prometheus.queries.length;
  const hostile = timed(() =>
    scaler.client.getMetrics(ref(goodMetadata({ query })), '', { deadlineMs: DEADLINE_MS }),
  );
  // While the hostile call is in flight: metadata-only calls and the probe endpoint.
  await new Promise(resolve => setTimeout(resolve, 50));
  const others = await Promise.all([
    timed(() => scaler.client.getMetricSpec(ref(goodMetadata()), { deadlineMs: DEADLINE_MS })),
    timed(() => httpGet(`${scaler.httpUrl}/healthz`)),
  ]);
  const result = await hostile;
  expect(scaler.prometheus.queries.length).toBeGreaterThan(asked);
  expect(status[result.code]).toBe(status[code]);
  expect(result.details).toMatch(message);
  expect(result.ms).toBeLessThan(DEADLINE_MS);
  for (const other of others) {
    expect(other.code).toBe(status.OK);
    expect(other.ms).toBeLessThan(OTHERS_MS);
  }
});

test('after all of that, a good answer is served', async () => {
  scaler.prometheus.mode = { kind: 'ok', value: '42' };
  const response = await scaler.client.getMetrics(ref(goodMetadata({ query: 'sum(up) + 0' })), '');
  expect(response.metricValues[0]?.metricValueFloat).toBe(42);
});
