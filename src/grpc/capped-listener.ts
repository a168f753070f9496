// The gRPC port's own listening socket, in front of grpc-js: connections are capped in total and
// per client address. grpc-js 1.14
// has no connection cap; its connection injector (Server.createConnectionInjector) takes the
// sockets this server accepts, so calls, idle timeouts and shutdown stay grpc-js's.
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { capConnectionsPerClient } from '../util/client-connections';
import { listenOn } from '../util/listen';

export interface GrpcConnectionLimits {
  /** Open connections in all (net.Server maxConnections); more are closed as they arrive. */
  maxConnections: number;
  /** Open connections from one client address. */
  maxConnectionsPerClient: number;
}

export interface GrpcListener {
  port: number;
  /** Stops accepting; connections already open are grpc-js's to close (tryShutdown). */
  close(): void;
  /** Resolves once every connection this listener accepted has closed. */
  drained(): Promise<void>;
}

/** Listens on `address` and hands each admitted connection to `server`. */
export async function listenGrpc(
  server: grpc.Server,
  credentials: grpc.ServerCredentials,
  address: string,
  limits: GrpcConnectionLimits,
  onRefused: () => void = () => undefined,
): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(credentials);
  const listener = createServer();
  listener.maxConnections = limits.maxConnections;
  listener.on('drop', onRefused);
  capConnectionsPerClient(listener, limits.maxConnectionsPerClient, onRefused);
  const open = new Set<Socket>();
  let onDrained: (() => void) | undefined;
  listener.on('connection', (socket: Socket) => {
    // Closed by the per-client cap (a listener that runs first).
    if (socket.destroyed) return;
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0) onDrained?.();
    });
    injector.injectConnection(socket);
  });
  const port = await listenOn(listener, address, '--grpc-address');
  return {
    port,
    close: () => {
      listener.close();
    },
    drained: () =>
      open.size === 0 ? Promise.resolve() : new Promise<void>(resolve => (onDrained = resolve)),
  };
}
