// The pool wrapper's lifecycle against a loopback HTTP server: a close lets requests in flight
// finish, and a caller that still holds the source (an evicted serverAddress source, a refresh
// already scheduled) gets a working pool instead of "the client is destroyed".
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionPool } from '../../../src/prometheus/connection-pool';

const plainTls = () => ({ rejectUnauthorized: true, changed: false });

test('requests in flight finish when the pool closes, and a request after close still works', async () => {
  const server = createServer((_req, res) => setTimeout(() => res.end('ok'), 200));
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = new ConnectionPool(origin, 2);
  try {
    const get = async (): Promise<string> => {
      const res = await pool.dispatcher(plainTls).request({ method: 'GET', path: '/' });
      return res.body.text();
    };
    const inFlight = get();
    await new Promise(r => setTimeout(r, 50)); // the request is on the wire
    const closing = pool.close();
    const after = get(); // while the old pool is still draining
    await expect(Promise.all([inFlight, after, closing])).resolves.toEqual(['ok', 'ok', undefined]);
  } finally {
    await pool.close();
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  }
});
