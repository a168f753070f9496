// The forwarder's bounds against real sockets: forwards in flight are capped, a few more wait,
// the rest are dropped; each ends with its outcome counted; a peer's answer decides the outcome.
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { PeerAddresses } from '../../src/push/peer-addresses';
import { PeerForwarder } from '../../src/push/peer-forwarder';
import { createLogger } from '../../src/telemetry/logger';
import type { PeerForwardOutcome } from '../../src/telemetry/metrics';
import { NoopMetrics } from '../../src/telemetry/metrics';

class RecordingMetrics extends NoopMetrics {
  readonly outcomes: PeerForwardOutcome[] = [];
  override peerForward = (outcome: PeerForwardOutcome): void => void this.outcomes.push(outcome);
}

const batch = {
  id: '3d0c6f1e-8a0b-4c1d-9e2f-5a6b7c8d9e0f',
  firing: [{ name: 'KpsQueueDeep', labels: { alertname: 'KpsQueueDeep' } }],
};

function listen<S extends Server | HttpServer>(server: S): Promise<number> {
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

function forwarderTo(
  ports: number[],
  metrics: RecordingMetrics,
  timeoutMs: number,
  limits = { inFlight: 2, queued: 1 },
) {
  return new PeerForwarder({
    addresses: new PeerAddresses({
      kind: 'static',
      addresses: ports.map(port => ({ host: '127.0.0.1', port })),
    }),
    instanceId: 'test-instance',
    token: () => 'token',
    timeoutMs,
    limits,
    metrics,
    logger: createLogger('silent'),
  });
}

test('two in flight, one waiting, the rest dropped; hanging peers end as timeouts', async () => {
  const sockets = new Set<Socket>();
  // At each peer's connection: how many forwards had already timed out.
  const timeoutsAtConnect: number[] = [];
  const metrics = new RecordingMetrics();
  const servers = Array.from({ length: 5 }, () =>
    createServer(socket => {
      timeoutsAtConnect.push(metrics.outcomes.filter(o => o === 'timeout').length);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }),
  );
  const ports = await Promise.all(servers.map(listen));
  const forwarder = forwarderTo(ports, metrics, 2000);
  try {
    await forwarder.forward(batch);
    expect(metrics.outcomes.filter(o => o === 'dropped')).toHaveLength(2);
    expect(metrics.outcomes.filter(o => o === 'timeout')).toHaveLength(3);
    // Two connect at once; the waiting one only when a timeout has freed a slot.
    // (Both in flight time out together, so the third may see one or two.)
    expect(timeoutsAtConnect).toHaveLength(3);
    expect(timeoutsAtConnect.slice(0, 2)).toEqual([0, 0]);
    expect(timeoutsAtConnect[2]).toBeGreaterThanOrEqual(1);
  } finally {
    forwarder.close();
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map(s => new Promise(r => s.close(r))));
  }
});

test('the peer answer decides the outcome, and an address that answers `self` is skipped after', async () => {
  const answers: Record<string, [number, string | undefined]> = {};
  const seen: Record<string, number> = {};
  const servers = ['ok', 'duplicate', 'self', 'refused'].map(name =>
    createHttpServer((req, res) => {
      seen[name] = (seen[name] ?? 0) + 1;
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['authorization']).toBe('Bearer token');
      expect(req.headers['x-kps-batch-id']).toBe(batch.id);
      expect(req.headers['x-kps-forwarded-by']).toBe('test-instance');
      const [code, outcome] = answers[name]!;
      req.resume();
      res.writeHead(code, outcome === undefined ? {} : { 'x-kps-peer-outcome': outcome }).end();
    }),
  );
  answers['ok'] = [200, 'accepted'];
  answers['duplicate'] = [200, 'duplicate'];
  answers['self'] = [200, 'self'];
  answers['refused'] = [401, undefined];
  const ports = await Promise.all(servers.map(listen));
  const metrics = new RecordingMetrics();
  const forwarder = forwarderTo(ports, metrics, 2000, { inFlight: 16, queued: 16 });
  try {
    await forwarder.forward(batch);
    expect([...metrics.outcomes].sort()).toEqual(['duplicate', 'ok', 'refused', 'self']);
    await forwarder.forward(batch);
    expect(seen).toEqual({ ok: 2, duplicate: 2, self: 1, refused: 2 });
  } finally {
    forwarder.close();
    await Promise.all(servers.map(s => new Promise(r => s.close(r))));
  }
});
