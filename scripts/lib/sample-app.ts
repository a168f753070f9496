// The demo workload: an HTTP app that counts the requests it serves on /metrics (prom-client),
// like the classic KEDA tutorial's app.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';

export interface SampleApp {
  port: number;
  stop(): Promise<void>;
}

export async function startSampleApp(): Promise<SampleApp> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'demo_http_requests_total',
    help: 'Requests the demo app served.',
    registers: [registry],
  });
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void registry
        .metrics()
        .then(text => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
      return;
    }
    requests.inc();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
