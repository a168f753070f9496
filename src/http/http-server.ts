// The HTTP side: /metrics (prom-client), /healthz (process serves), /readyz (answers calls),
// /healthz/data (data fresh), and POST /alertmanager (push activation); listening from the
// first moment of `serve`, before the rest of the scaler has loaded.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsExposition } from '../telemetry/metrics';

export interface HttpServerDeps {
  metrics: MetricsExposition;
  /** POST /alertmanager (push activation). */
  alertmanager: (req: IncomingMessage, res: ServerResponse) => void;
  /** Why the scaler cannot answer calls, or undefined when it can. */
  notReadyReason: () => string | undefined;
  /** Why the data is not fresh, or undefined when it is. */
  staleReason: () => string | undefined;
}

function answer(res: ServerResponse, reason: string | undefined, ok: string, bad: string): void {
  if (reason === undefined) res.writeHead(200, { 'content-type': 'text/plain' }).end(`${ok}\n`);
  else res.writeHead(503, { 'content-type': 'text/plain' }).end(`${bad}: ${reason}\n`);
}

/** While the scaler loads: alive, not ready yet, nothing else. */
function whileStarting(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  answer(res, path === '/healthz' ? undefined : 'starting', 'ok', 'not ready');
}

/** Binds `address` (host:port, [v6]:port) and resolves with the bound port. */
export function listenHttp(server: Server, address: string): Promise<number> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new Error(`cannot listen on ${address}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A server that answers /healthz (and /readyz 503) before the scaler has loaded. */
export async function listenEarly(address: string): Promise<Server> {
  const server = createServer(whileStarting);
  await listenHttp(server, address);
  return server;
}

/** The scaler's handler on `server` (an early one that is already listening, or a new one). */
export function createHttpServer(deps: HttpServerDeps, server: Server = createServer()): Server {
  server.removeAllListeners('request');
  return server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/alertmanager') {
      deps.alertmanager(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      deps.metrics.exposition().then(
        ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text),
        () => res.writeHead(500).end('metrics collection failed\n'),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      answer(res, deps.notReadyReason(), 'ready', 'not ready');
    } else if (path === '/healthz/data') {
      answer(res, deps.staleReason(), 'fresh', 'stale');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
}
