// Alerts reach every replica: three scalers on loopback, a real Prometheus whose rule fires, a real
// Alertmanager that posts to one of them, and StreamIsActive streams spread over all three by a
// grpc-js round_robin channel as KEDA dials a headless Service. Every matching stream hears one
// `true`, a stopped or hanging peer holds up nobody, a forward needs the token, none is re-forwarded.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { ClientReadableStream } from '@grpc/grpc-js';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/telemetry/logger';
import type { AlertingStack } from '../../scripts/lib/alerting-stack';
import { startAlertingStack } from '../../scripts/lib/alerting-stack';
import { freePort } from '../../scripts/lib/prometheus-process';
import { ScalerClient, ref } from '../helpers/scaler-client';
import type { RecordedStream } from '../helpers/streams';
import { record, until } from '../helpers/streams';

const TOKEN = 'peer-token-41d7';
/**
 * Longer than any wait here: a forward to the hanging peer is still pending (its connection held
 * open) when the webhook has answered and the streams have woken, so neither waited for it.
 */
const PEER_TIMEOUT_MS = 20_000;
const RULE_ALERT = 'KpsPeersDeep';

let stack: AlertingStack;
let hanging: Server;
const hangingSockets = new Set<Socket>();
const replicas: { app: App; httpPort: number; grpcPort: number; stopped: boolean }[] = [];
let client: ScalerClient;

/** A peer that accepts connections and never answers: the worst kind of down. */
async function startHangingPeer(): Promise<{ server: Server; port: number }> {
  const server = createServer(socket => {
    hangingSockets.add(socket);
    socket.on('close', () => hangingSockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>(r => server.listen(port, '127.0.0.1', r));
  return { server, port };
}

beforeAll(async () => {
  stack = await startAlertingStack({
    gaugeName: 'kps_peers_depth',
    alertName: RULE_ALERT,
    threshold: 10,
    labels: { team: 'shop' },
    token: TOKEN,
  });
  const h = await startHangingPeer();
  hanging = h.server;
  // Alertmanager posts to the first replica's port; the others take any free port.
  const httpPorts = [stack.scalerHttpPort, await freePort(), await freePort()];
  const peers = `static:///${[...httpPorts, h.port].map(p => `127.0.0.1:${p}`).join(',')}`;
  for (const httpPort of httpPorts) {
    const app = createApp(
      validateConfig({
        grpcAddress: '127.0.0.1:0',
        httpAddress: `127.0.0.1:${httpPort}`,
        sources: [{ name: 'main', url: stack.prometheus.url }],
        push: {
          alertmanagerTokenFile: stack.tokenFile,
          peers,
          peerTimeout: `${PEER_TIMEOUT_MS}ms`,
        },
      }),
      { logger: createLogger('silent') },
    );
    const { grpcPort } = await app.start();
    replicas.push({ app, httpPort, grpcPort, stopped: false });
  }
  // KEDA dials the headless Service's addresses with round_robin; this channel does the same.
  client = new ScalerClient(`ipv4:${replicas.map(r => `127.0.0.1:${r.grpcPort}`).join(',')}`, {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  });
  // Let every subchannel connect, so that the streams spread over all replicas.
  for (let i = 0; i < 6; i++)
    await client.getMetricSpec(ref({ query: 'vector(1)', threshold: '1' }));
}, 90_000);

afterAll(async () => {
  client.close();
  for (const r of replicas) if (!r.stopped) await r.app.stop();
  for (const socket of hangingSockets) socket.destroy();
  await new Promise(r => hanging.close(r));
  await stack.stop();
});

/** The sum of a metric's series on one replica whose labels include `labels`. */
async function metric(app: App, name: string, labels: string): Promise<number> {
  const text = await app.registry.getSingleMetricAsString(`keda_prometheus_scaler_${name}`);
  return text
    .split('\n')
    .filter(l => l.startsWith(`keda_prometheus_scaler_${name}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

const webhook = (r: (typeof replicas)[number] | undefined, outcome: string): Promise<number> =>
  metric(r!.app, 'alertmanager_webhook_requests_total', `outcome="${outcome}"`);
const forwards = (r: (typeof replicas)[number] | undefined, outcome = ''): Promise<number> =>
  metric(r!.app, 'peer_forwards_total', outcome === '' ? 'outcome=' : `outcome="${outcome}"`);

const openStreams = (r: (typeof replicas)[number]): Promise<number> =>
  metric(r.app, 'open_streams', 'rpc="StreamIsActive"');

/**
 * Opens `count` streams woken only by `alert` (its activation threshold is never reached and it
 * polls once a minute), and waits for each one's first message (`false`).
 */
async function openAlertStreams(
  alert: string,
  labels: string,
  count: number,
): Promise<{ streams: ClientReadableStream<unknown>[]; seen: RecordedStream[] }> {
  const streams: ClientReadableStream<unknown>[] = [];
  const seen: RecordedStream[] = [];
  for (let i = 0; i < count; i++) {
    const metadata = {
      query: 'max(kps_peers_depth)',
      threshold: '10',
      activationThreshold: '1000000',
      activationInterval: '60s',
      activationAlert: alert,
      activationAlertLabels: labels,
    };
    const stream = client.stream('StreamIsActive', ref(metadata, `so-${alert}-${labels}-${i}`));
    streams.push(stream);
    seen.push(record(stream));
  }
  await until(() => seen.every(s => s.messages.length === 1), 10_000);
  expect(seen.map(s => s.messages[0]?.result)).toEqual(seen.map(() => false));
  return { streams, seen };
}

const results = (seen: RecordedStream[]): boolean[][] =>
  seen.map(s => s.messages.map(m => m.result));

test('a Prometheus alert posted to one replica wakes the matching streams on all three, once each', async () => {
  const before = await Promise.all(replicas.map(openStreams));
  const matching = await openAlertStreams(RULE_ALERT, 'team=shop', 9);
  const other = await openAlertStreams(RULE_ALERT, 'team=other', 3);
  const held = (await Promise.all(replicas.map(openStreams))).map((n, i) => n - before[i]!);
  expect(held.every(n => n >= 3)).toBe(true); // spread over all replicas, as KEDA's would be

  stack.gauge.set(50);
  await until(() => matching.seen.every(s => s.messages.length >= 2), 20_000);
  // Outlast the watchers' re-evaluation 1 s after the alert (back to inactive): a duplicate
  // delivery after it would send a second `true`.
  await new Promise(r => setTimeout(r, 2500));
  expect(results(matching.seen)).toEqual(matching.seen.map(() => [false, true]));
  expect(results(other.seen)).toEqual(other.seen.map(() => [false]));
  // Forwarding, not polling (activationThreshold is never reached), woke the other replicas'
  // streams: each peer accepted the one forwarded batch (below).

  const [receiver, ...others] = replicas;
  expect(await webhook(receiver, 'accepted')).toBe(1);
  expect(await forwards(receiver, 'ok')).toBe(2);
  for (const r of others) {
    expect(await webhook(r, 'peer_accepted')).toBe(1);
    // A forwarded batch is never forwarded again: no loop, no fan-out from the peers.
    expect(await forwards(r)).toBe(0);
    expect(await webhook(r, 'accepted')).toBe(0);
  }
  for (const s of [...matching.streams, ...other.streams]) s.cancel();
  stack.gauge.set(0);
}, 60_000);

/** Posts a forward of the alert KpsForwarded to a replica as a peer would, with `token` if any. */
function forward(httpPort: number, batchId: string, token?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${httpPort}/alertmanager`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-kps-batch-id': batchId,
      'x-kps-forwarded-by': '0b7c1a52-5d7e-4bb1-9a51-3c9e8f1d2a10',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({
      version: '4',
      alerts: [{ status: 'firing', labels: { alertname: 'KpsForwarded', team: 'shop' } }],
    }),
  });
}

test('a forward without the token is refused and wakes nothing; a repeated batch id wakes nothing twice', async () => {
  const peer = replicas[1]!;
  const { streams, seen } = await openAlertStreams('KpsForwarded', 'team=shop', 3);
  const id = '5f0e7f7e-1c2b-4e55-8a0e-7d6c2b9a4f11';

  const noToken = await forward(peer.httpPort, id);
  expect(noToken.status).toBe(401);
  const wrongToken = await forward(peer.httpPort, id, 'nope');
  expect(wrongToken.status).toBe(401);
  await new Promise(r => setTimeout(r, 300));
  expect(results(seen)).toEqual(seen.map(() => [false]));

  const acceptedBefore = await webhook(peer, 'peer_accepted');
  const first = await forward(peer.httpPort, id, TOKEN);
  expect(first.status).toBe(200);
  expect(first.headers.get('x-kps-peer-outcome')).toBe('accepted');
  expect(((await first.json()) as { streams: number }).streams).toBeGreaterThan(0);
  expect(await webhook(peer, 'peer_accepted')).toBe(acceptedBefore + 1);
  // The watchers fall back to inactive 1 s after an alert; a duplicate after that would wake them.
  await new Promise(r => setTimeout(r, 1500));
  const again = await forward(peer.httpPort, id, TOKEN);
  expect(again.status).toBe(200);
  expect(again.headers.get('x-kps-peer-outcome')).toBe('duplicate');
  expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
  // Only the streams the peer holds woke (the forward goes no further), each once.
  const woken = seen.filter(s => s.messages.length > 1);
  expect(woken.length).toBeGreaterThan(0);
  expect(woken.length).toBeLessThan(seen.length);
  expect(results(woken)).toEqual(woken.map(() => [false, true]));
  expect(await webhook(peer, 'peer_duplicate')).toBe(1);
  expect(await forwards(peer)).toBe(0);

  const badId = await forward(peer.httpPort, 'not-a-uuid', TOKEN);
  expect(badId.status).toBe(400);
  for (const s of streams) s.cancel();
});

test('with one replica stopped and one peer hanging, the webhook answers and the live replicas wake without waiting for it', async () => {
  const stopped = replicas[2]!;
  await stopped.app.stop();
  stopped.stopped = true;
  // Let the round_robin channel see that replica go, as KEDA's does when DNS drops it.
  await new Promise(r => setTimeout(r, 500));
  const [receiver, peer] = replicas;
  const { streams, seen } = await openAlertStreams('KpsDirect', 'team=shop', 6);

  const errorsBefore = await forwards(receiver, 'error');
  const peerBefore = await webhook(peer, 'peer_accepted');
  const heldBefore = new Set(hangingSockets);
  const res = await fetch(`http://127.0.0.1:${receiver!.httpPort}/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      version: '4',
      alerts: [{ status: 'firing', labels: { alertname: 'KpsDirect', team: 'shop' } }],
    }),
  });
  expect(res.status).toBe(200);
  await until(() => seen.every(s => s.messages.length === 2), PEER_TIMEOUT_MS - 1000);
  expect(results(seen)).toEqual(seen.map(() => [false, true]));
  // Answered and woken while this batch's forward to the hanging peer is still pending: its
  // connection is open (the forwarder closes it at the timeout), so neither waited for it.
  await until(() => [...hangingSockets].some(s => !heldBefore.has(s)), 10_000);
  expect(await webhook(peer, 'peer_accepted')).toBe(peerBefore + 1);
  // The stopped replica refused the connection; the hanging one holds its socket until the timeout.
  expect(await forwards(receiver, 'error')).toBe(errorsBefore + 1);
  for (const s of streams) s.cancel();
});

test('a real Alertmanager alert reaches the live replica too while one is down', async () => {
  const [receiver, peer] = replicas;
  const { streams, seen } = await openAlertStreams('KpsViaAm', 'team=shop', 4);
  const receiverBefore = await webhook(receiver, 'accepted');
  const peerBefore = await webhook(peer, 'peer_accepted');
  const res = await fetch(`${stack.alertmanager.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels: { alertname: 'KpsViaAm', team: 'shop' } }]),
  });
  expect(res.status).toBe(200);
  await until(() => seen.every(s => s.messages.length === 2), 15_000);
  expect(results(seen)).toEqual(seen.map(() => [false, true]));
  expect(await webhook(receiver, 'accepted')).toBeGreaterThan(receiverBefore);
  expect(await webhook(peer, 'peer_accepted')).toBe(peerBefore + 1);
  for (const s of streams) s.cancel();
}, 30_000);
