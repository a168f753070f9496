// The push path's real parts, started together on loopback: an app with one gauge, a Prometheus
// that scrapes it and evaluates one alert rule on it, and an Alertmanager that posts the alert to
// the scaler's webhook with a bearer token. Used by the push tests and the push benchmark.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertmanagerProcess } from './alertmanager-process';
import { startAlertmanager } from './alertmanager-process';
import type { GaugeApp } from './gauge-app';
import { startGaugeApp } from './gauge-app';
import type { PrometheusProcess } from './prometheus-process';
import { freePort, startPrometheus, waitForSeries } from './prometheus-process';

export interface AlertingStack {
  gauge: GaugeApp;
  prometheus: PrometheusProcess;
  alertmanager: AlertmanagerProcess;
  /** Where the scaler's HTTP server must listen for Alertmanager to reach it. */
  scalerHttpPort: number;
  /** A file holding the webhook token, for the scaler's push.alertmanagerTokenFile. */
  tokenFile: string;
  stop(): Promise<void>;
}

export interface AlertingStackOptions {
  gaugeName: string;
  alertName: string;
  /** The alert fires while gauge > threshold (evaluated every second, no `for`). */
  threshold: number;
  labels?: Record<string, string>;
  token: string;
}

export async function startAlertingStack(o: AlertingStackOptions): Promise<AlertingStack> {
  const dir = mkdtempSync(join(tmpdir(), 'kps-alerting-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${o.token}\n`);
  const gauge = await startGaugeApp(o.gaugeName);
  const scalerHttpPort = await freePort();
  const alertmanager = await startAlertmanager(
    `http://127.0.0.1:${scalerHttpPort}/alertmanager`,
    o.token,
  );
  const labels = Object.entries(o.labels ?? {})
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  writeFileSync(
    join(dir, 'rules.yml'),
    [
      'groups:',
      '  - name: kps',
      '    interval: 1s',
      '    rules:',
      `      - alert: ${o.alertName}`,
      `        expr: ${o.gaugeName} > ${o.threshold}`,
      `        labels: { ${labels} }`,
    ].join('\n'),
  );
  const prometheus = await startPrometheus({
    configYaml: [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${join(dir, 'rules.yml')}]`,
      `alerting: { alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${alertmanager.port}'] }] }] }`,
      `scrape_configs: [{ job_name: app, static_configs: [{ targets: ['127.0.0.1:${gauge.port}'] }] }]`,
    ].join('\n'),
  });
  await waitForSeries(prometheus.url, o.gaugeName);
  return {
    gauge,
    prometheus,
    alertmanager,
    scalerHttpPort,
    tokenFile,
    stop: async () => {
      await prometheus.stop();
      await alertmanager.stop();
      await gauge.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
