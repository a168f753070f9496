// The one declaration of the server configuration: the root of the TypeBox JSON Schema (each
// section is declared in its own *-schema.ts file beside this one), the types derived from it and
// DEFAULTS. The loader, config.schema.json and the chart's values.schema.json derive from it.
import { Type } from '@sinclair/typebox';
import type { Out } from './schema-reader';
import { always, defaultsOf, leaf, named, reader, section } from './schema-reader';
import { address, duration, flag, mebibytes } from './schema-fields';
import { Source } from './source-schema';
import { AllowedAddresses } from './allowed-addresses-schema';
import { Breaker, Cache } from './upstream-schema';
import { Connections, GrpcTls, Shutdown } from './listener-schema';
import { Push } from './push-schema';

export { checkHttpUrl } from './schema-fields';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The source defined by `--prometheus-url` / SCALER_PROMETHEUS_URL: the same name as deploy/'s
 * one source, so a trigger written against a local scaler (`source: prometheus`) works in the
 * cluster unchanged.
 */
export const CLI_SOURCE_NAME = 'prometheus';

/** The whole configuration file. */
export const ConfigSchema = section(
  {
    /** KEDA's external-scaler e2e tests and docs use port 6000 for gRPC. */
    grpcAddress: address({ default: '0.0.0.0:6000', description: 'gRPC listen address.' }),
    httpAddress: address({
      default: '0.0.0.0:8080',
      description: 'Serves /metrics, /healthz and /readyz.',
    }),
    logLevel: always(
      leaf(
        Type.Union(
          LOG_LEVELS.map(l => Type.Literal(l)),
          { default: 'info', description: 'Log level.' },
        ),
        reader<LogLevel>(v => {
          const level = LOG_LEVELS.find(l => typeof v === 'string' && l === v.trim());
          return level !== undefined
            ? { value: level }
            : { rule: `must be one of ${LOG_LEVELS.join(', ')}` };
        }),
      ),
    ),
    sources: always(Type.Array(Source, { default: [], description: 'The Prometheus servers.' })),
    /** Empty by default: metadata never picks an arbitrary URL (kedacore/keda#7697). */
    allowedServerAddresses: AllowedAddresses,
    /** One number is tiny; 8 MiB leaves room for large multi-series results. */
    maxResponseBytes: mebibytes({
      defaultMiB: 8,
      description: 'Largest Prometheus response body accepted (bytes).',
    }),
    /** Prometheus's own --query.timeout is 2m; a scaler query slower than 30 s is useless. */
    maxTimeout: named(
      'maxTimeoutMs',
      duration({ default: '30s', description: 'Upper bound for a trigger timeout.' }),
    ),
    /**
     * KEDA ignores metadata keys it does not know (a typo scales on a default); here they are
     * refused unless a cluster chooses to run unmigrated manifests first (docs/migrate.md).
     */
    unknownMetadataKeys: always(
      leaf(
        Type.Union([Type.Literal('refuse'), Type.Literal('warn')], {
          default: 'refuse',
          description:
            'What a trigger metadata key that is neither known nor a near-miss of a known key does: `refuse` (INVALID_ARGUMENT) or `warn` (ignored, logged once per trigger, counted in keda_prometheus_scaler_metadata_warnings_total). A misspelled key is refused either way.',
        }),
        reader<'refuse' | 'warn'>(v =>
          v === 'refuse' || v === 'warn' ? { value: v } : { rule: 'must be refuse or warn' },
        ),
      ),
    ),
    cache: Cache,
    breaker: Breaker,
    tls: GrpcTls,
    reflection: flag({
      default: true,
      description: 'Serve gRPC server reflection (grpcurl, buf curl).',
    }),
    shutdown: Shutdown,
    push: Push,
    connections: Connections,
  },
  { description: 'The keda-prometheus-scaler configuration file.' },
);

export type ServerConfig = Out<typeof ConfigSchema>;
export type SourceConfig = ServerConfig['sources'][number];
export type CacheConfig = ServerConfig['cache'];
export type GrpcTlsConfig = NonNullable<ServerConfig['tls']>;

/** Every setting at its default (no sources, no gRPC TLS). */
export const DEFAULTS: ServerConfig = defaultsOf(ConfigSchema);

/** The caps a trigger's metadata may not exceed, from a configuration (ms). */
export function triggerLimits(
  config: Pick<ServerConfig, 'maxTimeoutMs' | 'cache' | 'push'> &
    Partial<Pick<ServerConfig, 'unknownMetadataKeys'>>,
) {
  return {
    unknownKeys: config.unknownMetadataKeys ?? 'refuse',
    maxTimeoutMs: config.maxTimeoutMs,
    maxCacheTtlMs: config.cache.ttlLimitMs,
    maxStalenessLimitMs: config.cache.maxStalenessLimitMs,
    minActivationIntervalMs: config.push.minActivationIntervalMs,
  };
}

/** The source schema, for a source made from a URL alone (`--prometheus-url`, the allowlist). */
export const SOURCE_SCHEMA = Source;
