// Per-source HTTP proxies on the wire: a recording loopback proxy sees the requests of a source
// with proxyUrl and of a source reached through HTTP_PROXY, and none of those that noProxy or
// NO_PROXY exempt; an oauth2 source's token requests take its proxy too. Names ending in .test
// resolve only inside the proxy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/telemetry/logger';
import type { RecordingProxy, StandIn, TokenEndpoint } from '../helpers/auth-stand-ins';
import {
  bearerCheck,
  startGate,
  startRecordingProxy,
  startTokenEndpoint,
} from '../helpers/auth-stand-ins';
import { EXPECTED } from '../helpers/fixtures';
import type { RunningScaler } from '../helpers/scaler-app';
import { startScaler } from '../helpers/scaler-app';
import { ref } from '../helpers/scaler-client';

const PROM = new URL(process.env['KPS_TEST_PROMETHEUS_URL'] ?? 'http://127.0.0.1:9');
const SUM = EXPECTED.queueDepth.q1 + EXPECTED.queueDepth.q2;
const savedEnv = { ...process.env };
const CLIENT_SECRET = 'proxy-test-client-secret';
let proxy: RecordingProxy;
let scaler: RunningScaler;
let tokens: TokenEndpoint;
let gate: StandIn;
let dir: string;

beforeAll(async () => {
  proxy = await startRecordingProxy();
  dir = mkdtempSync(join(tmpdir(), 'kps-proxy-'));
  writeFileSync(join(dir, 'client-secret'), CLIENT_SECRET);
  tokens = await startTokenEndpoint({
    clientId: 'scaler',
    clientSecret: () => CLIENT_SECRET,
    lifetimeS: 300,
  });
  gate = await startGate(
    PROM.origin,
    bearerCheck(t => tokens.valid(t)),
  );
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
      {
        name: 'oauth-behind-proxy',
        url: `http://gate.test:${gate.port}`,
        proxyUrl: proxy.url,
        auth: {
          oauth2: {
            tokenUrl: `http://tokens.test:${tokens.port}/oauth2/token`,
            clientId: 'scaler',
            clientSecretFile: join(dir, 'client-secret'),
          },
        },
      },
    ],
    createLogger('silent'),
  );
});

afterAll(async () => {
  await scaler.stop();
  await Promise.all([proxy.close(), tokens.close(), gate.close()]);
  rmSync(dir, { recursive: true, force: true });
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

test("an oauth2 source's token endpoint is reached through the source's proxy", async () => {
  proxy.seen.length = 0;
  expect(await ask('oauth-behind-proxy')).toBe(SUM);
  expect(tokens.requests.map(r => r.status)).toEqual([200]);
  // undici's ProxyAgent tunnels plain http too (CONNECT).
  expect(proxy.seen).toEqual([
    `CONNECT tokens.test:${tokens.port}`,
    `CONNECT gate.test:${gate.port}`,
  ]);
});
