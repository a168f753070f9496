// The README's main job: Prometheus scraping a sample app on loopback, the scaler in front of it,
// and KEDA's calls made every few seconds, printing what KEDA and the HPA would see.
import { createApp } from '../src/app';
import type { App } from '../src/app';
import { validateConfig } from '../src/config/load-config';
import { createLogger } from '../src/telemetry/logger';
import { ScalerClient, ref } from './lib/scaler-client';
import { startPrometheus } from './lib/prometheus-process';
import type { PrometheusProcess } from './lib/prometheus-process';
import { startSampleApp } from './lib/sample-app';
import type { SampleApp } from './lib/sample-app';

/** Traffic: idle, ramp to 60 req/s, hold, then stop, over about 50 s. */
const profile = (t: number): number => {
  if (t < 8) return 0;
  if (t < 23) return ((t - 8) / 15) * 60;
  if (t < 38) return 60;
  return 0;
};
const RUN_SECONDS = 60;
const POLL_EVERY_MS = 3000;
/** The sample trigger, exactly as a user would write it in a ScaledObject. */
const TRIGGER = {
  scalerAddress: 'keda-prometheus-scaler.keda:6000',
  query: 'sum(rate(demo_http_requests_total[10s]))',
  threshold: '10',
  activationThreshold: '1',
};
const MAX_REPLICAS = 10;

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));
  try {
    const appProcess: SampleApp = await startSampleApp(profile);
    cleanups.push(() => appProcess.stop());
    const prometheus: PrometheusProcess = await startPrometheus({
      configYaml: [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: demo',
        `    static_configs: [{ targets: ['127.0.0.1:${appProcess.port}'] }]`,
      ].join('\n'),
    });
    cleanups.push(() => prometheus.stop());
    const scaler: App = createApp(
      validateConfig({
        grpcAddress: '127.0.0.1:0',
        httpAddress: '127.0.0.1:0',
        sources: [{ name: 'local', url: prometheus.url }],
      }),
      { logger: createLogger('warn') },
    );
    const ports = await scaler.start();
    cleanups.push(() => scaler.stop());
    const client = new ScalerClient(`127.0.0.1:${ports.grpcPort}`);
    cleanups.push(() => Promise.resolve(client.close()));

    console.log(
      `prometheus ${prometheus.url}, sample app :${appProcess.port}, scaler gRPC :${ports.grpcPort}, metrics http://127.0.0.1:${ports.httpPort}/metrics`,
    );
    console.log('trigger metadata:', JSON.stringify(TRIGGER));
    const spec = await client.getMetricSpec(ref(TRIGGER, 'demo', 'default'));
    console.log(`GetMetricSpec -> ${JSON.stringify(spec)}`);
    console.log('waiting for the first scrape (Prometheus applies targets in ~5 s batches)...\n');
    console.log(
      ' time  req/s (GetMetrics)  IsActive  replicas (AverageValue: ceil(value / threshold))',
    );

    const started = Date.now();
    while (Date.now() - started < RUN_SECONDS * 1000) {
      await new Promise(r => setTimeout(r, POLL_EVERY_MS));
      const t = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
      try {
        // KEDA's order (keda.md 2.4): spec, metrics with the lower-cased name, then activity.
        const so = ref(TRIGGER, 'demo', 'default');
        const name = (await client.getMetricSpec(so)).metricSpecs[0]?.metricName ?? '';
        const value =
          (await client.getMetrics(so, name.toLowerCase())).metricValues[0]?.metricValueFloat ?? 0;
        const active = (await client.isActive(so)).result;
        // The HPA compares milli-quantities (keda.md 2.6), so round to milli before dividing.
        const ratio = Math.round(value * 1000) / Math.round(Number(TRIGGER.threshold) * 1000);
        const replicas = active ? Math.min(MAX_REPLICAS, Math.max(1, Math.ceil(ratio))) : 0;
        console.log(
          `${t}s  ${value.toFixed(2).padStart(18)}  ${String(active).padEnd(8)}  ${'#'.repeat(replicas).padEnd(MAX_REPLICAS)} ${replicas}`,
        );
      } catch (e) {
        console.log(`${t}s  error: ${(e as Error).message}`);
      }
    }
    console.log('\ndone: the workload scaled up with traffic and back to 0 after it stopped.');
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
