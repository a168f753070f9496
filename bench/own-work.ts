// The scaler's own CPU per cached GetMetrics, without transport: the service handler called in
// process with a stand-in for grpc-js's call, this build against another, alternating processes.
// What this measures is what the hot-path ratio (hot-path.ts) adds to a bare grpc-js server, with
// far less noise from the machine. `node dist/bench/own-work.js <other build dir> [rounds]`.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join, resolve } from 'node:path';
import { backfillOpenMetrics } from '../test/helpers/fixtures';
import { startPrometheus } from '../scripts/lib/prometheus-process';
import type { createCore } from '../src/app';
import type { validateConfig } from '../src/config/load-config';
import type { WatcherHub } from '../src/push/watcher-hub';
import type { createExternalScalerService } from '../src/scaler/service';
import type { OpenStreams } from '../src/scaler/streams';
import type { createLogger } from '../src/telemetry/logger';
import type { ScalerMetrics } from '../src/telemetry/scaler-metrics';

const CALLS = 20_000;
const BATCHES = 7;

type Callback = (error: unknown, response: unknown) => void;
type Handler = (call: unknown, callback: Callback) => void;

/** In the child: a build's service over a real Prometheus; prints µs per call, per batch. */
async function child(dir: string, prometheusUrl: string): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports -- a build chosen at run time */
  const from = <T>(file: string): T => require(join(dir, 'src', file)) as T;
  const { createCore: core } = from<{ createCore: typeof createCore }>('app.js');
  const { validateConfig: validate } = from<{ validateConfig: typeof validateConfig }>(
    'config/load-config.js',
  );
  const { createLogger: logger } = from<{ createLogger: typeof createLogger }>(
    'telemetry/logger.js',
  );
  const { ScalerMetrics: Metrics } = from<{ ScalerMetrics: typeof ScalerMetrics }>(
    'telemetry/scaler-metrics.js',
  );
  const { OpenStreams: Streams } = from<{ OpenStreams: typeof OpenStreams }>('scaler/streams.js');
  const { WatcherHub: Hub } = from<{ WatcherHub: typeof WatcherHub }>('push/watcher-hub.js');
  const { createExternalScalerService: service } = from<{
    createExternalScalerService: typeof createExternalScalerService;
  }>('scaler/service.js');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = validate({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    sources: [{ name: 'bench', url: prometheusUrl }],
  });
  const log = logger('silent');
  const metrics = new Metrics();
  const parts = core(config, log, metrics);
  const hub = new Hub({
    evaluator: parts.evaluator,
    logger: log,
    metrics,
    defaultIntervalMs: 5000,
  });
  const streams = new Streams(config.push);
  const getMetrics = service({ logger: log, metrics, ...parts, streams, hub })[
    'GetMetrics'
  ] as unknown as Handler;
  // What the handler reads of grpc-js's call: the request, the deadline, 'cancelled'.
  const call = (): unknown =>
    Object.assign(new EventEmitter(), {
      cancelled: false,
      getDeadline: () => Infinity,
      request: {
        scaledObjectRef: {
          name: 'hot',
          namespace: 'bench',
          scalerMetadata: { query: 'sum(kps_test_queue_depth)', threshold: '10', cacheTTL: '5m' },
        },
        metricName: '',
      },
    });
  await new Promise((res, rej) =>
    getMetrics(call(), (e, r) =>
      e ? rej(e instanceof Error ? e : new Error(JSON.stringify(e))) : res(r),
    ),
  );
  const micros: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const started = process.cpuUsage();
    let left = CALLS;
    await new Promise<void>(done => {
      for (let i = 0; i < CALLS; i++) getMetrics(call(), () => --left === 0 && done());
    });
    const used = process.cpuUsage(started);
    micros.push((used.user + used.system) / CALLS);
  }
  process.stdout.write(JSON.stringify(micros));
  process.exit(0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

async function main(): Promise<void> {
  const [other, roundsArg] = process.argv.slice(2);
  if (other === undefined) throw new Error('usage: own-work.js <other build dir> [rounds]');
  const builds = { before: resolve(other), after: resolve(__dirname, '..') };
  const prometheus = await startPrometheus({ openMetrics: backfillOpenMetrics() });
  const per: Record<string, number[]> = { before: [], after: [] };
  try {
    for (let r = 0; r < Number(roundsArg ?? 3); r++) {
      for (const name of r % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
        const dir = builds[name as keyof typeof builds];
        const out = execFileSync(process.execPath, [__filename, '--child', dir, prometheus.url]);
        const batches = JSON.parse(out.toString()) as number[];
        per[name]!.push(median(batches));
        process.stderr.write(`${name}: ${median(batches).toFixed(2)} µs per call\n`);
      }
    }
  } finally {
    await prometheus.stop();
  }
  const before = median(per['before']!);
  const after = median(per['after']!);
  process.stdout.write(
    `${JSON.stringify({ node: process.version, unit: 'CPU µs per cached GetMetrics, own work', before, after, ratio: Math.round((after / before) * 100) / 100, rounds: per })}\n`,
  );
}

const run = process.argv[2] === '--child' ? child(process.argv[3]!, process.argv[4]!) : main();
run.catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
