// The ExternalScaler service over loopback gRPC, answered from the real backfilled Prometheus.
import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { EXPECTED } from '../helpers/fixtures';
import { queryPrometheus } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
const RATE_QUERY = 'sum(rate(kps_test_requests_total[1m]))';

let app: App;
let client: ScalerClient;
let httpBase: string;

beforeAll(async () => {
  if (PROM_URL === '') throw new Error('global setup did not start Prometheus');
  const config = validateConfig({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    sources: [
      { name: 'main', url: PROM_URL },
      { name: 'nowhere', url: 'http://127.0.0.1:9', timeout: '1s' },
    ],
    allowedServerAddresses: ['http://allowed-*.example:9090'],
  });
  app = createApp(config, { logger: createLogger('silent') });
  const ports = await app.start();
  client = new ScalerClient(`127.0.0.1:${ports.grpcPort}`);
  httpBase = `http://127.0.0.1:${ports.httpPort}`;
});

afterAll(async () => {
  client.close();
  await app.stop();
});

/** Rejects unless the call fails with `code`; returns the error for message checks. */
async function expectStatus(call: Promise<unknown>, code: status): Promise<ServiceError> {
  try {
    await call;
  } catch (e) {
    const err = e as ServiceError;
    expect(status[err.code]).toBe(status[code]);
    return err;
  }
  throw new Error(`expected ${status[code]}, but the call succeeded`);
}

const trigger = (extra: Record<string, string> = {}): Record<string, string> => ({
  scalerAddress: 'keda-prometheus-scaler.keda:6000',
  source: 'main',
  query: RATE_QUERY,
  threshold: '5',
  ...extra,
});

async function valueOf(metadata: Record<string, string>): Promise<{ int: string; float: number }> {
  const res = await client.getMetrics(ref(metadata), '');
  expect(res.metricValues).toHaveLength(1);
  const v = res.metricValues[0]!;
  return { int: v.metricValue, float: v.metricValueFloat };
}

describe('GetMetrics against a real Prometheus', () => {
  test('returns the value Prometheus itself returns for the same query, in both fields', async () => {
    const direct = (await queryPrometheus(PROM_URL, RATE_QUERY)) as {
      data: { result: { value: [number, string] }[] };
    };
    const reference = Number(direct.data.result[0]!.value[1]);
    const { int, float } = await valueOf(trigger());
    expect(Math.abs(float - reference) / reference).toBeLessThan(1e-9);
    expect(Math.abs(float - EXPECTED.requestRate)).toBeLessThan(1e-9);
    expect(int).toBe(String(Math.round(reference)));
  });

  test('POST form bodies give the same answer as GET', async () => {
    const get = await valueOf(trigger());
    const post = await valueOf(trigger({ httpMethod: 'POST' }));
    expect(post.float).toBeCloseTo(get.float, 9);
  });

  test.each([
    ['scalar result is accepted', 'scalar(sum(kps_test_queue_depth))', {}, 50],
    ['multipleSeries=sum adds the series', 'kps_test_queue_depth', { multipleSeries: 'sum' }, 50],
    ['multipleSeries=max', 'kps_test_queue_depth', { multipleSeries: 'max' }, 42],
    ['multipleSeries=min', 'kps_test_queue_depth', { multipleSeries: 'min' }, 8],
    ['multipleSeries=avg', 'kps_test_queue_depth', { multipleSeries: 'avg' }, 25],
    ['empty result is 0 by default (ignoreNullValues)', 'sum(kps_no_such_metric)', {}, 0],
    ['NaN is 0 by default', 'sum(kps_test_queue_depth) / 0 * 0', {}, 0],
    ['negative values are clamped to 0 for KEDA', 'kps_test_negative', {}, 0],
  ])('%s', async (_name, query, extra, expected) => {
    const { float, int } = await valueOf(trigger({ query, ...extra }));
    expect(float).toBeCloseTo(expected, 9);
    expect(int).toBe(String(Math.round(expected)));
  });

  test('fractional values keep the float; the int field is rounded', async () => {
    const { float, int } = await valueOf(trigger({ query: 'kps_test_fraction' }));
    expect(float).toBeCloseTo(EXPECTED.fraction, 9);
    expect(int).toBe('0');
  });

  test('the requested metric name matches without case and without the sN- prefix', async () => {
    const spec = await client.getMetricSpec(ref(trigger()));
    const name = spec.metricSpecs[0]!.metricName;
    for (const asked of [name, name.toUpperCase(), `s0-${name}`, `S3-${name.toUpperCase()}`]) {
      const res = await client.getMetrics(ref(trigger()), asked);
      expect(res.metricValues[0]!.metricName).toBe(asked);
    }
    const err = await expectStatus(
      client.getMetrics(ref(trigger()), 'some-other-metric'),
      status.INVALID_ARGUMENT,
    );
    expect(err.details).toContain(name);
  });
});

describe('IsActive', () => {
  test.each([
    ['value above activationThreshold', '14.5', true],
    ['value equal to activationThreshold is inactive (strict >)', '15', false],
    ['value below activationThreshold', '20', false],
  ])('%s', async (_name, activationThreshold, expected) => {
    const res = await client.isActive(ref(trigger({ activationThreshold })));
    expect(res.result).toBe(expected);
  });

  test('default activationThreshold is 0: a negative value is inactive', async () => {
    expect((await client.isActive(ref(trigger({ query: 'kps_test_negative' })))).result).toBe(
      false,
    );
    const below = trigger({ query: 'kps_test_negative', activationThreshold: '-5' });
    expect((await client.isActive(ref(below))).result).toBe(true);
  });
});

describe('GetMetricSpec', () => {
  test('one spec, threshold in both fields, stable lower-case path-safe name', async () => {
    const a = await client.getMetricSpec(ref(trigger({ threshold: '2.5' })));
    const b = await client.getMetricSpec(ref(trigger({ threshold: '2.5' }), 'other', 'team-b'));
    expect(a.metricSpecs).toHaveLength(1);
    const spec = a.metricSpecs[0]!;
    expect(spec.targetSizeFloat).toBe(2.5);
    expect(spec.targetSize).toBe('3');
    expect(spec.metricName).toMatch(/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/);
    expect(b.metricSpecs[0]!.metricName).toBe(spec.metricName);
  });

  test('metricName metadata names the metric (lower-cased)', async () => {
    const res = await client.getMetricSpec(ref(trigger({ metricName: 'Checkout-RPS' })));
    expect(res.metricSpecs[0]!.metricName).toBe('checkout-rps');
  });
});

describe('drop-in for the built-in prometheus trigger', () => {
  test('metadata copied from a built-in trigger works with only type and scalerAddress changed', async () => {
    // As a user would write it for `type: prometheus`, untrimmed values and KEDA's keys included.
    const builtIn = {
      serverAddress: `${PROM_URL}/`,
      query: ` ${RATE_QUERY} `,
      threshold: '10',
      activationThreshold: '1',
      ignoreNullValues: 'true',
      unsafeSsl: 'false',
      timeout: '3000',
      customHeaders: 'X-Team=checkout',
      queryParameters: 'dedup=true',
      namespace: 'team-a',
    };
    const metadata = {
      ...builtIn,
      scalerAddress: 'keda-prometheus-scaler.keda:6000',
      enableTLS: 'false',
    };
    const spec = await client.getMetricSpec(ref(metadata));
    expect(spec.metricSpecs[0]!.targetSizeFloat).toBe(10);
    const { float } = await valueOf(metadata);
    expect(float).toBeCloseTo(EXPECTED.requestRate, 9);
    expect((await client.isActive(ref(metadata))).result).toBe(true);
  });
});

describe('errors reach KEDA with the documented status and a message naming the key', () => {
  test.each([
    [
      'a typo in a key',
      { qurey: 'x' },
      status.INVALID_ARGUMENT,
      /qurey: unknown key \(did you mean "query"\?\)/,
    ],
    [
      'a bad number',
      { threshold: 'abc' },
      status.INVALID_ARGUMENT,
      /threshold: must be a number > 0, got "abc"/,
    ],
    [
      'a credentials key',
      { authModes: 'bearer' },
      status.INVALID_ARGUMENT,
      /authModes: credentials are not read/,
    ],
    [
      'an unknown source',
      { source: 'mian' },
      status.INVALID_ARGUMENT,
      /unknown source "mian" \(did you mean "main"\?\)/,
    ],
    [
      'a serverAddress that is not allowed',
      { source: '', serverAddress: 'http://169.254.169.254/latest' },
      status.PERMISSION_DENIED,
      /serverAddress: .*allowedServerAddresses/,
    ],
    [
      "bad PromQL, with Prometheus's own text",
      { query: 'sum(rate(' },
      status.INVALID_ARGUMENT,
      /prometheus rejected the query: .*parse error/,
    ],
    [
      'a range vector',
      { query: 'kps_test_negative[1m]' },
      status.INVALID_ARGUMENT,
      /range vector \(matrix\)/,
    ],
    [
      'several series without multipleSeries',
      { query: 'kps_test_queue_depth' },
      status.INVALID_ARGUMENT,
      /multiple elements \(2 series\)/,
    ],
    [
      'an empty result with ignoreNullValues=false',
      { query: 'sum(kps_nothing)', ignoreNullValues: 'false' },
      status.FAILED_PRECONDITION,
      /empty result/,
    ],
    [
      'NaN with ignoreNullValues=false',
      { query: 'sum(kps_test_queue_depth) / 0 * 0', ignoreNullValues: 'false' },
      status.FAILED_PRECONDITION,
      /NaN/,
    ],
    [
      'an unreachable source',
      { source: 'nowhere' },
      status.UNAVAILABLE,
      /source "nowhere" is unreachable/,
    ],
  ])('%s', async (_name, extra, code, message) => {
    const metadata = trigger(extra);
    const err = await expectStatus(client.getMetrics(ref(metadata), ''), code);
    expect(err.details).toMatch(message);
    expect(err.details).not.toContain('127.0.0.1:9');
    // KEDA retries at once after rebuilding the scaler (KEDA scalers_cache.go): same answer, no
    // crash.
    const again = await expectStatus(client.isActive(ref(metadata)), code);
    expect(again.details).toBe(err.details);
  });

  test('every metadata problem is reported in one message', async () => {
    const err = await expectStatus(
      client.getMetricSpec(ref({ source: 'main', threshold: '-1', timeout: 'soon', foo: 'x' })),
      status.INVALID_ARGUMENT,
    );
    expect(err.details).toMatch(/query: is required/);
    expect(err.details).toMatch(/threshold: must be a number > 0, got "-1"/);
    expect(err.details).toMatch(/timeout: must be a duration/);
    expect(err.details).toMatch(/foo: unknown key/);
  });
});

describe('KEDA call pattern', () => {
  test('spec, then metrics with the stripped lower-cased name, then activity, as KEDA does', async () => {
    const metadata = trigger({ activationThreshold: '1' });
    for (let poll = 0; poll < 3; poll++) {
      const spec = await client.getMetricSpec(ref(metadata));
      const name = spec.metricSpecs[0]!.metricName;
      const metrics = await client.getMetrics(ref(metadata), name.toLowerCase(), {
        deadlineMs: 3000,
      });
      const active = await client.isActive(ref(metadata), { deadlineMs: 3000 });
      expect(metrics.metricValues[0]!.metricValueFloat).toBeCloseTo(EXPECTED.requestRate, 9);
      expect(active.result).toBe(true);
    }
  });
});

describe('StreamIsActive', () => {
  test('sends the current state once on open', async () => {
    const stream = client.stream('StreamIsActive', ref(trigger()));
    const first = await new Promise<unknown>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    expect(first).toEqual({ result: true });
    const ended = new Promise<void>(resolve => stream.on('error', () => resolve()));
    stream.cancel();
    await ended;
  });
});

describe('HTTP endpoints', () => {
  test('/metrics counts calls by method and status, /healthz and /readyz answer', async () => {
    const metrics = await (await fetch(`${httpBase}/metrics`)).text();
    expect(metrics).toMatch(
      /keda_prometheus_scaler_grpc_calls_total\{rpc="GetMetrics",code="OK"\} \d+/,
    );
    expect(metrics).toMatch(
      /keda_prometheus_scaler_prometheus_queries_total\{source="main",outcome="ok"\}/,
    );
    expect(metrics).not.toContain('kps_test_requests_total');
    expect((await fetch(`${httpBase}/healthz`)).status).toBe(200);
    expect((await fetch(`${httpBase}/readyz`)).status).toBe(200);
  });
});
