// The HTTP side: /metrics (prom-client), /healthz (process serves), /readyz (answers calls),
// /healthz/data (data fresh), and POST /alertmanager (push activation); listening from the
// first moment of `serve`, before the rest of the scaler has loaded.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { MetricsExposition } from '../telemetry/metrics';
import { capConnectionsPerClient } from '../util/client-connections';
import { listenOn } from '../util/listen';

export interface HttpServerDeps {
  metrics: MetricsExposition;
  /** POST /alertmanager (push activation). */
  alertmanager: (req: IncomingMessage, res: ServerResponse) => void;
  /** Why the scaler cannot answer calls, or undefined when it can. */
  notReadyReason: () => string | undefined;
  /** Why the data is not fresh, or undefined when it is. */
  staleReason: () => string | undefined;
  /** Conditions that do not stop the scaler from serving but need attention (shown on /readyz). */
  warnings?: () => string[];
  /** Replaces some of HTTP_LIMITS on a server this module creates. */
  limits?: Partial<HttpLimits> | undefined;
}

/**
 * Bounds on the HTTP port, so slow or idle clients cannot hold descriptors: kubelet probes,
 * Prometheus scrapes and Alertmanager all send a small request at once. Milliseconds.
 */
export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  socketIdleTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerClient: number;
}

const HTTP_LIMITS: Readonly<HttpLimits> = {
  /** Time for a client to send all request headers (Node's default is 60 s). A probe, a scrape
   * or a webhook sends its headers in one packet; a slow-header socket is closed after this. */
  headersTimeoutMs: 5_000,
  /** Time for a whole request, body included (Node's default is 300 s): a 1 MiB webhook body
   * takes milliseconds in a cluster. */
  requestTimeoutMs: 15_000,
  /** Idle time allowed on a kept-alive connection between requests. */
  keepAliveTimeoutMs: 5_000,
  /** Idle time on a socket while a request is in progress (no bytes either way). */
  socketIdleTimeoutMs: 30_000,
  /** Open connections; more are closed at once. Probes, scrapes and webhooks need a handful.
   * Config `connections.httpMax`. */
  maxConnections: 256,
  /** Open connections from one client address, an eighth of the total: the kubelet (probes),
   * Prometheus and Alertmanager each need a few. Config `connections.httpMaxPerClient`. */
  maxConnectionsPerClient: 32,
};

/** A server with HTTP_LIMITS (or `overrides`) applied, and no request handler yet. */
function boundedServer(overrides: Partial<HttpLimits> | undefined): Server {
  const limits = { ...HTTP_LIMITS, ...overrides };
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Checked once a second by default; the timeouts above are seconds long anyway.
    connectionsCheckingInterval: 1000,
  });
  server.maxConnections = limits.maxConnections;
  capConnectionsPerClient(server, limits.maxConnectionsPerClient);
  server.setTimeout(limits.socketIdleTimeoutMs, socket => socket.destroy());
  return server;
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
  return listenOn(server, address, '--http-address');
}

/** A server that answers /healthz (and /readyz 503) before the scaler has loaded; `limits`
 * stay in force when the app takes it over. */
export async function listenEarly(address: string, limits?: Partial<HttpLimits>): Promise<Server> {
  const server = boundedServer(limits).on('request', whileStarting);
  await listenHttp(server, address);
  return server;
}

/** The scaler's handler on `server` (an early one that is already listening, or a new one). */
export function createHttpServer(
  deps: HttpServerDeps,
  server: Server = boundedServer(deps.limits),
): Server {
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
      const reason = deps.notReadyReason();
      const warnings = (deps.warnings?.() ?? []).map(w => `warning: ${w}\n`).join('');
      if (reason === undefined) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`ready\n${warnings}`);
      } else {
        res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end(`not ready: ${reason}\n${warnings}`);
      }
    } else if (path === '/healthz/data') {
      answer(res, deps.staleReason(), 'fresh', 'stale');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
}
