// Push activation benchmarks. (1) 10,000 StreamIsActive streams over 100 distinct queries against
// a real Prometheus: scaler RSS, queries per activation interval counted by Prometheus, and the
// time from an Alertmanager webhook POST to `true` at 1,000 matching streams. (2) Time from a
// gauge crossing its threshold in a scraped app to `true` on a stream, by polling and through a
// real Alertmanager, next to KEDA's default pollingInterval of 30 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createApp } from '../src/app';
import { validateConfig } from '../src/config/load-config';
import { loadExternalScalerPackage } from '../src/grpc/load-proto';
import { createLogger } from '../src/telemetry/logger';
import { startAlertingStack } from '../scripts/lib/alerting-stack';
import type { PrometheusProcess } from '../scripts/lib/prometheus-process';
import { handlerRequestCount } from '../scripts/lib/prometheus-process';
import { forkServer } from './lib/child';
import { percentile, round } from './lib/load';

const TOKEN = 'bench-token';
const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

type Stream = grpc.ClientReadableStream<{ result: boolean }>;

function openStream(
  client: grpc.Client,
  metadata: Record<string, string>,
  onData: (active: boolean) => void,
  namespace = 'bench',
): Stream {
  const stream = (client as unknown as { StreamIsActive: (r: unknown) => Stream }).StreamIsActive({
    name: 'bench',
    namespace,
    scalerMetadata: metadata,
  });
  stream.on('data', (m: { result: boolean }) => onData(m.result));
  stream.on('error', () => undefined);
  return stream;
}

export async function manyStreams(
  prometheus: PrometheusProcess,
  streams: number,
  queries: number,
  intervalMs: number,
) {
  const dir = mkdtempSync(join(tmpdir(), 'kps-bench-push-'));
  writeFileSync(join(dir, 'token'), TOKEN);
  // 10,000 streams are past the default caps (push.maxStreams 5,000 overall, 2,000 per
  // namespace): raised here as an operator with that many would, and spread over namespaces.
  const server = await forkServer('scaler', prometheus.url, {
    push: { alertmanagerTokenFile: join(dir, 'token'), maxStreams: 2 * streams },
  });
  const namespaces = Math.ceil(streams / 1000);
  const idle = await server.usage();
  const { clientConstructor } = loadExternalScalerPackage();
  const clients = Array.from(
    { length: 10 },
    () =>
      new clientConstructor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      }),
  );
  const GROUPS = streams / 1000;
  // The group a stream belongs to; its query decides it, so watchers stay at `queries`.
  const state = Array.from({ length: streams }, () => ({
    last: undefined as boolean | undefined,
    trueAt: 0,
  }));
  const opened: Stream[] = [];
  for (let i = 0; i < streams; i++) {
    const metadata = {
      query: `sum(kps_test_queue_depth) + ${i % queries}`,
      threshold: '10',
      activationThreshold: '1000', // sum is 50..149: inactive
      activationInterval: `${intervalMs}ms`,
      activationAlert: 'KpsBench',
      activationAlertLabels: `group=g${(i % queries) % GROUPS}`,
    };
    opened.push(
      openStream(
        clients[i % clients.length] as grpc.Client,
        metadata,
        active => {
          const s = state[i]!;
          if (active && s.last !== undefined) s.trueAt = performance.now();
          s.last = active;
        },
        `team-${i % namespaces}`,
      ),
    );
  }
  const deadline = Date.now() + 60_000;
  while (state.some(s => s.last === undefined) && Date.now() < deadline) await sleep(100);
  const initialised = state.filter(s => s.last !== undefined).length;

  // Queries per activation interval, counted by Prometheus, over 10 intervals.
  const before = await handlerRequestCount(prometheus.url, '/api/v1/query');
  const started = Date.now();
  await sleep(10 * intervalMs);
  const elapsed = Date.now() - started;
  const queriesSeen = (await handlerRequestCount(prometheus.url, '/api/v1/query')) - before;
  // Watchers query once per interval boundary (aligned ticks): count the boundaries crossed.
  const boundaries =
    Math.floor((started + elapsed) / intervalMs) - Math.floor(started / intervalMs);
  const loaded = await server.usage();

  // Webhook POST → true at the 1,000 streams of one group, for each group.
  const latencies: number[] = [];
  const perPost: number[] = [];
  const roundTrips: number[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const members = state.filter((_, i) => (i % queries) % GROUPS === g);
    for (const s of members) s.trueAt = 0;
    const body = JSON.stringify({
      version: '4',
      alerts: [{ status: 'firing', labels: { alertname: 'KpsBench', group: `g${g}` } }],
    });
    const posted = performance.now();
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/alertmanager`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
    await res.text();
    // The scaler answers once it has queued `true` on every matching stream.
    roundTrips.push(performance.now() - posted);
    const until = Date.now() + 10_000;
    while (members.some(s => s.trueAt === 0) && Date.now() < until) await sleep(2);
    const times = members.filter(s => s.trueAt > 0).map(s => s.trueAt - posted);
    latencies.push(...times);
    perPost.push(members.length - times.length);
    await sleep(intervalMs + 500); // let the watchers re-evaluate back to inactive
  }
  for (const s of opened) s.cancel();
  for (const c of clients) c.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  const sorted = latencies.sort((a, b) => a - b);
  return {
    streams,
    distinctQueries: queries,
    streamsInitialised: initialised,
    activationIntervalMs: intervalMs,
    scalerRssMB: {
      idle: round(idle.rss / 1048576, 1),
      with10kStreams: round(loaded.rss / 1048576, 1),
    },
    prometheusQueries: queriesSeen,
    intervalBoundaries: boundaries,
    queriesPerActivationInterval: round(queriesSeen / boundaries, 1),
    goalQueriesPerInterval: queries,
    webhookToTrueMs: {
      streamsPerPost: 1000,
      posts: GROUPS,
      p50: round(percentile(sorted, 50), 1),
      p99: round(percentile(sorted, 99), 1),
      max: round(sorted[sorted.length - 1] ?? NaN, 1),
      streamsMissed: perPost.reduce((a, b) => a + b, 0),
      postRoundTripP50: round(
        percentile(
          [...roundTrips].sort((a, b) => a - b),
          50,
        ),
        1,
      ),
      goalP99: 50,
    },
  };
}

export async function crossingLatency(cycles: number) {
  const stack = await startAlertingStack({
    gaugeName: 'kps_bench_queue_depth',
    alertName: 'KpsBenchDeep',
    threshold: 10,
    token: TOKEN,
  });
  const { gauge, prometheus } = stack;
  const app = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: `127.0.0.1:${stack.scalerHttpPort}`,
      sources: [{ name: 'bench', url: prometheus.url }],
      push: { alertmanagerTokenFile: stack.tokenFile },
    }),
    { logger: createLogger('silent') },
  );
  const { grpcPort } = await app.start();
  const { clientConstructor } = loadExternalScalerPackage();
  const client = new clientConstructor(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  const base = { query: 'max(kps_bench_queue_depth)', threshold: '10', activationThreshold: '10' };
  const polled = { t: 0 };
  const alerted = { t: 0 };
  // Polling only, at the default activationInterval (5 s); and alert-driven, polling every 60 s.
  const s1 = openStream(client, base, a => a && (polled.t = performance.now()));
  const s2 = openStream(
    client,
    { ...base, activationInterval: '60s', activationAlert: 'KpsBenchDeep' },
    a => a && (alerted.t = performance.now()),
  );
  try {
    const polling: number[] = [];
    const alerting: number[] = [];
    for (let c = 0; c < cycles; c++) {
      gauge.set(0);
      await sleep(6000 + Math.random() * 1000); // inactive again; the alert resolves
      polled.t = 0;
      alerted.t = 0;
      const crossed = performance.now();
      gauge.set(50);
      const until = Date.now() + 20_000;
      while ((polled.t === 0 || alerted.t === 0) && Date.now() < until) await sleep(5);
      if (polled.t > 0) polling.push(polled.t - crossed);
      if (alerted.t > 0) alerting.push(alerted.t - crossed);
    }
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return {
        samples: s.length,
        p50: round(percentile(s, 50), 0),
        max: round(s[s.length - 1] ?? NaN, 0),
      };
    };
    return {
      unit: 'milliseconds from the gauge crossing to true on the stream',
      scrapeIntervalMs: 1000,
      pollingEvery5s: stats(polling),
      alertmanagerWebhook: stats(alerting),
      kedaDefaultPollingIntervalMs: 30_000,
    };
  } finally {
    s1.cancel();
    s2.cancel();
    client.close();
    await app.stop();
    await stack.stop();
  }
}
