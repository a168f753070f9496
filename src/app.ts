// Composition root: builds every part from the configuration, binds the ports, and stops them in
// order. No scaling logic lives here.
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import type { ServerConfig } from './config/schema';
import { loadExternalScalerPackage } from './grpc/load-proto';
import { Readiness } from './health/readiness';
import { createHttpServer } from './http/http-server';
import { Evaluator } from './scaler/evaluate';
import { TriggerResolver } from './scaler/resolve-trigger';
import { createExternalScalerService } from './scaler/service';
import { OpenStreams } from './scaler/stream-is-active';
import { QueryGateway } from './sources/query-gateway';
import { SourceRegistry } from './sources/source-registry';
import { ResultCache } from './cache/result-cache';
import type { Logger } from './telemetry/logger';
import { createLogger } from './telemetry/logger';
import { ScalerMetrics } from './telemetry/scaler-metrics';

export interface App {
  /** Binds both ports; resolves with the bound ports (useful with port 0 in tests). */
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /** Ends streams with OK, lets unary calls finish, closes ports and pools. Idempotent. */
  stop(): Promise<void>;
  readonly logger: Logger;
  readonly registry: Registry;
}

export interface AppOptions {
  logger?: Logger;
  /** Grace period for in-flight unary calls on stop (ms). */
  shutdownGraceMs?: number;
}

/** Long enough for a query at KEDA's 3 s timeout to finish (keda.md 2.5). */
const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

export function createApp(config: ServerConfig, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  const registry = new Registry();
  const metrics = new ScalerMetrics(registry);
  const sources = new SourceRegistry(config);
  const resolver = new TriggerResolver(sources, {
    maxTimeoutMs: config.maxTimeoutMs,
    maxCacheTtlMs: config.cache.ttlLimitMs,
    maxStalenessLimitMs: config.cache.maxStalenessLimitMs,
  });
  const gateway = new QueryGateway({
    breaker: config.breaker,
    maxResponseBytes: config.maxResponseBytes,
    metrics,
  });
  const cache = new ResultCache(config.cache);
  metrics.onCollect('cache', () => metrics.cacheEntries.set(cache.size));
  const evaluator = new Evaluator({ cache, cacheConfig: config.cache, gateway, metrics, logger });
  const streams = new OpenStreams();
  const { service } = loadExternalScalerPackage();

  const grpcServer = new grpc.Server();
  grpcServer.addService(
    service,
    createExternalScalerService({ logger, metrics, resolver, evaluator, streams }),
  );
  const readiness = new Readiness({
    gateway,
    cache,
    sources: () => sources.configured,
    windowMs: config.cache.maxStalenessMs,
  });
  const httpServer: HttpServer = createHttpServer({
    registry,
    notReadyReason: () => readiness.notReadyReason(),
  });
  let stopping: Promise<void> | undefined;

  const start = async (): Promise<{ grpcPort: number; httpPort: number }> => {
    const grpcPort = await new Promise<number>((resolve, reject) => {
      grpcServer.bindAsync(
        config.grpcAddress,
        grpc.ServerCredentials.createInsecure(),
        (err, port) =>
          err
            ? reject(new Error(`cannot listen on ${config.grpcAddress}: ${err.message}`))
            : resolve(port),
      );
    });
    const httpPort = await listenHttp(httpServer, config.httpAddress);
    readiness.serving = true;
    logger.info(
      { grpcPort, httpPort, sources: config.sources.map(s => s.name) },
      'keda-prometheus-scaler serving',
    );
    return { grpcPort, httpPort };
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      readiness.serving = false;
      readiness.stop();
      streams.endAll();
      await new Promise<void>(resolve => {
        const force = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await new Promise<void>(resolve => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      cache.close();
      await sources.close();
      logger.info('keda-prometheus-scaler stopped');
    })();
    return stopping;
  };

  return { start, stop, logger, registry };
}

function listenHttp(server: HttpServer, address: string): Promise<number> {
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
