// One client address cannot take either port: past its per-client cap its connections are
// closed at once, while another address (127.0.0.1 here, the flood from 127.0.0.2) still gets
// /healthz and gRPC answers.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Scaler } from './harness';
import { goodMetadata, httpGet, ref, startScaler } from './harness';

let scaler: Scaler;
beforeAll(
  async () =>
    (scaler = await startScaler({
      connections: {
        grpcMax: 200,
        grpcMaxPerClient: 20,
        httpMax: 200,
        httpMaxPerClient: 20,
      },
    })),
);
afterAll(() => scaler.stop());

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

/** `n` sockets from `from`, each sending `first` and then nothing; closed ones are counted. */
async function flood(port: number, n: number, first: string, from = '127.0.0.2') {
  const sockets: Socket[] = [];
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>(resolve => {
          const s = connect({ host: '127.0.0.1', port, localAddress: from });
          sockets.push(s);
          s.on('error', () => undefined);
          s.on('close', () => (closed += 1));
          s.on('connect', () => {
            if (first !== '') s.write(first);
            resolve();
          });
          s.on('close', () => resolve());
        }),
    ),
  );
  return { sockets, closed: () => closed };
}

test('HTTP: 300 slow-header sockets from one client; another client keeps getting /healthz', async () => {
  const port = Number(new URL(scaler.httpUrl).port);
  const slow = await flood(port, 300, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
  await sleep(300);
  // All but the per-client cap were closed at once.
  expect(slow.closed()).toBe(280);
  for (let i = 0; i < 20; i++)
    expect((await httpGet(`${scaler.httpUrl}/healthz`)).status).toBe(200);
  for (const s of slow.sockets) s.destroy();
});

test('gRPC: past the per-client cap connections are closed; another client still gets answers', async () => {
  const port = Number(scaler.target.split(':')[1]);
  const held = await flood(port, 150, PREFACE);
  await sleep(500);
  expect(held.closed()).toBe(130);
  // The 20 within the cap stay open.
  expect(held.sockets.filter(s => !s.destroyed)).toHaveLength(20);
  for (let i = 0; i < 10; i++) {
    const spec = await scaler.client.getMetricSpec(ref(goodMetadata()));
    expect(spec.metricSpecs).toHaveLength(1);
  }
  for (const s of held.sockets) s.destroy();
});

test('gRPC: past the total cap connections are closed whatever their address', async () => {
  const port = Number(scaler.target.split(':')[1]);
  await sleep(500); // the previous test's sockets are gone on the server's side too
  // 11 addresses with 20 each, every one within its per-client cap: 220 over a total of 200.
  const floods = await Promise.all(
    Array.from({ length: 11 }, (_, i) => flood(port, 20, PREFACE, `127.0.0.${i + 2}`)),
  );
  await sleep(500);
  const sockets = floods.flatMap(f => f.sockets);
  const open = sockets.filter(s => !s.destroyed).length;
  // The test's own client may hold one of the 200.
  expect(open).toBeGreaterThanOrEqual(199);
  expect(open).toBeLessThanOrEqual(200);
  for (const s of sockets) s.destroy();
  await sleep(500);
  const spec = await scaler.client.getMetricSpec(ref(goodMetadata()));
  expect(spec.metricSpecs).toHaveLength(1);
});
