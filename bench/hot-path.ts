// Hot-path cost: server CPU time per GetMetrics answered from cache, against a bare grpc-js
// server answering a constant, under the same closed-loop load (the generator is the bottleneck
// on 2 cores, so CPU per call is compared, not throughput).
import type { PrometheusProcess } from '../scripts/lib/prometheus-process';
import { forkServer } from './lib/child';
import { Channels, closedLoop, round } from './lib/load';

const CONCURRENCY = 50;
const CHANNELS = 4;

/** Server CPU per call under the closed loop; `fork` may come from another build (compare-builds.ts). */
export async function measure(
  kind: 'scaler' | 'bare',
  prometheusUrl: string,
  durationMs: number,
  fork: typeof forkServer = forkServer,
) {
  const server = await fork(kind, prometheusUrl);
  const channels = new Channels(`127.0.0.1:${server.port}`, CHANNELS);
  const req = {
    scaledObjectRef: {
      name: 'hot',
      namespace: 'bench',
      scalerMetadata: { query: 'sum(kps_test_queue_depth)', threshold: '10', cacheTTL: '5m' },
    },
    metricName: '',
  };
  await closedLoop(1000, CONCURRENCY, () => channels.call('GetMetrics', req)); // warm-up, fills the cache
  const before = await server.usage();
  const { calls, errors } = await closedLoop(durationMs, CONCURRENCY, () =>
    channels.call('GetMetrics', req),
  );
  const after = await server.usage();
  channels.close();
  await server.stop();
  return {
    calls,
    errors,
    cpuMicrosPerCall: (after.micros - before.micros) / calls,
    callsPerSecond: calls / (durationMs / 1000),
  };
}

export async function hotPath(prometheus: PrometheusProcess, durationMs: number, rounds: number) {
  const runs: {
    bare: number;
    scaler: number;
    ratio: number;
    scalerCallsPerSecond: number;
    errors: number;
  }[] = [];
  for (let i = 0; i < rounds; i++) {
    const bare = await measure('bare', prometheus.url, durationMs);
    const scaler = await measure('scaler', prometheus.url, durationMs);
    runs.push({
      bare: round(bare.cpuMicrosPerCall, 1),
      scaler: round(scaler.cpuMicrosPerCall, 1),
      ratio: round(scaler.cpuMicrosPerCall / bare.cpuMicrosPerCall, 2),
      scalerCallsPerSecond: Math.round(scaler.callsPerSecond),
      errors: bare.errors + scaler.errors,
    });
  }
  const ratios = runs.map(r => r.ratio).sort((a, b) => a - b);
  return {
    unit: 'server CPU microseconds per GetMetrics',
    concurrency: CONCURRENCY,
    channels: CHANNELS,
    secondsPerRun: durationMs / 1000,
    runs,
    medianRatio: ratios[Math.floor(ratios.length / 2)],
    goalRatio: 1.3,
  };
}
