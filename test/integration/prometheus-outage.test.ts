// Behaviour while Prometheus is stopped or frozen: GetMetricSpec keeps answering, queries fail
// with UNAVAILABLE or DEADLINE_EXCEEDED, and the server honours the caller's deadline.
import { rmSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { backfillOpenMetrics } from '../helpers/fixtures';
import type { PrometheusProcess } from '../helpers/prometheus';
import { startPrometheus } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

let prometheus: PrometheusProcess;
let app: App;
let client: ScalerClient;

const metadata = { query: 'sum(kps_test_queue_depth)', threshold: '10', timeout: '800ms' };

beforeEach(async () => {
  prometheus = await startPrometheus({ openMetrics: backfillOpenMetrics() });
  const config = validateConfig({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    sources: [{ name: 'outage', url: prometheus.url }],
  });
  app = createApp(config, { logger: createLogger('silent'), shutdownGraceMs: 2000 });
  const { grpcPort } = await app.start();
  client = new ScalerClient(`127.0.0.1:${grpcPort}`);
});

afterEach(async () => {
  client.close();
  await app.stop();
  await prometheus.stop();
  // A restarted Prometheus reuses the first one's directory; remove it either way.
  rmSync(prometheus.dataDir, { recursive: true, force: true });
});

async function failure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('expected the call to fail');
}

async function serverCount(rpc: string, code: string): Promise<number> {
  const text = await app.registry.getSingleMetricAsString(
    'keda_prometheus_scaler_grpc_calls_total',
  );
  const line = text
    .split('\n')
    .find(l => l.includes(`rpc="${rpc}"`) && l.includes(`code="${code}"`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

test('with Prometheus stopped, GetMetricSpec answers and GetMetrics is UNAVAILABLE naming the source', async () => {
  expect((await client.getMetrics(ref(metadata), '')).metricValues[0]!.metricValueFloat).toBe(50);
  await prometheus.stop({ keepData: true });

  const spec = await client.getMetricSpec(ref(metadata));
  expect(spec.metricSpecs[0]!.targetSizeFloat).toBe(10);
  const err = await failure(client.getMetrics(ref(metadata), ''));
  expect(status[err.code]).toBe('UNAVAILABLE');
  expect(err.details).toMatch(/source "outage" is unreachable/);
  expect(err.details).not.toContain(String(prometheus.port));
  const active = await failure(client.isActive(ref(metadata)));
  expect(status[active.code]).toBe('UNAVAILABLE');
});

test('with Prometheus frozen, our own timeout gives UNAVAILABLE, never a made-up 0', async () => {
  prometheus.signal('SIGSTOP');
  const started = Date.now();
  const err = await failure(client.getMetrics(ref(metadata), ''));
  expect(status[err.code]).toBe('UNAVAILABLE');
  expect(err.details).toMatch(/did not answer within 800ms/);
  expect(Date.now() - started).toBeLessThan(5000);
  prometheus.signal('SIGCONT');
});

test('with Prometheus frozen, the caller deadline wins: the server itself answers DEADLINE_EXCEEDED', async () => {
  prometheus.signal('SIGSTOP');
  const slow = { ...metadata, timeout: '10s' };
  const before = await serverCount('GetMetrics', 'DEADLINE_EXCEEDED');
  const err = await failure(client.getMetrics(ref(slow), '', { deadlineMs: 600 }));
  expect(status[err.code]).toBe('DEADLINE_EXCEEDED');
  // Counted by the server: it gave up on its own before the client's deadline passed.
  expect(await serverCount('GetMetrics', 'DEADLINE_EXCEEDED')).toBe(before + 1);
  prometheus.signal('SIGCONT');
});

test('the scaler recovers by itself when Prometheus comes back', async () => {
  await prometheus.stop({ keepData: true });
  expect(status[(await failure(client.getMetrics(ref(metadata), ''))).code]).toBe('UNAVAILABLE');
  prometheus = await startPrometheus({ dataDir: prometheus.dataDir, port: prometheus.port });
  const res = await client.getMetrics(ref(metadata), '');
  expect(res.metricValues[0]!.metricValueFloat).toBe(50);
});
