// Open streams count against a byte budget, per namespace and in total: with the Deployment's
// --max-old-space-size=384 and every default, streams whose metadata is near every bound are
// refused with RESOURCE_EXHAUSTED once the budget is spent, and the process lives on and answers.
// Before the budget, 2,000 such streams (under the count caps) killed it ("Reached heap limit").
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { BuiltServer } from './built-server';
import { startBuiltServer } from './built-server';
import { FakePrometheus } from './fake-prometheus';
import { httpGet, ref } from './harness';
import { ScalerClient } from '../helpers/scaler-client';

/** A valid trigger near every metadata bound (262,144 characters in all), distinct per `i`: two
 * 65,000-character queries and two ignored KEDA keys of the same size. */
function maximalMetadata(i: number): Record<string, string> {
  const id = String(i).padStart(6, '0');
  const query = (fn: string): string => `${fn}(up{i="${id}",pad="${'p'.repeat(64_970)}"})`;
  return {
    query: query('sum'),
    activationQuery: query('max'),
    threshold: '10',
    activationThreshold: '1000',
    activationInterval: '60s',
    caCert: 'c'.repeat(65_000),
    tlsClientCert: 't'.repeat(65_000),
  };
}

let prometheus: FakePrometheus;
let server: BuiltServer;
let clients: ScalerClient[] = [];
const open: grpc.ClientReadableStream<unknown>[] = [];

beforeAll(async () => {
  prometheus = await FakePrometheus.start();
  server = await startBuiltServer({
    sources: [{ name: 'fake', url: prometheus.url }],
  });
  clients = Array.from({ length: 4 }, () => new ScalerClient(server.grpcTarget));
}, 60_000);
afterAll(async () => {
  for (const s of open) s.cancel();
  for (const c of clients) c.raw.close();
  await server?.stop();
  await prometheus?.close();
});

/** Opens a StreamIsActive; resolves with its first status (OK once its first message arrives). */
function openStream(
  i: number,
  namespace: string,
  metadata = maximalMetadata(i),
): Promise<{ code: status; details: string }> {
  const stream = clients[i % clients.length]!.stream(
    'StreamIsActive',
    ref(metadata, 'so', namespace),
  );
  open.push(stream);
  return new Promise(resolve => {
    stream.once('data', () => resolve({ code: status.OK, details: '' }));
    stream.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
  });
}

test('2,000 streams with maximal metadata under the count caps: the budget refuses, the process lives', async () => {
  const outcomes: { namespace: string; code: status; details: string }[] = [];
  let i = 0;
  // Five namespaces of 400 (the count caps are 2,000 per namespace and 5,000 in all).
  for (let n = 0; n < 5 && server.alive(); n++) {
    for (let k = 0; k < 400 && server.alive(); k += 20) {
      const batch = Array.from({ length: 20 }, () => {
        i += 1;
        return openStream(i, `team-${n}`).then(r => ({ namespace: `team-${n}`, ...r }));
      });
      outcomes.push(...(await Promise.all(batch)));
    }
  }
  expect({ alive: server.alive(), stderr: server.stderr().slice(-500) }).toEqual({
    alive: true,
    stderr: '',
  });
  const accepted = outcomes.filter(o => o.code === status.OK);
  const refused = outcomes.filter(o => o.code === status.RESOURCE_EXHAUSTED);
  expect(accepted.length + refused.length).toBe(2000);
  // The first namespace stops at its share of the bytes, long before its count cap…
  const first = outcomes.filter(o => o.namespace === 'team-0');
  const firstRefusal = first.find(o => o.code !== status.OK);
  expect(firstRefusal?.details).toContain('past push.maxStreamBytesPerNamespace');
  expect(first.filter(o => o.code === status.OK).length).toBeLessThan(400);
  // …and the server stops at its total.
  expect(refused.some(o => o.details.includes('past push.maxStreamBytes ('))).toBe(true);
  expect(accepted.length).toBeLessThan(1000);

  // It still answers: health, unary calls, and a stream once one is closed.
  expect((await httpGet(`${server.httpUrl}/healthz`)).status).toBe(200);
  const spec = await clients[0]!.getMetricSpec(ref({ query: 'sum(up)', threshold: '1' }));
  expect(spec.metricSpecs).toHaveLength(1);
  for (const s of open.splice(0, 20)) s.cancel();
  await new Promise(r => setTimeout(r, 500));
  expect((await openStream(0, 'team-9', { query: 'sum(up)', threshold: '1' })).code).toBe(
    status.OK,
  );
}, 300_000);
