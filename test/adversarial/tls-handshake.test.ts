// A client that opens a TCP connection to the TLS gRPC port and never finishes the handshake is
// disconnected after the handshake timeout (short here; docs/errors-and-limits.md "Limits" has
// the default).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa, makeLeaf } from '../helpers/certificates';
import type { Scaler } from './harness';
import { startScaler } from './harness';

const HANDSHAKE_MS = 300;
/** A bound on a hang only: a connection the server has not closed by then, the client closes. */
const GIVE_UP_MS = 15_000;
let dir: string;
let scaler: Scaler;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-tls-handshake-'));
  makeCa(dir);
  makeLeaf(dir, 'server', 'scaler');
  copyFileSync(join(dir, 'server.crt'), join(dir, 'tls.crt'));
  copyFileSync(join(dir, 'server.key'), join(dir, 'tls.key'));
  scaler = await startScaler(
    { tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') } },
    { tlsHandshakeTimeoutMs: HANDSHAKE_MS },
  );
});
afterAll(async () => {
  await scaler.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['sends nothing', ''],
  ['sends half a ClientHello', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
])('a client that %s is disconnected after the handshake timeout', async (_, bytes) => {
  const closed = await new Promise<{ by: 'server' | 'client'; afterMs: number }>(resolve => {
    const socket = connect(Number(scaler.target.split(':')[1]), '127.0.0.1');
    const started = performance.now();
    const done = (by: 'server' | 'client'): void => {
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ by, afterMs: performance.now() - started });
    };
    const giveUp = setTimeout(() => done('client'), GIVE_UP_MS);
    socket.on('connect', () => bytes !== '' && socket.write(Buffer.from(bytes, 'latin1')));
    socket.on('close', () => done('server'));
    socket.on('error', () => undefined);
  });
  expect(closed.by).toBe('server');
  // Not before the timeout: a lower bound, which a loaded machine can only make later.
  expect(closed.afterMs).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
});
