// Hands a batch of firing alerts, accepted from Alertmanager by this replica, to every other
// replica, so each wakes the matching streams it holds. Fire-and-forget: bounded in time per peer
// and in concurrency, and a peer that is down or slow holds up nobody.
import { Agent, request } from 'node:http';
import type { Logger } from '../telemetry/logger';
import type { Metrics, PeerForwardOutcome } from '../telemetry/metrics';
import type { PeerAddress, PeerAddresses } from './peer-addresses';
import {
  BATCH_ID_HEADER,
  FORWARDED_BY_HEADER,
  PEER_OUTCOME_HEADER,
  forwardBody,
} from './peer-protocol';
import type { FiringAlert } from './watcher-hub';

/** One accepted webhook's firing alerts and the id they travel under. */
export interface AlertBatch {
  id: string;
  firing: readonly FiringAlert[];
}

/**
 * Forwards in flight at once, over all peers and batches. A scaler runs a handful of replicas and
 * Alertmanager sends a batch per alert group at most every group_interval, so 16 is never reached
 * in normal use; it bounds sockets and memory when many groups fire at once.
 */
export const MAX_FORWARDS_IN_FLIGHT = 16;
/** Forwards waiting for a slot; beyond this they are dropped and counted (outcome `dropped`). */
export const MAX_FORWARDS_QUEUED = 1024;

export interface PeerForwarderDeps {
  addresses: Pick<PeerAddresses, 'list'>;
  /** This process's id: sent as the hop marker, so a forward that reaches this process is seen as its own. */
  instanceId: string;
  /** The webhook's bearer token, read when a batch is forwarded (the file may change). */
  token: () => string;
  /** Per forward, connection included (ms). */
  timeoutMs: number;
  /** This pod's IP (the downward API's status.podIP): the headless Service lists it too. */
  podIp?: string | undefined;
  /** Replaces MAX_FORWARDS_IN_FLIGHT and MAX_FORWARDS_QUEUED (tests make them small). */
  limits?: { inFlight: number; queued: number };
  metrics: Metrics;
  logger: Logger;
}

export class PeerForwarder {
  /**
   * A new connection per forward: alerts come seconds apart, a handshake on a cluster network
   * costs well under a millisecond, and a kept-alive socket the peer has just closed (its HTTP
   * keep-alive timeout) would lose the forward to a reset.
   */
  private readonly agent = new Agent({ keepAlive: false, maxSockets: 4 });
  /** `host:port` of this process: its own HTTP address, and peers that answered `self`. */
  private readonly self = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(private readonly deps: PeerForwarderDeps) {}

  /** Marks an address as this process's own (its bound HTTP address), so it is skipped. */
  addSelf(address: PeerAddress): void {
    this.self.add(key(address));
  }

  /**
   * Sends the batch to every peer but this process. Resolves when every forward has ended
   * (tests and the benchmark wait for it; the webhook does not). Never rejects.
   */
  async forward(batch: AlertBatch): Promise<void> {
    if (this.closed || batch.firing.length === 0) return;
    let addresses: PeerAddress[];
    try {
      addresses = await this.deps.addresses.list();
    } catch (e) {
      this.deps.metrics.peerForward('resolve_failed');
      this.deps.logger.warn(
        { err: e },
        'push.peers: cannot resolve the peers; alert not forwarded',
      );
      return;
    }
    const body = forwardBody(batch.firing);
    const peers = addresses.filter(a => a.host !== this.deps.podIp && !this.self.has(key(a)));
    await Promise.all(
      peers.map(async peer => {
        const outcome = await this.limited(() => this.send(peer, batch.id, body));
        this.deps.metrics.peerForward(outcome);
        if (outcome === 'self') this.self.add(key(peer));
        if (outcome === 'timeout' || outcome === 'error' || outcome === 'refused') {
          this.deps.logger.warn(
            { peer: key(peer), outcome, batch: batch.id },
            'alert forward to a peer failed; its streams wake at their next poll',
          );
        }
      }),
    );
  }

  /** Stops forwarding: queued forwards are dropped, connections in flight closed. */
  close(): void {
    this.closed = true;
    // Each queued forward ends as `dropped`, so every forward() promise resolves.
    for (const start of this.queue.splice(0)) start();
    this.agent.destroy();
  }

  private limited(send: () => Promise<PeerForwardOutcome>): Promise<PeerForwardOutcome> {
    const limits = this.deps.limits ?? {
      inFlight: MAX_FORWARDS_IN_FLIGHT,
      queued: MAX_FORWARDS_QUEUED,
    };
    if (this.inFlight < limits.inFlight) return this.run(send);
    if (this.queue.length >= limits.queued) return Promise.resolve('dropped');
    return new Promise(resolve => this.queue.push(() => void this.run(send).then(resolve)));
  }

  private async run(send: () => Promise<PeerForwardOutcome>): Promise<PeerForwardOutcome> {
    this.inFlight++;
    try {
      return this.closed ? 'dropped' : await send();
    } finally {
      this.inFlight--;
      this.queue.shift()?.();
    }
  }

  private send(peer: PeerAddress, id: string, body: string): Promise<PeerForwardOutcome> {
    return new Promise(resolve => {
      let token: string;
      try {
        token = this.deps.token();
      } catch {
        resolve('error');
        return;
      }
      const req = request({
        host: peer.host,
        port: peer.port,
        path: '/alertmanager',
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
          [BATCH_ID_HEADER]: id,
          [FORWARDED_BY_HEADER]: this.deps.instanceId,
        },
      });
      const finish = (outcome: PeerForwardOutcome): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        finish('timeout');
        req.destroy();
      }, this.deps.timeoutMs);
      req.on('response', res => {
        res.resume();
        if (res.statusCode !== 200) return finish('refused');
        const peerOutcome = res.headers[PEER_OUTCOME_HEADER];
        finish(peerOutcome === 'duplicate' || peerOutcome === 'self' ? peerOutcome : 'ok');
      });
      req.on('error', () => finish('error'));
      req.end(body);
    });
  }
}

function key(a: PeerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
