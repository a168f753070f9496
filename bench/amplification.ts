// Upstream amplification: N ScaledObjects sharing K queries, driven with KEDA's call pattern for
// a minute; Prometheus counts the queries it received, compared with the built-in trigger's one
// query per GetMetrics (KEDA `pkg/scaling/scale_handler.go`).
import type { PrometheusProcess } from '../scripts/lib/prometheus-process';
import { handlerRequestCount } from '../scripts/lib/prometheus-process';
import { forkServer } from './lib/child';
import { Channels, round } from './lib/load';

export interface AmplificationOptions {
  scaledObjects: number;
  distinctQueries: number;
  durationMs: number;
  /** KEDA's default pollingInterval and the HPA sync period (kube-controller-manager's default). */
  pollMs: number;
  hpaMs: number;
  ttlMs: number;
}

export async function amplification(prometheus: PrometheusProcess, o: AmplificationOptions) {
  const server = await forkServer('scaler', prometheus.url);
  const channels = new Channels(`127.0.0.1:${server.port}`, 4);
  let getMetrics = 0;
  let rpcs = 0;
  let errors = 0;
  const refs = Array.from({ length: o.scaledObjects }, (_, i) => ({
    name: `so-${i}`,
    namespace: `team-${i % 50}`,
    scalerMetadata: {
      scalerAddress: 'keda-prometheus-scaler.keda:6000',
      query: `sum(kps_test_queue_depth) + ${i % o.distinctQueries}`,
      threshold: '10',
    },
  }));
  // KEDA's sequence per poll or HPA sync; on an error it rebuilds and retries once at once.
  const cycle = async (ref: (typeof refs)[number], deadlineMs?: number): Promise<void> => {
    const attempt = async (): Promise<void> => {
      const spec = await channels.call<{ metricSpecs: { metricName: string }[] }>(
        'GetMetricSpec',
        ref,
        deadlineMs,
      );
      const name = spec.metricSpecs[0]?.metricName.toLowerCase() ?? '';
      getMetrics++;
      await channels.call('GetMetrics', { scaledObjectRef: ref, metricName: name }, deadlineMs);
      await channels.call('IsActive', ref, deadlineMs);
      rpcs += 3;
    };
    await attempt().catch(() => {
      errors++;
      return attempt().catch(() => void errors++);
    });
  };
  const before = await handlerRequestCount(prometheus.url, '/api/v1/query');
  const started = Date.now();
  const timers: NodeJS.Timeout[] = [];
  const inflight = new Set<Promise<void>>();
  const every = (periodMs: number, fn: () => Promise<void>): void => {
    const tick = (): void => {
      if (Date.now() - started >= o.durationMs) return;
      const p = fn().finally(() => inflight.delete(p));
      inflight.add(p);
      timers.push(setTimeout(tick, periodMs));
    };
    timers.push(setTimeout(tick, Math.random() * periodMs));
  };
  for (const ref of refs) {
    every(o.pollMs, () => cycle(ref));
    // The HPA path carries a ~3 s deadline (KEDA pkg/metricsservice/client.go).
    every(o.hpaMs, () => cycle(ref, 3000));
  }
  await new Promise(r => setTimeout(r, o.durationMs));
  timers.forEach(clearTimeout);
  await Promise.all(inflight);
  const elapsedMs = Date.now() - started;
  const queries = (await handlerRequestCount(prometheus.url, '/api/v1/query')) - before;
  channels.close();
  await server.stop();
  // Queries are per TTL bucket (the time sent to Prometheus): count the buckets the run touched.
  const buckets = Math.floor((started + elapsedMs) / o.ttlMs) - Math.floor(started / o.ttlMs) + 1;
  return {
    scaledObjects: o.scaledObjects,
    distinctQueries: o.distinctQueries,
    seconds: round(elapsedMs / 1000, 1),
    rpcs,
    errors,
    builtInQueries: getMetrics,
    prometheusQueries: queries,
    ttlBucketsTouched: buckets,
    queriesPerTtlBucket: round(queries / buckets, 1),
    goalPerTtlBucket: o.distinctQueries,
    reduction: round(getMetrics / Math.max(1, queries), 1),
  };
}
