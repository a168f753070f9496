// The scaler without its servers: sources, trigger resolution, the query gateway, the result cache
// and the evaluator, built from the configuration. `serve` (src/app.ts) and the CLI's `check` and
// `migrate --verify` build it the same way, so a command answers exactly as the server does without
// loading the server's composition root (gRPC, HTTP, push).
import type { ServerConfig } from '../config/schema';
import { triggerLimits } from '../config/schema';
import { ResultCache } from '../cache/result-cache';
import { EmptyResultWatch } from '../diagnose/empty-watch';
import { QueryGateway } from '../sources/query-gateway';
import { SourceRegistry } from '../sources/source-registry';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { Evaluator } from './evaluate';
import { TRIGGER_MEMO_MAX_ENTRIES, TriggerResolver } from './resolve-trigger';

export interface CoreOptions {
  /** How long a query must keep returning nothing before its debug diagnosis (ms; tests). */
  emptyDiagnosisAfterMs?: number;
}

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
  options: CoreOptions = {},
): Core {
  const sources = new SourceRegistry(config);
  const resolver = new TriggerResolver(
    sources,
    triggerLimits(config),
    { maxEntries: TRIGGER_MEMO_MAX_ENTRIES, maxBytes: config.cache.triggerMemoMaxBytes },
    logger,
    metrics,
  );
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
