// A tiny app with one gauge the caller moves: the signal the push tests and benchmark scale on.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';

export interface GaugeApp {
  port: number;
  set(value: number): void;
  stop(): Promise<void>;
}

export async function startGaugeApp(name: string): Promise<GaugeApp> {
  const registry = new Registry();
  const gauge = new Gauge({ name, help: 'A value the caller sets.', registers: [registry] });
  gauge.set(0);
  const server = createServer((_req, res) => {
    void registry
      .metrics()
      .then(text => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    set: value => gauge.set(value),
    stop: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
