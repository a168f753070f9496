// Caps a server's open connections per client address, so one client cannot take a port's whole
// connection cap (net.Server maxConnections) from the others: kubelet probes, Prometheus, KEDA.
import type { Server, Socket } from 'node:net';

/** One client per address: IPv4 written as IPv6 (`::ffff:10.0.0.1`) counts as the IPv4 address. */
function clientOf(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  return address?.startsWith('::ffff:') === true ? address.slice(7) : address;
}

/**
 * Closes each new connection of a client that already has `maxPerClient` open, before the server
 * reads a byte of it. Runs first among the server's 'connection' listeners (prepended).
 * `onRefused` is told of each closed connection (count it; logging each would let a flood write
 * the log).
 */
export function capConnectionsPerClient(
  server: Server,
  maxPerClient: number,
  onRefused: () => void = () => undefined,
): void {
  const open = new Map<string, number>();
  server.prependListener('connection', (socket: Socket) => {
    const client = clientOf(socket);
    if (client === undefined) {
      socket.destroy();
      return;
    }
    const count = open.get(client) ?? 0;
    if (count >= maxPerClient) {
      onRefused();
      socket.destroy();
      return;
    }
    open.set(client, count + 1);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left === 0) open.delete(client);
      else open.set(client, left);
    });
  });
}
