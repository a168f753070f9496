// One JSON log line per failed call, naming namespace, ScaledObject, metric, source and status,
// and never a secret (source token, customHeaders values, resolved *FromEnv values).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { ScalerClient, ref } from '../helpers/scaler-client';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
const SECRET = 'tok-3f9a-secret';
let lines: Record<string, unknown>[];
let app: App;
let client: ScalerClient;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-log-'));
  writeFileSync(join(dir, 'token'), `${SECRET}\n`);
  lines = [];
  const sink = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
  const config = validateConfig({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    sources: [{ name: 'secured', url: PROM_URL, bearerTokenFile: join(dir, 'token') }],
  });
  app = createApp(config, { logger: createLogger('info', sink) });
  const { grpcPort } = await app.start();
  client = new ScalerClient(`127.0.0.1:${grpcPort}`);
});

afterAll(async () => {
  client.close();
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

const failures = (): Record<string, unknown>[] => lines.filter(l => 'rpc' in l && 'code' in l);

test('a source with a bearer token answers (Prometheus ignores the header)', async () => {
  const res = await client.getMetrics(
    ref({ query: 'sum(kps_test_queue_depth)', threshold: '1' }),
    '',
  );
  expect(res.metricValues[0]!.metricValueFloat).toBe(50);
});

test('a failed call logs one warn line with its context and no secret', async () => {
  lines.length = 0;
  const metadata = {
    query: 'sum(rate(',
    threshold: '1',
    customHeaders: `X-Api-Key=${SECRET}`,
  };
  await expect(client.getMetrics(ref(metadata, 'checkout', 'team-a'), '')).rejects.toThrow();
  const logged = failures();
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({
    level: 40,
    rpc: 'GetMetrics',
    namespace: 'team-a',
    scaledObject: 'checkout',
    source: 'secured',
    code: 'INVALID_ARGUMENT',
  });
  expect(String(logged[0]!['metric'])).toMatch(/^prom-sum-rate-/);
  expect(JSON.stringify(lines)).not.toContain(SECRET);
});

test('secrets resolved by KEDA (*FromEnv) never reach the log or the caller', async () => {
  lines.length = 0;
  const metadata = { query: 'up', threshold: '1', passwordFromEnv: SECRET };
  const err = (await client.getMetricSpec(ref(metadata)).catch((e: unknown) => e)) as Error;
  expect(err.message).toContain('passwordFromEnv');
  expect(err.message).not.toContain(SECRET);
  expect(failures()).toHaveLength(1);
  expect(JSON.stringify(lines)).not.toContain(SECRET);
});
