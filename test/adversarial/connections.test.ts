// Idle, half-open and slow connections cannot hold descriptors: the gRPC port closes idle
// connections (also ones that never finish the HTTP/2 preface), the HTTP port has header,
// request and idle timeouts and a connection cap. Short limits here;
// docs/errors-and-limits.md "Limits" has the defaults.
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

/** A bound on a hang only: a connection the server does not close by then, the client closes. */
const GIVE_UP_MS = 15_000;

/**
 * Opens a TCP connection, sends `first` (maybe nothing), then `trickle` every 100 ms; resolves
 * with who closed it (the server, or this client giving up after GIVE_UP_MS) and what came back.
 */
function heldOpen(
  port: number,
  first: string,
  trickle = '',
): Promise<{ closedBy: 'server' | 'client'; received: string }> {
  return new Promise(resolve => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedBy: 'server' | 'client'): void => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedBy, received });
    };
    const giveUp = setTimeout(() => finish('client'), GIVE_UP_MS);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', () => finish('server'));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      if (first !== '') socket.write(first);
      if (trickle !== '') timer = setInterval(() => socket.write(trickle), 100);
    });
  });
}

const portOf = (target: string): number => Number(target.split(':')[1]);

const LONG_HTTP_TIMEOUTS = {
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 60_000,
  socketIdleTimeoutMs: 60_000,
};

/** A connection that sent GET /healthz and read its status line; kept open (keep-alive). */
function answeredKeepAlive(port: number): Promise<{ status: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nhost: scaler\r\n\r\n'));
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (received.includes('\r\n')) resolve({ status: received.split('\r\n')[0]!, socket });
    });
  });
}

/** /healthz's status once the server has seen the closed connections go (asked until then). */
async function healthzOnceFree(httpUrl: string): Promise<number> {
  const giveUpAt = Date.now() + GIVE_UP_MS;
  for (;;) {
    try {
      return (await httpGet(`${httpUrl}/healthz`)).status;
    } catch (e) {
      if (Date.now() > giveUpAt) throw e;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}

test('gRPC: a TCP connection that never speaks is closed after the idle timeout', async () => {
  const { closedBy } = await heldOpen(portOf(scaler.target), '');
  expect(closedBy).toBe('server');
});

test('gRPC: a connection that sends half the HTTP/2 preface is closed too', async () => {
  const { closedBy } = await heldOpen(portOf(scaler.target), 'PRI * HTTP/2.0\r\n');
  expect(closedBy).toBe('server');
});

test('HTTP: headers sent one byte at a time are cut off by the headers timeout', async () => {
  const port = Number(new URL(scaler.httpUrl).port);
  const { closedBy } = await heldOpen(port, 'GET /healthz HTTP/1.1\r\nx-slow: ', 'a');
  expect(closedBy).toBe('server');
});

test('HTTP: a connection over the cap is closed unanswered; probes work again when they go', async () => {
  // Its own scaler with timeouts no test outlasts: the connections under the cap stay open
  // because nothing closes them, not because the test was quick enough.
  const capped = await startScaler(
    {},
    { httpLimits: { ...LONG_HTTP_TIMEOUTS, maxConnections: MAX_CONNECTIONS } },
  );
  try {
    const port = Number(new URL(capped.httpUrl).port);
    // Each holds a kept-alive connection it was answered on: the server has counted it.
    const held = await Promise.all(
      Array.from({ length: MAX_CONNECTIONS }, () => answeredKeepAlive(port)),
    );
    expect(held.map(h => h.status)).toEqual(held.map(() => 'HTTP/1.1 200 OK'));
    const over = await heldOpen(port, 'GET /healthz HTTP/1.1\r\nhost: scaler\r\n\r\n');
    expect(over).toEqual({ closedBy: 'server', received: '' });
    held.forEach(h => h.socket.destroy());
    expect(await healthzOnceFree(capped.httpUrl)).toBe(200);
  } finally {
    await capped.stop();
  }
});

test('gRPC still answers a good call after all of that', async () => {
  const result = await timed(() => scaler.client.getMetricSpec(ref(goodMetadata())));
  expect(result.code).toBe(status.OK);
});
