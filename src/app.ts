// Composition root: builds every part from the configuration, binds the ports, and stops them in
// order. No scaling logic lives here.
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { ServerConfig } from './config/schema';
import { Evaluator } from './core/evaluate';
import { EmptyResultWatch } from './diagnose/empty-watch';
import { TriggerResolver } from './core/resolve-trigger';
import { triggerLimits } from './config/schema';
import { GrpcHealth } from './grpc/health';
import { loadExternalScalerPackage } from './grpc/load-proto';
import { addReflection } from './grpc/reflection';
import { createServerCredentials } from './grpc/server-credentials';
import { Readiness } from './health/readiness';
import { createHttpServer } from './http/http-server';
import { createExternalScalerService } from './scaler/service';
import { OpenStreams } from './scaler/streams';
import { createAlertmanagerHandler } from './push/alertmanager-webhook';
import { WatcherHub } from './push/watcher-hub';
import { SecretFile } from './sources/secret-file';
import { QueryGateway } from './sources/query-gateway';
import { SourceRegistry } from './sources/source-registry';
import { ResultCache } from './cache/result-cache';
import type { Logger } from './telemetry/logger';
import { createLogger } from './telemetry/logger';
import type { Metrics } from './telemetry/metrics';
import type { MetricsRegistry } from './telemetry/scaler-metrics';
import { ScalerMetrics } from './telemetry/scaler-metrics';
import { registerBuildInfo } from './telemetry/build-info';
import { packageVersion } from './version';

export interface App {
  /** Binds both ports; resolves with the bound ports (useful with port 0 in tests). */
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /** Ends streams with OK, lets unary calls finish, closes ports and pools. Idempotent. */
  stop(): Promise<void>;
  readonly logger: Logger;
  /** The scaler's metrics registry (tests read single metrics from it). */
  readonly registry: MetricsRegistry;
}

export interface AppOptions {
  logger?: Logger;
  /** How long a query must keep returning nothing before its debug diagnosis (ms; tests). */
  emptyDiagnosisAfterMs?: number;
}

/** How often gRPC health follows readiness (ms); kubelet probes every few seconds. */
const HEALTH_SYNC_MS = 1000;

/** The scaler without its servers: what `check` runs, so it answers exactly as `serve` does. */
export interface Core {
  sources: SourceRegistry;
  resolver: TriggerResolver;
  gateway: QueryGateway;
  cache: ResultCache;
  evaluator: Evaluator;
}

export function createCore(
  config: ServerConfig,
  logger: Logger,
  metrics: Metrics,
  options: Pick<AppOptions, 'emptyDiagnosisAfterMs'> = {},
): Core {
  const sources = new SourceRegistry(config);
  const resolver = new TriggerResolver(sources, triggerLimits(config));
  const gateway = new QueryGateway({
    breaker: config.breaker,
    maxResponseBytes: config.maxResponseBytes,
    metrics,
  });
  const cache = new ResultCache(config.cache);
  metrics.observeCacheEntries(() => cache.size);
  // At debug level, a query that keeps returning nothing is diagnosed once and logged.
  const emptyWatch = logger.isLevelEnabled('debug')
    ? new EmptyResultWatch({ logger, keepsEmptyMs: options.emptyDiagnosisAfterMs })
    : undefined;
  const evaluator = new Evaluator({
    cache,
    cacheConfig: config.cache,
    gateway,
    metrics,
    logger,
    ...(emptyWatch === undefined
      ? {}
      : {
          onResult: (trigger, query, result) =>
            emptyWatch.observe(
              trigger.source,
              trigger.metricName,
              query,
              result,
              trigger.spec.customHeaders,
            ),
        }),
  });
  return { sources, resolver, gateway, cache, evaluator };
}

export function createApp(config: ServerConfig, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new ScalerMetrics();
  const { registry } = metrics;
  registerBuildInfo(registry, packageVersion());
  const { sources, resolver, gateway, cache, evaluator } = createCore(
    config,
    logger,
    metrics,
    options,
  );
  const streams = new OpenStreams();
  const hub = new WatcherHub({
    evaluator,
    logger,
    metrics,
    defaultIntervalMs: config.push.activationIntervalMs,
  });
  const { service } = loadExternalScalerPackage();

  const grpcServer = new grpc.Server();
  grpcServer.addService(
    service,
    createExternalScalerService({ logger, metrics, resolver, evaluator, streams, hub }),
  );
  const health = new GrpcHealth();
  health.addToServer(grpcServer);
  if (config.reflection) addReflection(grpcServer);
  let healthTimer: NodeJS.Timeout | undefined;
  const readiness = new Readiness({
    gateway,
    cache,
    sources: () => sources.configured,
    windowMs: config.cache.maxStalenessMs,
  });
  const httpServer: HttpServer = createHttpServer({
    metrics,
    alertmanager: createAlertmanagerHandler({
      hub,
      token:
        config.push.alertmanagerTokenFile === undefined
          ? undefined
          : new SecretFile(config.push.alertmanagerTokenFile),
      maxBodyBytes: config.push.alertmanagerMaxBodyBytes,
      metrics,
      logger,
    }),
    readiness: () => readiness.checkAndProbe(),
  });
  let stopping: Promise<void> | undefined;

  const start = async (): Promise<{ grpcPort: number; httpPort: number }> => {
    const { credentials, ready } = createServerCredentials(config.tls);
    await ready;
    const grpcPort = await new Promise<number>((resolve, reject) => {
      grpcServer.bindAsync(config.grpcAddress, credentials, (err, port) =>
        err
          ? reject(new Error(`cannot listen on ${config.grpcAddress}: ${err.message}`))
          : resolve(port),
      );
    });
    const httpPort = await listenHttp(httpServer, config.httpAddress);
    readiness.serving = true;
    const syncHealth = (): void => health.set(true, readiness.checkAndProbe() === undefined);
    syncHealth();
    healthTimer = setInterval(syncHealth, HEALTH_SYNC_MS);
    healthTimer.unref();
    logger.info(
      { version: packageVersion(), grpcPort, httpPort, sources: config.sources.map(s => s.name) },
      'keda-prometheus-scaler serving',
    );
    return { grpcPort, httpPort };
  };

  /**
   * Graceful stop (issue 5 order): health NOT_SERVING, a delay while calls are still served so
   * endpoints can update, new calls refused, streams ended with OK (KEDA reconnects after 2 s
   * instead of backing off, keda.md 2.9), unary calls in flight given the grace period.
   */
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(healthTimer);
      readiness.serving = false;
      health.set(false, false);
      await new Promise(resolve => setTimeout(resolve, config.shutdown.delayMs));
      readiness.stop();
      await new Promise<void>(resolve => {
        const force = setTimeout(() => {
          logger.warn({ graceMs: config.shutdown.graceMs }, 'grace period over; closing calls');
          grpcServer.forceShutdown();
          resolve();
        }, config.shutdown.graceMs);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
        streams.endAll();
      });
      await new Promise<void>(resolve => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      hub.close();
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
