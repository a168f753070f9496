// The HTTP side: /metrics (prom-client), /healthz (process serves), /readyz (ready to answer),
// and POST /alertmanager (push activation).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpServerDeps {
  registry: Registry;
  /** POST /alertmanager (push activation). */
  alertmanager: (req: IncomingMessage, res: ServerResponse) => void;
  /** Why the scaler is not ready, or undefined when it is. */
  notReadyReason: () => string | undefined;
  /** Conditions that do not stop the scaler from serving but need attention (shown on /readyz). */
  warnings?: () => string[];
  /** Replaces some of HTTP_LIMITS. */
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
}

export const HTTP_LIMITS: Readonly<HttpLimits> = {
  /** Time for a client to send all request headers (Node's default is 60 s). */
  headersTimeoutMs: 10_000,
  /** Time for a whole request, body included (Node's default is 300 s). */
  requestTimeoutMs: 30_000,
  /** Idle time allowed on a kept-alive connection between requests. */
  keepAliveTimeoutMs: 5_000,
  /** Idle time on a socket while a request is in progress (no bytes either way). */
  socketIdleTimeoutMs: 30_000,
  /** Open connections; more are closed at once. Probes, scrapes and webhooks need a handful. */
  maxConnections: 256,
};

export function createHttpServer(deps: HttpServerDeps): Server {
  const limits = { ...HTTP_LIMITS, ...deps.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Checked once a second by default; the timeouts above are seconds long anyway.
      connectionsCheckingInterval: 1000,
    },
    (req, res) => handle(deps, req, res),
  );
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.socketIdleTimeoutMs, socket => socket.destroy());
  return server;
}

function handle(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse): void {
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
    deps.registry.metrics().then(
      text => res.writeHead(200, { 'content-type': deps.registry.contentType }).end(text),
      () => res.writeHead(500).end('metrics collection failed\n'),
    );
  } else if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (path === '/readyz') {
    const reason = deps.notReadyReason();
    const warnings = (deps.warnings?.() ?? []).map(w => `warning: ${w}\n`).join('');
    if (reason === undefined) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`ready\n${warnings}`);
    } else
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`not ready: ${reason}\n${warnings}`);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}
