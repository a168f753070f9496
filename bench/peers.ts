// Alerts reach every replica: three scaler processes on loopback with push.peers, streams on each,
// an Alertmanager-style webhook POSTed to one. Per round, the time from the POST to the last
// `true` on the receiving replica and on its peers (the forward adds one HTTP hop).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScalerClient } from '../scripts/lib/scaler-client';
import type { PrometheusProcess } from '../scripts/lib/prometheus-process';
import { freePort } from '../scripts/lib/prometheus-process';
import { forkServer } from './lib/child';
import { percentile, round } from './lib/load';

const TOKEN = 'bench-peers-token';
const ALERT = 'BenchPeers';
const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

export async function peerWake(
  prometheus: PrometheusProcess,
  replicas: number,
  streamsPerReplica: number,
  rounds: number,
) {
  const dir = mkdtempSync(join(tmpdir(), 'kps-bench-peers-'));
  writeFileSync(join(dir, 'token'), TOKEN);
  const httpPorts = await Promise.all(Array.from({ length: replicas }, () => freePort()));
  const peers = `static:///${httpPorts.map(p => `127.0.0.1:${p}`).join(',')}`;
  const servers = await Promise.all(
    httpPorts.map(p =>
      forkServer('scaler', prometheus.url, {
        httpAddress: `127.0.0.1:${p}`,
        push: { alertmanagerTokenFile: join(dir, 'token'), peers },
      }),
    ),
  );
  const clients = servers.map(s => new ScalerClient(`127.0.0.1:${s.port}`));
  // Inactive by polling (vector(0) never reaches 1, evaluated once a minute): only the alert wakes.
  const metadata = {
    query: 'vector(0)',
    threshold: '1',
    activationThreshold: '1',
    activationInterval: '60s',
    activationAlert: ALERT,
  };
  const lastTrue = clients.map(() => [] as number[]);
  const streams = clients.flatMap((client, replica) =>
    Array.from({ length: streamsPerReplica }, (_, i) => {
      const stream = client.stream('StreamIsActive', {
        name: `so-${i}`,
        namespace: 'bench',
        scalerMetadata: metadata,
      });
      stream.on('data', (m: { result: boolean }) => {
        if (m.result) lastTrue[replica]!.push(performance.now());
      });
      stream.on('error', () => undefined);
      return stream;
    }),
  );
  await sleep(2000); // every stream has its first `false`
  const local: number[] = [];
  const viaPeer: number[] = [];
  const body = JSON.stringify({
    version: '4',
    alerts: [{ status: 'firing', labels: { alertname: ALERT } }],
  });
  try {
    for (let r = 0; r < rounds; r++) {
      for (const t of lastTrue) t.length = 0;
      const posted = performance.now();
      const res = await fetch(`http://127.0.0.1:${servers[0]!.httpPort}/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body,
      });
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      const deadline = Date.now() + 5000;
      while (lastTrue.some(t => t.length < streamsPerReplica) && Date.now() < deadline) {
        await sleep(5);
      }
      if (lastTrue.some(t => t.length !== streamsPerReplica)) {
        throw new Error(`round ${r}: ${lastTrue.map(t => t.length).join('/')} streams woke`);
      }
      const lastMs = lastTrue.map(t => Math.max(...t) - posted);
      local.push(lastMs[0]!);
      viaPeer.push(...lastMs.slice(1));
      // The watchers re-evaluate 1 s after an alert and fall back to inactive.
      await sleep(1500);
    }
  } finally {
    for (const s of streams) s.cancel();
    for (const c of clients) c.close();
    await Promise.all(servers.map(s => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
  local.sort((a, b) => a - b);
  viaPeer.sort((a, b) => a - b);
  return {
    replicas,
    streamsPerReplica,
    rounds,
    postToLastTrueMs: {
      receiver: { p50: round(percentile(local, 50)), max: round(local.at(-1) ?? NaN) },
      peers: { p50: round(percentile(viaPeer, 50)), max: round(viaPeer.at(-1) ?? NaN) },
    },
  };
}
