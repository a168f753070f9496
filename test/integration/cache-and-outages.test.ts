// The cache against a real Prometheus that the tests kill (SIGKILL), freeze (SIGSTOP) and restart:
// one query for many callers, last good value within maxStaleness, then fallbackValue or
// UNAVAILABLE, recovery by itself, deadlines honoured, freshness that follows the data.
import { rmSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { backfillOpenMetrics } from '../helpers/fixtures';
import type { PrometheusProcess } from '../helpers/prometheus';
import { QUERY_LOG_CONFIG, loggedQueries, startPrometheus } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

let prometheus: PrometheusProcess;
let app: App;
let client: ScalerClient;
let httpBase: string;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

const QUERY = 'sum(kps_test_queue_depth)';
/** Short buckets and bounds so outages play out in seconds. */
const fast = (extra: Record<string, string> = {}): Record<string, string> => ({
  query: QUERY,
  threshold: '10',
  cacheTTL: '1s',
  maxStaleness: '4s',
  timeout: '500ms',
  ...extra,
});

beforeAll(() => process.on('unhandledRejection', onRejection));
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  expect(rejections).toEqual([]);
});

beforeEach(async () => {
  prometheus = await startPrometheus({
    openMetrics: backfillOpenMetrics(),
    configYaml: QUERY_LOG_CONFIG,
  });
  const config = validateConfig({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    sources: [{ name: 'outage', url: prometheus.url }],
    cache: { maxStaleness: '2s', negativeTtl: '300ms' },
    breaker: { openDuration: '1s', closeAfterSuccesses: 1 },
    shutdown: { grace: '2s' },
  });
  app = createApp(config, {
    logger: createLogger((process.env['KPS_TEST_LOG'] as 'warn' | undefined) ?? 'silent'),
  });
  const ports = await app.start();
  client = new ScalerClient(`127.0.0.1:${ports.grpcPort}`);
  httpBase = `http://127.0.0.1:${ports.httpPort}`;
});

afterEach(async () => {
  client.close();
  await app.stop();
  await prometheus.stop();
  // A restarted Prometheus reuses the first one's directory; remove it either way.
  rmSync(prometheus.dataDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

async function failure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('expected the call to fail');
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await app.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find(l => l.includes(labels));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** KEDA's poll (ScalerClient.kedaPoll), with its one immediate retry after an error. */
async function kedaPoll(metadata: Record<string, string>, deadlineMs?: number): Promise<number> {
  const opts = deadlineMs === undefined ? {} : { deadlineMs };
  const attempt = async (): Promise<number> => (await client.kedaPoll(ref(metadata), opts)).value;
  return attempt().catch(() => attempt());
}

async function restartPrometheus(): Promise<void> {
  prometheus = await startPrometheus({
    dataDir: prometheus.dataDir,
    port: prometheus.port,
    configYaml: QUERY_LOG_CONFIG,
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await sleep(100);
  }
}

test('200 concurrent identical GetMetrics cost Prometheus exactly one query', async () => {
  const metadata = { query: 'sum(kps_test_queue_depth) + 0', threshold: '10', cacheTTL: '5m' };
  const calls = Array.from({ length: 200 }, (_, i) =>
    client.getMetrics(ref(metadata, `so-${i}`, `ns-${i % 7}`), ''),
  );
  const values = (await Promise.all(calls)).map(r => r.metricValues[0]!.metricValueFloat);
  expect(new Set(values)).toEqual(new Set([50]));
  // KEDA's IsActive and its immediate retries, for all of them, cost nothing more.
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => client.isActive(ref(metadata, `so-${i}`))),
  );
  // Counted in Prometheus's own query log, for this expression only: the scaler's readiness probe
  // (vector(1), sent once the data is older than the suite's 2s window, which a loaded machine
  // can reach during the burst) also hits /api/v1/query and is not this query's evaluation.
  const asked = loggedQueries(prometheus).filter(q => q.query === metadata.query);
  expect(asked).toHaveLength(1);
  expect(await metric('keda_prometheus_scaler_cache_requests_total', 'outcome="miss"')).toBe(1);
  expect(await metric('keda_prometheus_scaler_cache_requests_total', 'outcome="coalesced"')).toBe(
    199,
  );
});

test('killed for less than maxStaleness: no errors and no zeros, then fresh values again', async () => {
  expect(await kedaPoll(fast({ maxStaleness: '10s' }))).toBe(50);
  prometheus.signal('SIGKILL');
  const started = Date.now();
  const seen: number[] = [];
  while (Date.now() - started < 3000) {
    seen.push(await kedaPoll(fast({ maxStaleness: '10s' }), 3000));
    await sleep(150);
  }
  expect(seen.length).toBeGreaterThan(10);
  expect(new Set(seen)).toEqual(new Set([50]));
  expect(
    await metric('keda_prometheus_scaler_cache_requests_total', 'outcome="stale"'),
  ).toBeGreaterThan(0);

  await restartPrometheus();
  // Recovered once a whole poll is answered without falling back to the last good value.
  await waitFor(async () => {
    const before = await metric('keda_prometheus_scaler_cache_requests_total', 'outcome="stale"');
    await kedaPoll(fast({ maxStaleness: '10s' }));
    return (
      (await metric('keda_prometheus_scaler_cache_requests_total', 'outcome="stale"')) === before
    );
  }, 8000);
  expect(await kedaPoll(fast({ maxStaleness: '10s' }))).toBe(50);
});

test('killed for longer than maxStaleness: UNAVAILABLE, or fallbackValue when set; recovers by itself', async () => {
  expect(await kedaPoll(fast({ maxStaleness: '1s' }))).toBe(50);
  await client.getMetrics(ref(fast({ maxStaleness: '1s', fallbackValue: '7' })), '');
  prometheus.signal('SIGKILL');
  await sleep(2500);

  const err = await failure(client.getMetrics(ref(fast({ maxStaleness: '1s' })), ''));
  expect(status[err.code]).toBe('UNAVAILABLE');
  expect(err.details).toMatch(/source "outage" .*older than maxStaleness \(1s\)/);
  expect(status[(await failure(client.isActive(ref(fast({ maxStaleness: '1s' }))))).code]).toBe(
    'UNAVAILABLE',
  );
  const fallback = await client.getMetrics(
    ref(fast({ maxStaleness: '1s', fallbackValue: '7' })),
    '',
  );
  expect(fallback.metricValues[0]!.metricValueFloat).toBe(7);
  // While failing, the breaker and the negative cache keep retries off the dead source.
  expect(await metric('keda_prometheus_scaler_source_breaker_state', 'source="outage"')).toBe(2);

  await restartPrometheus();
  await waitFor(
    () =>
      client.getMetrics(ref(fast({ maxStaleness: '1s' })), '').then(
        r => r.metricValues[0]!.metricValueFloat === 50,
        () => false,
      ),
    8000,
  );
});

test('frozen (SIGSTOP): the last good value within maxStaleness, then UNAVAILABLE', async () => {
  expect(await kedaPoll(fast({ maxStaleness: '4s' }))).toBe(50);
  prometheus.signal('SIGSTOP');
  try {
    const started = Date.now();
    // Age counts from the evaluation time, up to one cacheTTL (1s) before the freeze.
    while (Date.now() - started < 2000) {
      expect(await kedaPoll(fast({ maxStaleness: '4s' }), 3000)).toBe(50);
      await sleep(100);
    }
    await sleep(3000);
    const err = await failure(client.getMetrics(ref(fast({ maxStaleness: '4s' })), ''));
    expect(status[err.code]).toBe('UNAVAILABLE');
  } finally {
    prometheus.signal('SIGCONT');
  }
});

test('frozen with nothing cached: the caller deadline wins and the server answers DEADLINE_EXCEEDED', async () => {
  prometheus.signal('SIGSTOP');
  try {
    const slow = { query: QUERY, threshold: '10', timeout: '10s' };
    const before = await metric(
      'keda_prometheus_scaler_grpc_calls_total',
      'code="DEADLINE_EXCEEDED"',
    );
    const err = await failure(client.getMetrics(ref(slow), '', { deadlineMs: 600 }));
    expect(status[err.code]).toBe('DEADLINE_EXCEEDED');
    // Counted by the server: it gave up on its own before the client's deadline passed.
    await waitFor(
      async () =>
        (await metric('keda_prometheus_scaler_grpc_calls_total', 'code="DEADLINE_EXCEEDED"')) ===
        before + 1,
      1000,
    );
  } finally {
    prometheus.signal('SIGCONT');
  }
});

test('with Prometheus stopped, GetMetricSpec still answers', async () => {
  await prometheus.stop({ keepData: true });
  const spec = await client.getMetricSpec(ref(fast()));
  expect(spec.metricSpecs[0]!.targetSizeFloat).toBe(10);
  const err = await failure(client.getMetrics(ref(fast()), ''));
  expect(status[err.code]).toBe('UNAVAILABLE');
  expect(err.details).toMatch(
    /source "outage" is unreachable \(ECONNREFUSED\); and there is no earlier value/,
  );
  expect(err.details).not.toContain(String(prometheus.port));
});

test('/healthz/data fails once nothing fresh is left and comes back by itself; /readyz stays 200', async () => {
  expect((await fetch(`${httpBase}/healthz/data`)).status).toBe(200);
  await kedaPoll(fast());
  expect((await fetch(`${httpBase}/healthz/data`)).status).toBe(200);
  await prometheus.stop({ keepData: true });
  // Server default maxStaleness is 2s in this suite.
  await waitFor(async () => (await fetch(`${httpBase}/healthz/data`)).status === 503, 6000);
  expect(await (await fetch(`${httpBase}/healthz/data`)).text()).toMatch(
    /stale: no source answered in the last 2s/,
  );
  // Readiness means "answers calls": the pod stays behind the Service so KEDA's fallback works.
  expect((await fetch(`${httpBase}/readyz`)).status).toBe(200);
  await restartPrometheus();
  // No query traffic is needed: the freshness check probes the sources itself.
  await waitFor(async () => (await fetch(`${httpBase}/healthz/data`)).status === 200, 12_000);
});
