// Composition root: builds every part from the configuration, binds the ports, and stops them in
// order. No scaling logic lives here.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { ServerConfig } from './config/schema';
import type { GrpcListener } from './grpc/capped-listener';
import { listenGrpc } from './grpc/capped-listener';
import { GrpcHealth } from './grpc/health';
import { loadExternalScalerPackage } from './grpc/load-proto';
import { createServerCredentials } from './grpc/server-credentials';
import { Readiness } from './health/readiness';
import type { HttpLimits } from './http/http-server';
import { createHttpServer, listenHttp } from './http/http-server';
import { clientIdentityInterceptor } from './scaler/client-identity-interceptor';
import { MAX_REQUEST_MESSAGE_BYTES } from './scaler/message-limit';
import { guardMetadataEntries } from './scaler/metadata-entry-guard';
import { createExternalScalerService } from './scaler/service';
import { OpenStreams } from './scaler/streams';
import { createAlertmanagerHandler } from './push/alertmanager-webhook';
import { PeerAddresses } from './push/peer-addresses';
import { PeerForwarder } from './push/peer-forwarder';
import { SeenBatches } from './push/seen-batches';
import { WatcherHub } from './push/watcher-hub';
import { SecretFile } from './sources/secret-file';
import type { Logger } from './telemetry/logger';
import { createLogger } from './telemetry/logger';
import type { CoreOptions } from './core/create-core';
import { createCore } from './core/create-core';
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

export interface AppOptions extends CoreOptions {
  logger?: Logger;
  /** An HTTP server already listening on config.httpAddress (`serve` binds it first thing). */
  httpServer?: HttpServer;
  /** Replaces some of GRPC_SERVER_OPTIONS (tests shorten the idle timeout). */
  grpcServerOptions?: grpc.ServerOptions;
  /** Replaces some of HTTP_LIMITS (tests shorten the timeouts). */
  httpLimits?: Partial<HttpLimits>;
  /** Replaces TLS_HANDSHAKE_TIMEOUT_MS (tests shorten it). */
  tlsHandshakeTimeoutMs?: number;
  /** This pod's IP (POD_IP from the downward API): skipped among the DNS peers. */
  podIp?: string | undefined;
}

// bench/resources.ts imports createCore from here; it lives in core/create-core.ts now.
export { createCore };

/** How often gRPC health follows readiness (ms); kubelet probes every few seconds. */
const HEALTH_SYNC_MS = 1000;

/**
 * Alert batch ids remembered (count, ms). A forward arrives within push.peerTimeout of its batch,
 * so a minute covers any late duplicate; 10,000 ids (about 1 MB) outlast any alert storm's minute.
 */
const SEEN_BATCHES = { maxIds: 10_000, ttlMs: 60_000 };

/**
 * Connection bounds on the gRPC port (grpc-js channel arguments), so idle or half-open
 * connections cannot hold descriptors forever. KEDA keeps one connection per scaler address and
 * calls it at least every polling interval (30 s by default), so 5 minutes idle is never hit
 * by a live KEDA; a closed idle connection is simply redialled.
 */
export const GRPC_SERVER_OPTIONS: grpc.ServerOptions = {
  /** A connection with no open call for this long gets GOAWAY and is closed (ms). Without TLS
   * this also ends a TCP connection that never sends (all of) the HTTP/2 preface. */
  'grpc.max_connection_idle_ms': 300_000,
  /** The server pings an idle-looking connection this often (ms)… */
  'grpc.keepalive_time_ms': 60_000,
  /** …and closes it when the ping is not answered within this (ms): dead peers go. */
  'grpc.keepalive_timeout_ms': 20_000,
  /** Larger request messages are refused with RESOURCE_EXHAUSTED from their length prefix, before
   * any byte is decoded (grpc-js stream-decoder.js): the metadata bounds allow no more. */
  'grpc.max_receive_message_length': MAX_REQUEST_MESSAGE_BYTES,
  /** Off: with channelz on (grpc-js's default) every call gets a tracker object with four
   * closures, kept as long as a stream is open, and counters updated per message (grpc-js
   * server.ts _channelzHandler); nothing here serves the channelz service that would read them. */
  'grpc.enable_channelz': 0,
};

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
  const streams = new OpenStreams(config.push);
  const hub = new WatcherHub({
    evaluator,
    logger,
    metrics,
    defaultIntervalMs: config.push.activationIntervalMs,
  });
  const { service } = loadExternalScalerPackage();

  const allowedClientNames = config.tls?.allowedClientNames ?? [];
  const grpcServer = new grpc.Server({
    ...GRPC_SERVER_OPTIONS,
    ...options.grpcServerOptions,
    // grpc-js >= 1.10 runs server interceptors before any handler, reflection and health included.
    ...(allowedClientNames.length === 0
      ? {}
      : { interceptors: [clientIdentityInterceptor(allowedClientNames, logger)] }),
  });
  const tlsCredentials = createServerCredentials(
    config.tls,
    {
      onReloadFailed: (files, error) => {
        metrics.tlsReloadFailed();
        logger.error(
          { files, error },
          'TLS files reload refused; the previous certificate keeps serving',
        );
      },
    },
    options.tlsHandshakeTimeoutMs,
  );
  grpcServer.addService(
    // A map with more entries than the metadata bounds allow is refused without being decoded.
    guardMetadataEntries(service),
    createExternalScalerService({ logger, metrics, resolver, evaluator, streams, hub }),
  );
  const health = new GrpcHealth();
  health.addToServer(grpcServer);
  let healthTimer: NodeJS.Timeout | undefined;
  const readiness = new Readiness({
    gateway,
    cache,
    sources: () => sources.configured,
    windowMs: config.cache.maxStalenessMs,
  });
  const webhookToken =
    config.push.alertmanagerTokenFile === undefined
      ? undefined
      : new SecretFile(config.push.alertmanagerTokenFile);
  if (webhookToken !== undefined && !existsSync(webhookToken.path)) {
    // loadConfig admits a token file not written yet (an absent optional Secret); say so once.
    logger.warn(
      { file: webhookToken.path },
      'push.alertmanagerTokenFile does not exist yet: the Alertmanager webhook answers 503 until it does (re-read, no restart)',
    );
  }
  const instanceId = randomUUID();
  const forwarder =
    config.push.peers === undefined || webhookToken === undefined
      ? undefined
      : new PeerForwarder({
          addresses: new PeerAddresses(config.push.peers),
          instanceId,
          token: () => webhookToken.read(),
          timeoutMs: config.push.peerTimeoutMs,
          podIp: options.podIp,
          metrics,
          logger,
        });
  const httpServer: HttpServer = createHttpServer(
    {
      metrics,
      alertmanager: createAlertmanagerHandler({
        hub,
        token: webhookToken,
        maxBodyBytes: config.push.alertmanagerMaxBodyBytes,
        metrics,
        logger,
        instanceId,
        seen: new SeenBatches(SEEN_BATCHES),
        forwarder,
      }),
      limits: {
        maxConnections: config.connections.httpMax,
        maxConnectionsPerClient: config.connections.httpMaxPerClient,
        ...options.httpLimits,
      },
      notReadyReason: () => readiness.notReadyReason(),
      staleReason: () => readiness.checkAndProbe(),
      warnings: () => {
        const problem = tlsCredentials.reloadProblem();
        return problem === undefined
          ? []
          : [`TLS reload refused, previous files serving: ${problem}`];
      },
    },
    options.httpServer,
  );
  let stopping: Promise<void> | undefined;
  let grpcListener: GrpcListener | undefined;

  const start = async (): Promise<{ grpcPort: number; httpPort: number }> => {
    // HTTP first: /healthz answers (and /readyz says why not yet) while TLS files are awaited.
    const httpPort = httpServer.listening
      ? (httpServer.address() as AddressInfo).port
      : await listenHttp(httpServer, config.httpAddress);
    // Its own address, skipped among the peers (the host as configured: 0.0.0.0 matches none).
    forwarder?.addSelf({
      host: config.httpAddress
        .slice(0, config.httpAddress.lastIndexOf(':'))
        .replace(/^\[|\]$/g, ''),
      port: httpPort,
    });
    let grpcPort: number;
    // grpc-js prints its own errors to stderr ("E No address added out of total 1 resolved")
    // before the bind callback reports them: what it says reaches us as errors, so its log goes
    // to ours at debug (GRPC_VERBOSITY still chooses what grpc-js logs at all).
    grpc.setLogger({
      error: (message?: unknown, ...rest: unknown[]) =>
        logger.debug({ grpcJs: [message, ...rest].map(String).join(' ') }, 'grpc-js'),
    });
    try {
      const { credentials, ready } = tlsCredentials;
      await ready;
      // Our own listening socket, capped in all and per client; grpc-js serves what it admits.
      grpcListener = await listenGrpc(grpcServer, credentials, config.grpcAddress, {
        maxConnections: config.connections.grpcMax,
        maxConnectionsPerClient: config.connections.grpcMaxPerClient,
      });
      grpcPort = grpcListener.port;
      // Reflection (about 30 ms of descriptor building here) is loaded only now that the port is
      // bound (grpc-js accepts services added after bind), so connections queue meanwhile instead of
      // being refused; the log line below still means "everything is served".
      if (config.reflection) (await import('./grpc/reflection')).addReflection(grpcServer);
    } catch (e) {
      grpcListener?.close();
      grpcServer.forceShutdown();
      httpServer.close();
      throw e;
    }
    readiness.serving = true;
    const syncHealth = (): void =>
      health.set({ alive: true, serving: true, fresh: readiness.checkAndProbe() === undefined });
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
   * Graceful stop, in this order: health NOT_SERVING, a delay while calls are still served so
   * endpoints can update, new calls refused, streams ended with OK (KEDA reconnects after 2 s
   * instead of backing off: KEDA pkg/scalers/external_scaler.go, runStreamIsActive), unary calls in
   * flight given the grace period.
   */
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(healthTimer);
      readiness.serving = false;
      health.set({ alive: false, serving: false, fresh: false });
      await new Promise(resolve => setTimeout(resolve, config.shutdown.delayMs));
      readiness.stop();
      grpcListener?.close();
      await new Promise<void>(resolve => {
        const force = setTimeout(() => {
          logger.warn({ graceMs: config.shutdown.graceMs }, 'grace period over; closing calls');
          grpcServer.forceShutdown();
          resolve();
        }, config.shutdown.graceMs);
        // tryShutdown reports done for the connections grpc-js was handed (the capped listener's)
        // while their last frames, the streams' OK trailers among them, may still be unwritten: wait
        // until those connections have closed too, within the same grace period.
        grpcServer.tryShutdown(() => {
          void (grpcListener?.drained() ?? Promise.resolve()).then(() => {
            clearTimeout(force);
            resolve();
          });
        });
        streams.endAll();
      });
      await new Promise<void>(resolve => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      forwarder?.close();
      hub.close();
      cache.close();
      tlsCredentials.close();
      await sources.close();
      logger.info('keda-prometheus-scaler stopped');
    })();
    return stopping;
  };

  return { start, stop, logger, registry };
}
