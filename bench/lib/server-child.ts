// A server in its own process, so its CPU time and RSS can be read apart from the load
// generator's: `scaler` (this project, one source, optional extra config as JSON) or `bare`
// (grpc-js answering a constant GetMetrics).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { loadExternalScalerPackage } from '../../src/grpc/load-proto';
import { createLogger } from '../../src/telemetry/logger';

type Message = { type: 'cpu' } | { type: 'memory' } | { type: 'stop' };
interface Running {
  port: number;
  httpPort: number;
  stop: () => Promise<void>;
}

async function startBare(): Promise<Running> {
  const { service } = loadExternalScalerPackage();
  const server = new grpc.Server();
  const constant = { metricValues: [{ metricName: 'm', metricValue: '50', metricValueFloat: 50 }] };
  server.addService(service, {
    GetMetrics: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, constant),
    GetMetricSpec: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { metricSpecs: [] }),
    IsActive: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { result: true }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { port, httpPort: 0, stop: () => new Promise(r => server.tryShutdown(() => r())) };
}

async function startScaler(
  prometheusUrl: string,
  extra: Record<string, unknown>,
  appOptions: Record<string, unknown>,
): Promise<Running> {
  const config = validateConfig({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    sources: [{ name: 'bench', url: prometheusUrl }],
    ...extra,
  });
  const app = createApp(config, { logger: createLogger('silent'), ...appOptions });
  const { grpcPort, httpPort } = await app.start();
  return { port: grpcPort, httpPort, stop: () => app.stop() };
}

async function main(): Promise<void> {
  const [kind, prometheusUrl, extraJson, appOptionsJson] = process.argv.slice(2);
  const extra = JSON.parse(extraJson ?? '{}') as Record<string, unknown>;
  const appOptions = JSON.parse(appOptionsJson ?? '{}') as Record<string, unknown>;
  const server: Running =
    kind === 'bare' ? await startBare() : await startScaler(prometheusUrl ?? '', extra, appOptions);
  // The longest event-loop block since the previous 'cpu' message (1 ms resolution).
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  process.on('message', (m: Message) => {
    if (m.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      const loopMaxMs = loop.max / 1e6;
      loop.reset();
      process.send?.({
        type: 'cpu',
        micros: user + system,
        rss: process.memoryUsage().rss,
        loopMaxMs,
      });
    } else if (m.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const { heapUsed, external, rss } = process.memoryUsage();
      process.send?.({ type: 'memory', heapUsed, external, rss, gcExposed: gc !== undefined });
    } else {
      void server.stop().then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', port: server.port, httpPort: server.httpPort });
}

void main();
