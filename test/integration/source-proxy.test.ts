// Per-source HTTP proxies on the wire: a recording loopback proxy sees the requests of a source
// with proxyUrl and of a source reached through HTTP_PROXY, and none of those that noProxy or
// NO_PROXY exempt. Names ending in .test resolve only inside the proxy.
import { createLogger } from '../../src/telemetry/logger';
import type { RecordingProxy } from '../helpers/auth-stand-ins';
import { startRecordingProxy } from '../helpers/auth-stand-ins';
import { EXPECTED } from '../helpers/fixtures';
import type { RunningScaler } from '../helpers/scaler-app';
import { startScaler } from '../helpers/scaler-app';
import { ref } from '../helpers/scaler-client';

const PROM = new URL(process.env['KPS_TEST_PROMETHEUS_URL'] ?? 'http://127.0.0.1:9');
const SUM = EXPECTED.queueDepth.q1 + EXPECTED.queueDepth.q2;
const savedEnv = { ...process.env };
let proxy: RecordingProxy;
let scaler: RunningScaler;

beforeAll(async () => {
  proxy = await startRecordingProxy();
  for (const k of [
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
  ]) {
    delete process.env[k];
  }
  process.env['HTTP_PROXY'] = proxy.url;
  process.env['NO_PROXY'] = 'example.org,.direct.test';
  scaler = await startScaler(
    [
      { name: 'configured', url: `http://prom-a.test:${PROM.port}`, proxyUrl: proxy.url },
      {
        name: 'exempt',
        url: PROM.origin,
        proxyUrl: proxy.url,
        noProxy: ['other.test', PROM.hostname],
      },
      { name: 'from-env', url: `http://prom-env.test:${PROM.port}` },
      { name: 'env-exempt', url: `http://prom.direct.test:${PROM.port}`, timeout: '1s' },
    ],
    createLogger('silent'),
  );
});

afterAll(async () => {
  await scaler.stop();
  await proxy.close();
  process.env = savedEnv;
});

let n = 0;
function ask(source: string): Promise<number> {
  n += 1;
  const metadata = { source, query: `sum(kps_test_queue_depth) + 0 * ${n}`, threshold: '1' };
  return scaler.client.getMetrics(ref(metadata), '').then(r => r.metricValues[0]!.metricValueFloat);
}

test('a source with proxyUrl is reached through the proxy', async () => {
  proxy.seen.length = 0;
  expect(await ask('configured')).toBe(SUM);
  expect(proxy.seen.some(s => s.includes(`prom-a.test:${PROM.port}`))).toBe(true);
});

test('a host in noProxy is reached directly', async () => {
  proxy.seen.length = 0;
  expect(await ask('exempt')).toBe(SUM);
  expect(proxy.seen).toEqual([]);
});

test('HTTP_PROXY from the environment is honoured', async () => {
  proxy.seen.length = 0;
  expect(await ask('from-env')).toBe(SUM);
  expect(proxy.seen.some(s => s.includes(`prom-env.test:${PROM.port}`))).toBe(true);
});

test('NO_PROXY from the environment exempts a host (here: a name only the proxy resolves)', async () => {
  proxy.seen.length = 0;
  const err = (await ask('env-exempt').catch((e: unknown) => e)) as { code?: number };
  expect(err.code).toBe(14);
  expect(proxy.seen).toEqual([]);
});
