// Idle, half-open and slow connections cannot hold descriptors: the gRPC port closes idle
// connections (also ones that never finish the HTTP/2 preface), the HTTP port has header,
// request and idle timeouts and a connection cap. Short limits here; docs/errors-and-limits.md "Limits" has the
// defaults.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { status } from '@grpc/grpc-js';
import type { Scaler } from './harness';
import { goodMetadata, httpGet, ref, startScaler, timed } from './harness';

const IDLE_MS = 400;
const MAX_CONNECTIONS = 20;
let scaler: Scaler;

beforeAll(
  async () =>
    (scaler = await startScaler(
      {},
      {
        grpcServerOptions: { 'grpc.max_connection_idle_ms': IDLE_MS },
        httpLimits: {
          headersTimeoutMs: IDLE_MS,
          requestTimeoutMs: 2 * IDLE_MS,
          keepAliveTimeoutMs: IDLE_MS,
          socketIdleTimeoutMs: IDLE_MS,
          maxConnections: MAX_CONNECTIONS,
        },
      },
    )),
);
afterAll(() => scaler.stop());

const GIVE_UP_MS = 4000;

/** Opens a TCP connection, sends `first` (maybe nothing), then `trickle` every 100 ms; resolves
 * with how long the server took to close it, or GIVE_UP_MS when it did not. */
function heldOpen(
  port: number,
  first: string,
  trickle = '',
): Promise<{ closedAfterMs: number; received: string }> {
  return new Promise(resolve => {
    const socket: Socket = connect(port, '127.0.0.1');
    const started = performance.now();
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs: performance.now() - started, received });
    };
    const giveUp = setTimeout(finish, GIVE_UP_MS);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', finish);
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      if (first !== '') socket.write(first);
      if (trickle !== '') timer = setInterval(() => socket.write(trickle), 100);
    });
  });
}

const portOf = (target: string): number => Number(target.split(':')[1]);

test('gRPC: a TCP connection that never speaks is closed after the idle timeout', async () => {
  const { closedAfterMs } = await heldOpen(portOf(scaler.target), '');
  expect(closedAfterMs).toBeLessThan(GIVE_UP_MS);
});

test('gRPC: a connection that sends half the HTTP/2 preface is closed too', async () => {
  const { closedAfterMs } = await heldOpen(portOf(scaler.target), 'PRI * HTTP/2.0\r\n');
  expect(closedAfterMs).toBeLessThan(GIVE_UP_MS);
});

test('HTTP: headers sent one byte at a time are cut off by the headers timeout', async () => {
  const port = Number(new URL(scaler.httpUrl).port);
  const { closedAfterMs } = await heldOpen(port, 'GET /healthz HTTP/1.1\r\nx-slow: ', 'a');
  expect(closedAfterMs).toBeLessThan(GIVE_UP_MS);
});

test('HTTP: connections over the cap are closed at once; probes work again when they go', async () => {
  const port = Number(new URL(scaler.httpUrl).port);
  const idle: Socket[] = [];
  for (let i = 0; i < MAX_CONNECTIONS; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise(resolve => s.once('connect', resolve));
    idle.push(s);
  }
  // Let the server accept all of them before the one over the cap.
  await new Promise(resolve => setTimeout(resolve, 50));
  const over = await heldOpen(port, '');
  expect(over.closedAfterMs).toBeLessThan(IDLE_MS);
  idle.forEach(s => s.destroy());
  await new Promise(resolve => setTimeout(resolve, 100));
  expect((await httpGet(`${scaler.httpUrl}/healthz`)).status).toBe(200);
});

test('gRPC still answers a good call after all of that', async () => {
  const result = await timed(() => scaler.client.getMetricSpec(ref(goodMetadata())));
  expect(result.code).toBe(status.OK);
});
