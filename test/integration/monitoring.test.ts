// The scaler's own monitoring, tested for real: promtool checks and unit-tests the alert rules, and
// a real Prometheus scrapes a real scaler under a short, varied load (good, failing and bad
// queries, streams, webhook posts) before every dashboard panel's PromQL runs against it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { parse as parseYaml } from 'yaml';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import type { PrometheusProcess } from '../helpers/prometheus';
import { freePort, requireBinary, startPrometheus, waitForSeries } from '../helpers/prometheus';
import { ScalerClient, ref } from '../helpers/scaler-client';

const MONITORING = join(__dirname, '../../deploy/monitoring');
const JOB = 'keda-prometheus-scaler';

describe('alert rules (promtool)', () => {
  const promtool = requireBinary('promtool');

  test('promtool check rules accepts deploy/monitoring/alerts.yaml', () => {
    const out = execFileSync(promtool, ['check', 'rules', join(MONITORING, 'alerts.yaml')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS: 8 rules found/);
  });

  test('promtool test rules passes deploy/monitoring/alerts.test.yaml (firing and quiet cases)', () => {
    const out = execFileSync(promtool, ['test', 'rules', join(MONITORING, 'alerts.test.yaml')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS/);
  });

  test('the unit tests can fail: a wrong expectation is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kps-rules-'));
    try {
      writeFileSync(join(dir, 'alerts.yaml'), readFileSync(join(MONITORING, 'alerts.yaml')));
      const tests = readFileSync(join(MONITORING, 'alerts.test.yaml'), 'utf8').replace(
        'source: thanos',
        'source: prometheus',
      );
      writeFileSync(join(dir, 'alerts.test.yaml'), tests);
      expect(() =>
        execFileSync(promtool, ['test', 'rules', join(dir, 'alerts.test.yaml')], { stdio: 'pipe' }),
      ).toThrow(/FAILED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

type Panel = { title: string; type: string; targets?: { expr: string }[] };

describe('dashboard and alerts against a real Prometheus scraping a real scaler', () => {
  const dashboard = JSON.parse(readFileSync(join(MONITORING, 'dashboard.json'), 'utf8')) as {
    panels: Panel[];
  };
  const queries = dashboard.panels.flatMap(p =>
    (p.targets ?? []).map(t => ({ panel: p.title, expr: t.expr })),
  );
  let prometheus: PrometheusProcess;
  let app: App;
  let client: ScalerClient;
  let dir: string;

  /** Grafana's variables as the dashboard's defaults resolve them. */
  const resolve = (expr: string): string =>
    expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', JOB);

  const instant = async (
    expr: string,
  ): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kps-monitoring-'));
    const token = 'monitoring-test-token';
    writeFileSync(join(dir, 'token'), token);
    const httpPort = await freePort();
    const deadPort = await freePort(); // closed again: connections to it are refused
    prometheus = await startPrometheus({
      configYaml: [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        `  - job_name: ${JOB}`,
        `    static_configs: [{ targets: ['127.0.0.1:${httpPort}'] }]`,
        '',
      ].join('\n'),
    });
    app = createApp(
      validateConfig({
        grpcAddress: '127.0.0.1:0',
        httpAddress: `127.0.0.1:${httpPort}`,
        sources: [
          { name: 'self', url: prometheus.url },
          { name: 'down', url: `http://127.0.0.1:${deadPort}`, timeout: '300ms' },
        ],
        cache: { ttl: '1s' },
        push: { alertmanagerTokenFile: join(dir, 'token'), minActivationInterval: '1s' },
      }),
      { logger: createLogger('silent') },
    );
    const { grpcPort } = await app.start();
    client = new ScalerClient(`127.0.0.1:${grpcPort}`);
    await waitForSeries(prometheus.url, `up{job="${JOB}"} == 1`);

    // A short load with every outcome the dashboard shows, for about 6 s.
    const streams: ClientReadableStream<unknown>[] = [];
    const open = (metadata: Record<string, string>, name: string): void => {
      const stream = client.stream('StreamIsActive', ref(metadata, name));
      stream.on('data', () => undefined);
      stream.on('error', () => undefined); // CANCELLED when the test ends it
      streams.push(stream);
    };
    open({ source: 'self', query: 'vector(0)', threshold: '1', activationAlert: 'KpsWake' }, 'a');
    open({ source: 'down', query: 'vector(1)', threshold: '1', activationInterval: '1s' }, 'b');
    const ignore = (): undefined => undefined;
    const post = (auth: string): Promise<unknown> =>
      fetch(`http://127.0.0.1:${httpPort}/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          alerts: [{ status: 'firing', labels: { alertname: 'KpsWake' } }],
        }),
      });
    const until = Date.now() + 6000;
    let round = 0;
    while (Date.now() < until) {
      round++;
      await Promise.all([
        client.kedaPoll(ref({ source: 'self', query: 'sum(up)', threshold: '1' })),
        client.kedaPoll(ref({ source: 'self', query: `count(up{job="${JOB}"})`, threshold: '1' })),
        client
          .getMetrics(ref({ source: 'down', query: 'sum(up)', threshold: '1' }), '')
          .catch(ignore),
        client.getMetrics(ref({ source: 'self', query: 'sum(', threshold: '1' }), '').catch(ignore),
        client.getMetricSpec(ref({ query: 'up', thresold: '1' })).catch(ignore),
        round % 5 === 0 ? post(token) : undefined,
        round % 5 === 0 ? post('wrong') : undefined,
      ]);
      await new Promise(r => setTimeout(r, 100));
    }
    // Scrapes after the load, with the streams still open.
    await new Promise(r => setTimeout(r, 2500));
    for (const stream of streams) stream.cancel();
  }, 60_000);

  afterAll(async () => {
    client.close();
    await app.stop();
    await prometheus.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the dashboard has panels with queries', () => {
    expect(queries.length).toBeGreaterThanOrEqual(15);
  });

  test.each(queries.map(q => [q.panel, q.expr] as const))(
    'panel "%s": %s parses and returns data',
    async (_panel, expr) => {
      const answer = await instant(resolve(expr));
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe('success');
      expect(answer.data?.result.length).toBeGreaterThan(0);
    },
  );

  test('the load produced what the panels are for: errors, open breaker, transitions, refusals', async () => {
    const labelsOf = async (expr: string): Promise<string[]> =>
      ((await instant(expr)).data?.result as { metric: Record<string, string> }[]).map(r =>
        Object.values(r.metric).join(' '),
      );
    const window = `[1m]`;
    expect(
      await labelsOf(
        `max by (source) (max_over_time(keda_prometheus_scaler_source_breaker_state${window}) == 2)`,
      ),
    ).toEqual(['down']);
    expect(
      await labelsOf(
        `sum by (code) (increase(keda_prometheus_scaler_grpc_calls_total${window})) > 0`,
      ),
    ).toEqual(expect.arrayContaining(['OK', 'UNAVAILABLE', 'INVALID_ARGUMENT']));
    expect(
      await labelsOf(
        `sum by (outcome) (increase(keda_prometheus_scaler_alertmanager_webhook_requests_total${window})) > 0`,
      ),
    ).toEqual(expect.arrayContaining(['accepted', 'unauthorized']));
    expect(
      await labelsOf(
        `sum by (cause) (increase(keda_prometheus_scaler_activation_transitions_total${window})) > 0`,
      ),
    ).toContain('alert');
    expect(
      await labelsOf(
        `sum(increase(keda_prometheus_scaler_stream_evaluation_errors_total${window})) > 0`,
      ),
    ).toHaveLength(1);
    expect(
      await labelsOf(
        `max by (rpc) (max_over_time(keda_prometheus_scaler_open_streams${window})) > 0`,
      ),
    ).toEqual(['StreamIsActive']);
  });

  test('every scaler metric the alert rules and the dashboard name is one the scaler exports', async () => {
    const names = new Set(
      (
        (await instant(`group by (__name__) ({__name__=~"keda_prometheus_scaler_.+"})`)).data
          ?.result as { metric: { __name__: string } }[]
      ).map(r => r.metric.__name__),
    );
    const rules = parseYaml(readFileSync(join(MONITORING, 'alerts.yaml'), 'utf8')) as {
      groups: { rules: { expr: string }[] }[];
    };
    const used = [
      ...rules.groups.flatMap(g => g.rules.map(r => r.expr)),
      ...queries.map(q => q.expr),
    ].flatMap(expr => expr.match(/keda_prometheus_scaler_\w+/g) ?? []);
    expect(used.length).toBeGreaterThan(20);
    expect([...new Set(used)].filter(name => !names.has(name))).toEqual([]);
  });
});
