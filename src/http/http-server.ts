// The HTTP side: /metrics (prom-client), /healthz (process serves), /readyz (answers calls),
// /healthz/data (data fresh), and POST /alertmanager (push activation).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpServerDeps {
  registry: Registry;
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

export function createHttpServer(deps: HttpServerDeps): Server {
  return createServer((req, res) => {
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
      answer(res, deps.notReadyReason(), 'ready', 'not ready');
    } else if (path === '/healthz/data') {
      answer(res, deps.staleReason(), 'fresh', 'stale');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
}
