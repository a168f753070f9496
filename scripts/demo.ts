// The README's main job, the classic KEDA tutorial without a cluster: a real Prometheus scrapes a
// small app, autocannon ramps its traffic up and stops, and a live KEDA/HPA model (the simulator's
// engine) calls the scaler over gRPC exactly as KEDA does, printing the replica count as it
// climbs and falls. Writes an SVG chart at the end and stops everything it started.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createApp } from '../src/app';
import type { App } from '../src/app';
import { validateConfig } from '../src/config/load-config';
import type { ScaledObjectModel, SimulationRow } from '../src/simulate/simulate';
import { ScalingModel } from '../src/simulate/simulate';
import type { ChartEvent } from '../src/simulate/svg-chart';
import { renderSvg } from '../src/simulate/svg-chart';
import { createLogger } from '../src/telemetry/logger';
import { startPrometheus, waitForSeries } from './lib/prometheus-process';
import { startSampleApp } from './lib/sample-app';
import { ScalerClient, ref } from './lib/scaler-client';
import { Stopper } from './lib/stop-on-signals';

const USAGE = `Usage: bash scripts/demo.sh [--help]
  The classic KEDA tutorial without a cluster: starts a Prometheus on 127.0.0.1 scraping a small
  app, the scaler in front of it, ramps the app's traffic with autocannon and prints the replica
  count a live KEDA/HPA model reaches (about two minutes). Writes demo-scaling.svg. Every process
  it starts is stopped at the end, on Ctrl-C, SIGTERM, SIGHUP, or when its output pipe closes.
`;

/**
 * The trigger, as a user writes it in a ScaledObject, with the address this demo's scaler
 * listens on (in a cluster it is the Service, e.g. keda-prometheus-scaler.keda:6000).
 */
const triggerFor = (scalerAddress: string) => ({
  scalerAddress,
  query: 'sum(rate(demo_http_requests_total[10s]))',
  threshold: '10',
  activationThreshold: '1',
  // One evaluation per KEDA poll: with a 5 s pollingInterval, 5 s cache buckets (default 15 s).
  cacheTTL: '5s',
});
const QUERY = triggerFor('').query;
/** The ScaledObject around it, with short timings so the demo fits in two minutes. */
const SCALED_OBJECT: ScaledObjectModel = {
  pollingIntervalSeconds: 5,
  cooldownPeriodSeconds: 20,
  initialCooldownPeriodSeconds: 0,
  minReplicaCount: 0,
  maxReplicaCount: 10,
  idleReplicaCount: undefined,
  triggers: [{ name: 'demo', metricType: 'AverageValue', threshold: 10, activationThreshold: 1 }],
  scalingModifiers: undefined,
  fallback: undefined,
  behavior: {
    scaleDown: {
      stabilizationWindowSeconds: 15,
      policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }],
    },
  },
};
/** Load stages: requests per second for so many seconds, then nothing. */
const STAGES = [
  { rate: 15, seconds: 10 },
  { rate: 35, seconds: 10 },
  { rate: 70, seconds: 15 },
];
const HPA_SYNC_SECONDS = 15;
const SETTLE_TIMEOUT_SECONDS = 120;
const SVG_FILE = resolve('demo-scaling.svg');

async function main(): Promise<void> {
  const stopper = new Stopper().install();
  const cleanups = { push: (fn: () => Promise<void>): void => stopper.track(fn) };
  try {
    const app = await startSampleApp();
    cleanups.push(() => app.stop());
    const prometheus = await startPrometheus({
      configYaml: [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `scrape_configs: [{ job_name: demo, static_configs: [{ targets: ['127.0.0.1:${app.port}'] }] }]`,
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
    const trigger = triggerFor(`127.0.0.1:${ports.grpcPort}`);
    const so = ref(trigger, 'demo', 'default');

    console.log(
      `app :${app.port} (counts requests), prometheus ${prometheus.url}, scaler gRPC :${ports.grpcPort}`,
    );
    console.log(`trigger: ${JSON.stringify(trigger)}`);
    console.log(`GetMetricSpec -> ${JSON.stringify(await client.getMetricSpec(so))}`);
    console.log('waiting for the first scrape (Prometheus applies targets in ~5 s batches)...');
    await waitForSeries(prometheus.url, 'up{job="demo"}');

    const kedaCall = (): Promise<{ value: number; active: boolean }> => client.kedaPoll(so);
    const start = Date.now() / 1000;
    const model = new ScalingModel(SCALED_OBJECT, start);
    const rows: SimulationRow[] = [];
    const show = (row: SimulationRow, label: string): void => {
      rows.push(row);
      const t = `${Math.round(row.timestamp - start)}s`.padStart(5);
      const bar = '#'.repeat(row.replicas).padEnd(SCALED_OBJECT.maxReplicaCount);
      console.log(
        `${t}  ${label}  req/s ${(row.values[0] ?? 0).toFixed(1).padStart(6)}  ${row.active ? 'active  ' : 'inactive'}  ${bar} ${row.replicas}`,
      );
    };
    let stopping = false;
    const loop = (
      periodS: number,
      label: string,
      step: (t: number, v: { value: number; active: boolean }) => SimulationRow,
    ): Promise<void> =>
      (async () => {
        while (!stopping && stopper.reason === undefined) {
          const t = Date.now() / 1000;
          try {
            show(step(t, await kedaCall()), label);
          } catch (e) {
            console.log(`${label}: ${(e as Error).message}`);
          }
          await new Promise(r => setTimeout(r, periodS * 1000));
        }
      })();
    console.log('\n time  who       metric (req/s)  KEDA      replicas');
    const poller = loop(SCALED_OBJECT.pollingIntervalSeconds, 'KEDA poll', (t, v) =>
      model.poll(t, [v.value], v.active),
    );
    await new Promise(r => setTimeout(r, 500)); // KEDA first, then the HPA, as at reconcile
    const syncer = loop(HPA_SYNC_SECONDS, 'HPA sync ', (t, v) => model.sync(t, [v.value]));

    const events: ChartEvent[] = [];
    for (const stage of STAGES) {
      events.push({ t: Date.now() / 1000, label: `load ${stage.rate} req/s` });
      console.log(`-- load: ${stage.rate} req/s for ${stage.seconds}s (autocannon)`);
      await autocannon({
        url: `http://127.0.0.1:${app.port}/`,
        connections: 4,
        overallRate: stage.rate,
        duration: stage.seconds,
      });
    }
    events.push({ t: Date.now() / 1000, label: 'load stopped' });
    console.log('-- load stopped');
    const settleBy = Date.now() + SETTLE_TIMEOUT_SECONDS * 1000;
    while (model.replicas > 0 && Date.now() < settleBy) await new Promise(r => setTimeout(r, 1000));
    // One more poll at 0, so the chart shows the final drop with time after it.
    await new Promise(r => setTimeout(r, SCALED_OBJECT.pollingIntervalSeconds * 1000));
    stopping = true;
    await Promise.all([poller, syncer]);

    // Seconds from the start, as the table above counts, with the load phases marked.
    const chart = renderSvg(rows, {
      title: `demo: ${QUERY}`,
      model: SCALED_OBJECT,
      clock: { kind: 'elapsed', startS: start },
      events,
    });
    writeFileSync(SVG_FILE, chart);
    const peak = Math.max(...rows.map(r => r.replicas));
    console.log(
      `\ndone: scaled from 0 up to ${peak} replicas under load and back to ${model.replicas}; chart: ${SVG_FILE}`,
    );
  } finally {
    await stopper.cleanup();
  }
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
} else if (args.length > 0) {
  process.stderr.write(`unknown argument "${args[0]}"\n${USAGE}`);
  process.exitCode = 2;
} else
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  });
