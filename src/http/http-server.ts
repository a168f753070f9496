// The HTTP side: /metrics (the scaler's metrics), /healthz (process serves), /readyz (ready to
// answer), and POST /alertmanager (push activation).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { MetricsExposition } from '../telemetry/metrics';

export interface HttpServerDeps {
  metrics: MetricsExposition;
  /** POST /alertmanager (push activation). */
  alertmanager: (req: IncomingMessage, res: ServerResponse) => void;
  /** Why the scaler is not ready, or undefined when it is (may probe the sources). */
  readiness: () => string | undefined;
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
      deps.metrics.exposition().then(
        ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text),
        () => res.writeHead(500).end('metrics collection failed\n'),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const reason = deps.readiness();
      if (reason === undefined) res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n');
      else res.writeHead(503, { 'content-type': 'text/plain' }).end(`not ready: ${reason}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
}
