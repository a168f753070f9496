// The server's side of the empty-result diagnosis: at debug level, a trigger whose query keeps
// returning nothing is diagnosed once, from the real Prometheus's metadata API, and logged.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import { ScalerClient, ref } from '../helpers/scaler-client';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';

async function serve(level: 'debug' | 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
  const app: App = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      sources: [{ name: 'default', url: PROM_URL }],
    }),
    // "Keeps returning nothing" after 0 ms instead of a minute: the second empty answer counts.
    { logger: createLogger(level, sink), emptyDiagnosisAfterMs: 0 },
  );
  const { grpcPort } = await app.start();
  return { app, lines, client: new ScalerClient(`127.0.0.1:${grpcPort}`) };
}

const diagnosed = (lines: Record<string, unknown>[]) =>
  lines.filter(l => l['msg'] === 'query keeps returning nothing');

test('debug level: one log line with the did-you-mean, however often KEDA asks', async () => {
  const { app, lines, client } = await serve('debug');
  try {
    const trigger = ref({ query: 'sum(kps_test_queue_dept)', threshold: '5' });
    for (let i = 0; i < 4; i++) await client.getMetrics(trigger, '');
    const deadline = Date.now() + 10_000;
    while (diagnosed(lines).length === 0 && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 50));
    for (let i = 0; i < 3; i++) await client.getMetrics(trigger, '');
    await new Promise(r => setTimeout(r, 200));
    expect(diagnosed(lines)).toHaveLength(1);
    expect(diagnosed(lines)[0]).toMatchObject({
      level: 20,
      query: 'sum(kps_test_queue_dept)',
      source: 'default',
      result: 'no series',
      findings: [
        {
          kind: 'unknown_metric',
          message:
            'metric kps_test_queue_dept has no series in the last hour (did you mean kps_test_queue_depth?)',
        },
      ],
    });
  } finally {
    client.close();
    await app.stop();
  }
});

test('info level: no diagnosis is run or logged', async () => {
  const { app, lines, client } = await serve('info');
  try {
    const trigger = ref({ query: 'sum(kps_test_queue_dept)', threshold: '5' });
    for (let i = 0; i < 3; i++) await client.getMetrics(trigger, '');
    await new Promise(r => setTimeout(r, 200));
    expect(diagnosed(lines)).toHaveLength(0);
  } finally {
    client.close();
    await app.stop();
  }
});

test('the PromQL grammar is loaded by the first diagnosis, not by serve starting', () => {
  // The built app (global setup builds dist/), required in a fresh Node process: what loads the
  // grammar there is what loads it in the container.
  const script = `
    const grammarFiles = () => Object.keys(require.cache).filter(k => k.includes('lezer')).length;
    require('./dist/src/app.js');
    const atStart = grammarFiles();
    require('./dist/src/diagnose/promql-selectors.js')
      .extractSelectors('rate(up{job="api"}[5m])')
      .then(s => process.stdout.write(JSON.stringify({ atStart, after: grammarFiles(), s })));`;
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: join(__dirname, '../..'),
    encoding: 'utf8',
  });
  const { atStart, after, s } = JSON.parse(out) as { atStart: number; after: number; s: unknown };
  expect(atStart).toBe(0);
  expect(after).toBeGreaterThan(0);
  expect(s).toEqual([
    {
      metric: 'up',
      matchers: [{ label: 'job', op: '=', value: 'api' }],
      rangeSeconds: 300,
      enclosing: 'rate',
    },
  ]);
});
