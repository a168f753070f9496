// Push activation end to end: a real Prometheus scrapes an app whose gauge the test moves, a real
// Alertmanager posts to the scaler when a Prometheus alert rule fires, and grpc-js streams see
// `true` only on transitions. Plus the webhook's 4xx answers and StreamMetricSpec.
import { status } from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import type { AlertingStack } from '../../scripts/lib/alerting-stack';
import { startAlertingStack } from '../../scripts/lib/alerting-stack';
import type { GaugeApp } from '../../scripts/lib/gauge-app';
import { ScalerClient, ref } from '../helpers/scaler-client';
import { record, until } from '../helpers/streams';

const TOKEN = 'webhook-token-7c1e';
let stack: AlertingStack;
let gauge: GaugeApp;
let app: App;
let client: ScalerClient;
let httpBase: string;

beforeAll(async () => {
  stack = await startAlertingStack({
    gaugeName: 'kps_push_queue_depth',
    alertName: 'KpsQueueDeep',
    threshold: 10,
    labels: { team: 'shop' },
    token: TOKEN,
  });
  gauge = stack.gauge;
  httpBase = `http://127.0.0.1:${stack.scalerHttpPort}`;
  app = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: `127.0.0.1:${stack.scalerHttpPort}`,
      sources: [{ name: 'main', url: stack.prometheus.url }],
      push: {
        alertmanagerTokenFile: stack.tokenFile,
        alertmanagerMaxBodyBytes: 4096,
        // Longer than any wait here: a stream polled sooner did so by its own activationInterval.
        activationInterval: '60s',
      },
    }),
    { logger: createLogger('silent') },
  );
  const { grpcPort } = await app.start();
  client = new ScalerClient(`127.0.0.1:${grpcPort}`);
}, 60_000);

afterAll(async () => {
  client.close();
  await app.stop();
  await stack.stop();
});

async function transitions(cause: string): Promise<number> {
  const text = await app.registry.getSingleMetricAsString(
    'keda_prometheus_scaler_activation_transitions_total',
  );
  const line = text.split('\n').find(l => l.includes(`cause="${cause}"`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

test('polling: a stream wakes within one activationInterval of the crossing and never repeats true', async () => {
  gauge.set(0);
  await new Promise(r => setTimeout(r, 1500));
  const metadata = {
    query: 'max(kps_push_queue_depth)',
    threshold: '10',
    activationThreshold: '10',
    activationInterval: '1s',
  };
  const stream = client.stream('StreamIsActive', ref(metadata));
  const seen = record(stream);
  await until(() => seen.messages.length === 1, 5000);
  expect(seen.messages[0]?.result).toBe(false);
  const before = await transitions('poll');

  gauge.set(50);
  // Scrape interval (1 s) + activationInterval (1 s), well inside this bound on a hang; at the
  // server's 60 s default (a trigger interval not applied) it would not come at all.
  await until(() => seen.messages.length === 2, 10_000);
  expect(seen.messages[1]?.result).toBe(true);
  // Woken by a poll of the watcher (no alert was sent).
  expect(await transitions('poll')).toBe(before + 1);

  await new Promise(r => setTimeout(r, 3000));
  gauge.set(0);
  await new Promise(r => setTimeout(r, 2500));
  expect(seen.messages.map(m => m.result)).toEqual([false, true]);
  stream.cancel();
  expect(status[(await seen.ended).code]).toBe('CANCELLED');
});

test('Alertmanager: a firing alert wakes the stream long before its 60 s polling would', async () => {
  gauge.set(0);
  await new Promise(r => setTimeout(r, 2500)); // any earlier alert resolves
  // With a 60 s interval the watcher evaluates at the start of the current minute, which may
  // fall while the previous test still held the gauge at 50. A threshold the gauge never reaches
  // keeps polling inactive, so only the alert (gauge > 10 in the rule) can wake the stream.
  const metadata = {
    query: 'max(kps_push_queue_depth)',
    threshold: '10',
    activationThreshold: '100',
    activationInterval: '60s',
    activationAlert: 'KpsQueueDeep',
    activationAlertLabels: 'team=shop',
  };
  const stream = client.stream('StreamIsActive', ref(metadata, 'orders', 'shop'));
  const seen = record(stream);
  await until(() => seen.messages.length === 1, 5000);
  expect(seen.messages[0]?.result).toBe(false);
  const before = await transitions('alert');

  gauge.set(50);
  await until(() => seen.messages.length === 2, 20_000);
  expect(seen.messages[1]?.result).toBe(true);
  // Woken by the alert: polling could not have (activationThreshold 100 is never reached).
  expect(await transitions('alert')).toBe(before + 1);
  stream.cancel();
  await seen.ended;
  gauge.set(0);
});

describe('POST /alertmanager rejects what it should, changing nothing', () => {
  const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${httpBase}/alertmanager`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const firing = JSON.stringify({
    version: '4',
    alerts: [{ status: 'firing', labels: { alertname: 'KpsQueueDeep', team: 'shop' } }],
  });

  test.each([
    ['no token', {}, firing, 401],
    ['a wrong token', { authorization: 'Bearer nope' }, firing, 401],
    [
      'a malformed body',
      { authorization: `Bearer ${TOKEN}` },
      '{"version":"4","alerts":[{}]}',
      400,
    ],
    [
      'another payload version',
      { authorization: `Bearer ${TOKEN}` },
      '{"version":"3","alerts":[]}',
      400,
    ],
    [
      'an oversized body',
      { authorization: `Bearer ${TOKEN}` },
      JSON.stringify({ version: '4', alerts: [], pad: 'x'.repeat(5000) }),
      413,
    ],
  ])('%s → %d', async (_name, headers, body, code) => {
    const before = await transitions('alert');
    const res = await post(body, headers);
    expect(res.status).toBe(code);
    expect(((await res.json()) as { error: string }).error.length).toBeGreaterThan(0);
    expect(await transitions('alert')).toBe(before);
  });

  test('GET is not allowed', async () => {
    expect((await fetch(`${httpBase}/alertmanager`)).status).toBe(405);
  });

  test('a valid firing payload is accepted and reports what it woke', async () => {
    const res = await post(firing, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ firing: 1, resolved: 0 });
  });
});

test('StreamMetricSpec sends the current specs at once, equal to GetMetricSpec, and stays open', async () => {
  const metadata = { query: 'max(kps_push_queue_depth)', threshold: '2.5' };
  const stream = client.stream('StreamMetricSpec', ref(metadata));
  const first = await new Promise<unknown>(r => stream.once('data', r));
  expect(first).toEqual(await client.getMetricSpec(ref(metadata)));
  const ended = new Promise<StatusObject>(r => stream.on('status', r));
  stream.on('error', () => undefined);
  await new Promise(r => setTimeout(r, 300));
  stream.cancel();
  expect(status[(await ended).code]).toBe('CANCELLED');
});
