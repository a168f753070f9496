// Open streams are bounded overall (push.maxStreams) and per namespace
// (push.maxStreamsPerNamespace): each holds a watcher and heap while open, so one caller could
// otherwise grow the process without end and one namespace could take every stream.
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { Scaler } from './harness';
import { firstStreamStatus, goodMetadata, metricValue, ref, startScaler } from './harness';

let scaler: Scaler;
const open: grpc.ClientReadableStream<unknown>[] = [];

beforeAll(
  async () => (scaler = await startScaler({ push: { maxStreams: 5, maxStreamsPerNamespace: 3 } })),
);
afterAll(async () => {
  for (const s of open) s.cancel();
  await scaler.stop();
});

/** Opens a stream and waits for its first message (OK) or its error status. */
async function openStream(
  rpc: 'StreamIsActive' | 'StreamMetricSpec',
  namespace: string,
  query = 'sum(up)',
): Promise<{ code: status; details: string }> {
  const stream = scaler.client.stream(
    rpc,
    ref(goodMetadata({ query, activationThreshold: '0' }), 'so', namespace),
  );
  // Errors after the first message (the cancel at the end) are expected.
  stream.on('error', () => undefined);
  open.push(stream);
  const first = await new Promise<{ code: status; details: string }>(resolve => {
    stream.once('data', () => resolve({ code: status.OK, details: '' }));
    stream.once('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
  });
  return first;
}

test('one namespace stops at its share, the server at its total, and a closed stream frees its place', async () => {
  const exhausted =
    'keda_prometheus_scaler_grpc_calls_total{rpc="StreamIsActive",code="RESOURCE_EXHAUSTED"}';
  const before = await metricValue(scaler, exhausted);

  // team-a: three streams (both kinds, distinct queries), then its fourth is refused.
  expect((await openStream('StreamIsActive', 'team-a', 'sum(up) + 1')).code).toBe(status.OK);
  expect((await openStream('StreamMetricSpec', 'team-a')).code).toBe(status.OK);
  expect((await openStream('StreamIsActive', 'team-a', 'sum(up) + 2')).code).toBe(status.OK);
  const fourth = await openStream('StreamIsActive', 'team-a', 'sum(up) + 3');
  expect(status[fourth.code]).toBe('RESOURCE_EXHAUSTED');
  expect(fourth.details).toContain('namespace "team-a" has 3 streams open');
  expect(fourth.details).toContain('push.maxStreamsPerNamespace');

  // team-b still gets streams until the server's total of five is reached.
  expect((await openStream('StreamIsActive', 'team-b')).code).toBe(status.OK);
  expect((await openStream('StreamIsActive', 'team-b', 'sum(up) + 4')).code).toBe(status.OK);
  const sixth = await openStream('StreamIsActive', 'team-c');
  expect(status[sixth.code]).toBe('RESOURCE_EXHAUSTED');
  expect(sixth.details).toContain('5 streams are open');
  expect(sixth.details).toContain('push.maxStreams');
  expect(await metricValue(scaler, exhausted)).toBe(before + 2);

  // A refused stream subscribed no watcher: only the accepted StreamIsActive queries are watched.
  expect(await metricValue(scaler, 'keda_prometheus_scaler_activation_watchers')).toBe(4);
  expect(
    await metricValue(scaler, 'keda_prometheus_scaler_open_streams{rpc="StreamIsActive"}'),
  ).toBe(4);
  expect(
    await metricValue(scaler, 'keda_prometheus_scaler_open_streams{rpc="StreamMetricSpec"}'),
  ).toBe(1);

  // KEDA cancels a stream when its ScaledObject changes: the place is free again.
  open[0]?.cancel();
  const deadline = Date.now() + 5000;
  let retried = await openStream('StreamIsActive', 'team-c');
  while (retried.code !== status.OK && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 50));
    retried = await openStream('StreamIsActive', 'team-c');
  }
  expect(status[retried.code]).toBe('OK');
});

test('a long namespace in the refusal is quoted and cut short', async () => {
  const name = `${'ns-'.repeat(2000)}\r\nforged`;
  const refused = await openStream('StreamIsActive', name);
  expect(status[refused.code]).toBe('RESOURCE_EXHAUSTED');
  expect(refused.details.length).toBeLessThan(600);
  expect(refused.details).not.toContain('\r\n');
});

test('the first stream status helper agrees (the refusal comes at once)', async () => {
  const stream = scaler.client.stream('StreamMetricSpec', ref(goodMetadata(), 'so', 'team-d'));
  const result = await firstStreamStatus(stream);
  expect(status[result.code]).toBe('RESOURCE_EXHAUSTED');
});
