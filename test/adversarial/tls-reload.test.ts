// A bad certificate rotation (key of another pair, garbage, a deleted file) is refused: the last
// good pair keeps serving new handshakes, and the refusal is logged as JSON, counted in
// /metrics and shown on /readyz until a good pair arrives.
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { makeCa, makeLeaf } from '../helpers/certificates';
import type { Scaler } from './harness';
import { httpGet, metricValue, startScaler } from './harness';

const REFRESH_MS = 100;
let dir: string;
let scaler: Scaler;
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-tls-reload-'));
  makeCa(dir);
  makeLeaf(dir, 'server-a', 'scaler-a');
  makeLeaf(dir, 'server-b', 'scaler-b');
  copyFileSync(file('server-a.crt'), file('tls.crt'));
  copyFileSync(file('server-a.key'), file('tls.key'));
  scaler = await startScaler({
    tls: {
      certFile: file('tls.crt'),
      keyFile: file('tls.key'),
      refreshInterval: `${REFRESH_MS}ms`,
    },
  });
});
afterAll(async () => {
  await scaler.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The common name the gRPC port presents in a fresh TLS handshake (ALPN h2, as KEDA dials). */
function servedName(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: Number(scaler.target.split(':')[1]),
      ca: readFileSync(file('ca.crt')),
      servername: 'localhost',
      ALPNProtocols: ['h2'],
    });
    socket.once('secureConnect', () => {
      resolve(String(socket.getPeerCertificate().subject.CN));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const settle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, REFRESH_MS * 5));
const FAILURES = 'keda_prometheus_scaler_tls_reload_failures_total';

test.each([
  [
    'a key that belongs to another certificate',
    () => copyFileSync(file('server-b.key'), file('tls.key')),
  ],
  ['a garbage certificate file', () => writeFileSync(file('tls.crt'), 'not a certificate\n')],
  ['a deleted key file', () => unlinkSync(file('tls.key'))],
])('%s: the last good pair serves on, and the refusal is visible', async (_, breakIt) => {
  copyFileSync(file('server-a.crt'), file('tls.crt'));
  copyFileSync(file('server-a.key'), file('tls.key'));
  await settle();
  const before = await metricValue(scaler, FAILURES);
  scaler.logs.length = 0;
  breakIt();
  await settle();
  await expect(servedName()).resolves.toBe('scaler-a');
  expect(await metricValue(scaler, FAILURES)).toBeGreaterThan(before);
  const line = scaler.logs.find(l => String(l['msg']).includes('TLS files reload refused'));
  expect(line).toMatchObject({ level: 50, files: [file('tls.crt'), file('tls.key')] });
  const ready = await httpGet(`${scaler.httpUrl}/readyz`);
  expect(ready.status).toBe(200);
  expect(ready.body).toContain('warning: TLS reload refused, previous files serving');
});

test('a good new pair is taken, and the warning goes', async () => {
  copyFileSync(file('server-b.crt'), file('tls.crt'));
  copyFileSync(file('server-b.key'), file('tls.key'));
  await settle();
  await expect(servedName()).resolves.toBe('scaler-b');
  expect((await httpGet(`${scaler.httpUrl}/readyz`)).body).toBe('ready\n');
});
