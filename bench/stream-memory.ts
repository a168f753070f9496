// Memory per open stream, the scaler in its own process under the Deployment's
// --max-old-space-size=384: (1) StreamIsActive streams with maximal distinct metadata (every
// value near its bound) at the default caps, until the budget refuses them; (2) 10,000
// StreamIsActive streams over 100 queries with ordinary metadata. Heap after a full collection
// and RSS, idle and loaded, divided by the streams open.
import * as grpc from '@grpc/grpc-js';
import { loadExternalScalerPackage } from '../src/grpc/load-proto';
import type { PrometheusProcess } from '../scripts/lib/prometheus-process';
import { DEPLOYMENT_NODE_FLAGS, forkServer } from './lib/child';
import type { ServerChild } from './lib/child';
import { round } from './lib/load';

const KB = 1024;

type Stream = grpc.ClientReadableStream<{ result: boolean }>;

/** Metadata near every bound (262,144 characters in all), distinct per `i`: two 65,000-character
 * queries (a long label value Prometheus answers at once with nothing) and two ignored KEDA keys
 * (caCert, tlsClientCert) of the same size. */
export function maximalMetadata(i: number): Record<string, string> {
  const id = String(i).padStart(6, '0');
  const pad = (fn: string): string => `${fn}(up{i="${id}",pad="${'p'.repeat(64_970)}"})`;
  return {
    query: pad('sum'),
    activationQuery: pad('max'),
    threshold: '10',
    activationThreshold: '1000',
    activationInterval: '60s',
    caCert: 'c'.repeat(65_000),
    tlsClientCert: 't'.repeat(65_000),
  };
}

/** Opens a stream; resolves with its first status (OK once it delivers its first message). */
function open(
  client: grpc.Client,
  metadata: Record<string, string>,
  namespace: string,
  opened: Stream[],
): Promise<string> {
  const stream = (client as unknown as { StreamIsActive: (r: unknown) => Stream }).StreamIsActive({
    name: 'bench',
    namespace,
    scalerMetadata: metadata,
  });
  opened.push(stream);
  return new Promise(resolve => {
    stream.once('data', () => resolve('OK'));
    stream.on('error', (e: grpc.ServiceError) => resolve(grpc.status[e.code] ?? String(e.code)));
  });
}

function clientsFor(server: ServerChild, n: number): grpc.Client[] {
  const { clientConstructor } = loadExternalScalerPackage();
  return Array.from(
    { length: n },
    () =>
      new clientConstructor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      }),
  );
}

/** Per stream, from two memory readings (kB). */
function perStream(
  idle: { heapUsed: number; external: number; rss: number },
  loaded: { heapUsed: number; external: number; rss: number },
  streams: number,
) {
  const each = (a: number, b: number): number => round((b - a) / Math.max(1, streams) / KB, 1);
  return {
    heapKB: each(idle.heapUsed, loaded.heapUsed),
    externalKB: each(idle.external, loaded.external),
    rssKB: each(idle.rss, loaded.rss),
  };
}

/** (1) Maximal metadata from `namespaces` namespaces, `perNamespace` attempts each. */
export async function maximalStreams(
  prometheus: PrometheusProcess,
  namespaces: number,
  perNamespace: number,
  extraConfig: Record<string, unknown> = {},
) {
  const server = await forkServer('scaler', prometheus.url, extraConfig, DEPLOYMENT_NODE_FLAGS);
  const idle = await server.memory();
  const clients = clientsFor(server, 4);
  const opened: Stream[] = [];
  const outcomes: Record<string, number> = {};
  let i = 0;
  for (let n = 0; n < namespaces; n++) {
    for (let k = 0; k < perNamespace && server.alive(); k += 10) {
      const batch = Array.from({ length: Math.min(10, perNamespace - k) }, () => {
        i += 1;
        return open(clients[i % clients.length]!, maximalMetadata(i), `team-${n}`, opened);
      });
      for (const code of await Promise.all(batch)) outcomes[code] = (outcomes[code] ?? 0) + 1;
    }
  }
  const alive = server.alive();
  const loaded = alive ? await server.memory() : undefined;
  for (const s of opened) s.cancel();
  for (const c of clients) c.close();
  await server.stop();
  const accepted = outcomes['OK'] ?? 0;
  return {
    nodeFlags: DEPLOYMENT_NODE_FLAGS.join(' '),
    metadataCharacters: Object.entries(maximalMetadata(1)).reduce(
      (a, [k, v]) => a + k.length + v.length,
      0,
    ),
    attempted: i,
    outcomes,
    survived: alive,
    idleMB: { heap: round(idle.heapUsed / KB / KB, 1), rss: round(idle.rss / KB / KB, 1) },
    loadedMB:
      loaded === undefined
        ? undefined
        : { heap: round(loaded.heapUsed / KB / KB, 1), rss: round(loaded.rss / KB / KB, 1) },
    perOpenStream: loaded === undefined ? undefined : perStream(idle, loaded, accepted),
  };
}

/** (2) `streams` StreamIsActive over `queries` queries from 10 namespaces, caps raised. */
export async function ordinaryStreams(
  prometheus: PrometheusProcess,
  streams: number,
  queries: number,
) {
  const server = await forkServer(
    'scaler',
    prometheus.url,
    { push: { maxStreams: 2 * streams } },
    DEPLOYMENT_NODE_FLAGS,
  );
  const idle = await server.memory();
  const clients = clientsFor(server, 10);
  const opened: Stream[] = [];
  const firsts: Promise<string>[] = [];
  for (let i = 0; i < streams; i++) {
    const metadata = {
      query: `sum(kps_test_queue_depth) + ${i % queries}`,
      threshold: '10',
      activationThreshold: '1000',
    };
    firsts.push(open(clients[i % clients.length]!, metadata, `team-${i % 10}`, opened));
  }
  const codes = await Promise.all(firsts);
  const loaded = await server.memory();
  for (const s of opened) s.cancel();
  for (const c of clients) c.close();
  await server.stop();
  const accepted = codes.filter(c => c === 'OK').length;
  return {
    streams,
    distinctQueries: queries,
    accepted,
    idleMB: { heap: round(idle.heapUsed / KB / KB, 1), rss: round(idle.rss / KB / KB, 1) },
    loadedMB: { heap: round(loaded.heapUsed / KB / KB, 1), rss: round(loaded.rss / KB / KB, 1) },
    perOpenStream: perStream(idle, loaded, accepted),
    goalRssKBPerStream: 10,
  };
}
