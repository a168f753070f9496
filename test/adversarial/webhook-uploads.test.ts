// POST /alertmanager against hostile uploads: a refused or oversized body is not read to its
// end, the connection is closed, and only application/json is accepted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scaler } from './harness';
import { httpGet, startScaler } from './harness';

const TOKEN = 'webhook-token-for-tests';
const MAX_BODY = 65_536;
let dir: string;
let scaler: Scaler;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-webhook-'));
  writeFileSync(join(dir, 'token'), TOKEN);
  scaler = await startScaler({
    push: { alertmanagerTokenFile: join(dir, 'token'), alertmanagerMaxBodyBytes: MAX_BODY },
  });
});
afterAll(async () => {
  await scaler.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Upload {
  /** The status line the server sent, or '' if none. */
  statusLine: string;
  /** Body bytes the client managed to send before the server closed. */
  sent: number;
  /** Who ended the upload: the server closing the connection, or this client giving up. */
  closedBy: 'server' | 'client';
}

/** Streams an endless chunked body (64 KiB chunks) until the server closes, or `giveUpMs`. */
function endlessUpload(
  url: string,
  headers: Record<string, string>,
  giveUpMs: number,
): Promise<Upload> {
  const { hostname, port } = new URL(url);
  return new Promise(resolve => {
    const socket: Socket = connect(Number(port), hostname);
    let received = '';
    let sent = 0;
    let done = false;
    const chunk = Buffer.from(`10000\r\n${'x'.repeat(0x10000)}\r\n`);
    const finish = (closedBy: 'server' | 'client'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ statusLine: received.split('\r\n')[0] ?? '', sent, closedBy });
    };
    const timer = setTimeout(() => finish('client'), giveUpMs);
    const byServer = (): void => finish('server');
    const pump = (): void => {
      while (!done && !socket.destroyed) {
        sent += 0x10000;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', byServer);
    socket.on('end', byServer);
    socket.on('error', byServer);
    socket.on('connect', () => {
      const head = Object.entries({ ...headers, 'transfer-encoding': 'chunked' })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`POST /alertmanager HTTP/1.1\r\nhost: scaler\r\n${head}\r\n`);
      pump();
    });
  });
}

/** A bound on a hang only; reading on for this long would take far more than the bytes bound. */
const GIVE_UP_MS = 15_000;

test('a wrong token gets 401 and the endless upload is cut off, not read', async () => {
  const upload = await endlessUpload(
    `${scaler.httpUrl}/alertmanager`,
    { authorization: 'Bearer wrong', 'content-type': 'application/json' },
    GIVE_UP_MS,
  );
  expect(upload.statusLine).toBe('HTTP/1.1 401 Unauthorized');
  expect(upload.closedBy).toBe('server');
  // Socket buffers hold a few MB at most; a server reading on would take hundreds of MB.
  expect(upload.sent).toBeLessThan(32 * 1024 * 1024);
});

test('a valid token with an endless chunked body gets 413 at the limit, and the connection closes', async () => {
  const upload = await endlessUpload(
    `${scaler.httpUrl}/alertmanager`,
    { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    GIVE_UP_MS,
  );
  expect(upload.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
  expect(upload.closedBy).toBe('server');
  expect(upload.sent).toBeLessThan(32 * 1024 * 1024);
});

test('a body that is not application/json gets 415, even when it would parse', async () => {
  const response = await fetch(`${scaler.httpUrl}/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
    body: JSON.stringify({ version: '4', alerts: [] }),
  });
  expect(response.status).toBe(415);
  expect(await response.json()).toEqual({ error: 'content-type: must be application/json' });
  const ok = await fetch(`${scaler.httpUrl}/alertmanager`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify({ version: '4', alerts: [] }),
  });
  expect(ok.status).toBe(200);
});

test.each([
  [`bearer ${TOKEN}`, 200],
  [`BEARER  ${TOKEN}`, 200],
  [`Basic ${TOKEN}`, 401],
  [`Bearer ${TOKEN}x`, 401],
  ['Bearer', 401],
])(
  'the scheme is case-insensitive (RFC 9110 11.1, Alertmanager sends its type as written): %s gets %i',
  async (authorization, expected) => {
    const response = await fetch(`${scaler.httpUrl}/alertmanager`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', alerts: [] }),
    });
    expect(response.status).toBe(expected);
  },
);

test('the scaler still answers its probes afterwards', async () => {
  expect((await httpGet(`${scaler.httpUrl}/healthz`)).status).toBe(200);
});
