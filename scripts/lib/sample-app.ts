// A small app with prom-client metrics whose request rate follows a profile: the workload the
// demo scales. It counts simulated requests in 100 ms ticks.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';

/** Requests per second at `t` seconds after start. */
export type TrafficProfile = (tSeconds: number) => number;

export interface SampleApp {
  port: number;
  stop(): Promise<void>;
}

/** Simulation tick (ms): fine enough for Prometheus's 1 s scrape to see a smooth rate. */
const TICK_MS = 100;

export async function startSampleApp(profile: TrafficProfile): Promise<SampleApp> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'demo_http_requests_total',
    help: 'Requests the demo app handled.',
    registers: [registry],
  });
  const started = Date.now();
  let carry = 0;
  const timer = setInterval(() => {
    carry += (profile((Date.now() - started) / 1000) * TICK_MS) / 1000;
    const whole = Math.floor(carry);
    carry -= whole;
    if (whole > 0) requests.inc(whole);
  }, TICK_MS);
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void registry
        .metrics()
        .then(text => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    } else {
      requests.inc();
      res.end('ok\n');
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>(resolve => {
        clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
