// Where the other replicas are: every address a DNS name has (a headless Service lists one per
// ready pod), looked up again after a short time, or a fixed list.
import { lookup } from 'node:dns/promises';

export interface PeerAddress {
  host: string;
  port: number;
}

/** What `push.peers` reads to (structurally the same as the configuration's type). */
export type PeersSpec =
  | { kind: 'dns'; host: string; port: number }
  | { kind: 'static'; addresses: readonly PeerAddress[] };

/** Resolves a name to all its addresses (IPv4 and IPv6). */
export type LookupAll = (host: string) => Promise<string[]>;

const systemLookup: LookupAll = async host =>
  (await lookup(host, { all: true })).map(a => a.address);

/**
 * How long a DNS answer is reused (ms). Alerts arrive seconds apart at most, so a lookup per
 * batch is cheap; 1 s only absorbs bursts, and a pod that became ready is reached within 1 s of
 * appearing in DNS (CoreDNS itself caches a headless Service's records for 5 s by default).
 */
export const DNS_CACHE_MS = 1000;

export class PeerAddresses {
  private cached: { at: number; addresses: PeerAddress[] } | undefined;
  private pending: Promise<PeerAddress[]> | undefined;

  constructor(
    private readonly spec: PeersSpec,
    private readonly lookupAll: LookupAll = systemLookup,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current peer addresses (self included; the forwarder skips it). Rejects when DNS fails. */
  list(): Promise<PeerAddress[]> {
    const spec = this.spec;
    if (spec.kind === 'static') return Promise.resolve([...spec.addresses]);
    if (this.cached !== undefined && this.now() - this.cached.at < DNS_CACHE_MS) {
      return Promise.resolve(this.cached.addresses);
    }
    this.pending ??= this.lookupAll(spec.host)
      .then(ips => {
        const addresses = [...new Set(ips)].map(host => ({ host, port: spec.port }));
        this.cached = { at: this.now(), addresses };
        return addresses;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}
