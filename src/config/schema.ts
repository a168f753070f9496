// The server configuration's types and defaults; every number says where it comes from.

/** TLS settings for talking to a Prometheus-compatible source over https. */
export interface SourceTlsConfig {
  /** PEM CA bundle that signs the source's certificate; re-read when the file changes. */
  caFile: string | undefined;
  /** PEM client certificate for mTLS to the source; needs keyFile. */
  certFile: string | undefined;
  keyFile: string | undefined;
  /** Skip certificate verification. Only the operator can set this, never trigger metadata. */
  insecureSkipVerify: boolean;
}

/** A named Prometheus-compatible server (Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics). */
export interface SourceConfig {
  name: string;
  /** Base URL, without a trailing slash; `/api/v1/query` is appended. May carry a path prefix. */
  url: string;
  /** Static headers, e.g. X-Scope-OrgID for Mimir/Cortex. They win over trigger customHeaders. */
  headers: Readonly<Record<string, string>>;
  /** File holding a bearer token; re-read when it changes. Wins over basicAuth. */
  bearerTokenFile: string | undefined;
  basicAuth: { username: string; passwordFile: string } | undefined;
  tls: SourceTlsConfig;
  /** Default query timeout for triggers that set none (ms). */
  timeoutMs: number;
  /** Queries in flight to this source at once (also its keep-alive connections). */
  maxConcurrentQueries: number;
}

/** Cache defaults and the caps a trigger may not exceed. Durations in ms. */
export interface CacheConfig {
  ttlMs: number;
  ttlLimitMs: number;
  maxStalenessMs: number;
  maxStalenessLimitMs: number;
  maxEntries: number;
  idleRefreshMs: number;
  idleDropMs: number;
  negativeTtlMs: number;
  badQueryTtlMs: number;
}

export interface BreakerConfig {
  failureThreshold: number;
  openMs: number;
  closeAfterSuccesses: number;
}

/** TLS on the gRPC port. With a client CA, clients must present a certificate it signed (mTLS). */
export interface GrpcTlsConfig {
  certFile: string;
  keyFile: string;
  clientCaFile: string | undefined;
  /** How often the files are checked for a new certificate (ms). */
  refreshMs: number;
}

export interface ShutdownConfig {
  /** After SIGTERM: time health reports NOT_SERVING while calls are still served (ms). */
  delayMs: number;
  /** Then: time unary calls in flight get to finish before the server closes them (ms). */
  graceMs: number;
}

/** StreamIsActive and Alertmanager push. Durations in ms. */
export interface PushConfig {
  /** Default activationInterval for streams. */
  activationIntervalMs: number;
  /** The shortest activationInterval a trigger may ask for. */
  minActivationIntervalMs: number;
  /** File with the bearer token Alertmanager must send; unset disables POST /alertmanager. */
  alertmanagerTokenFile: string | undefined;
  /** Largest webhook body accepted (bytes). */
  alertmanagerMaxBodyBytes: number;
}

export interface ServerConfig {
  grpcAddress: string;
  httpAddress: string;
  logLevel: LogLevel;
  sources: readonly SourceConfig[];
  /**
   * URL patterns a trigger's `serverAddress` may name when it is not a source's URL. `*` matches
   * any run of characters except `/`. Empty by default: metadata never picks an arbitrary URL
   * (KEDA issue #7697).
   */
  allowedServerAddresses: readonly string[];
  /** Largest Prometheus response body accepted (bytes). */
  maxResponseBytes: number;
  /** Upper bound for a trigger's `timeout` (ms). */
  maxTimeoutMs: number;
  cache: CacheConfig;
  breaker: BreakerConfig;
  tls: GrpcTlsConfig | undefined;
  /** Serve gRPC server reflection (grpcurl, buf curl). */
  reflection: boolean;
  shutdown: ShutdownConfig;
  push: PushConfig;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULTS = {
  /** KEDA's e2e scaler and the docs use port 6000 for gRPC (keda.md 6). */
  grpcAddress: '0.0.0.0:6000',
  /** HTTP port for /metrics, /healthz and /readyz. */
  httpAddress: '0.0.0.0:8080',
  logLevel: 'info' as LogLevel,
  /** KEDA_HTTP_DEFAULT_TIMEOUT, the built-in trigger's default (keda.md 3.2). */
  timeoutMs: 3000,
  /** Well under Prometheus's --query.max-concurrency of 20 (anchors.md 2). */
  maxConcurrentQueries: 8,
  /** An instant query for one number is tiny; 8 MiB leaves room for large multi-series results. */
  maxResponseBytes: 8 * 1024 * 1024,
  /** Prometheus's own --query.timeout default is 2m; a scaler query slower than 30s is useless. */
  maxTimeoutMs: 30_000,
  cache: {
    /** The HPA sync period (keda.md 2.4) and Trickster's instant-query rounding (anchors.md 2). */
    ttlMs: 15_000,
    ttlLimitMs: 300_000,
    /** Rides out a Prometheus restart; kaito uses 45 s, anchors.md suggests 45 s-2 min. */
    maxStalenessMs: 60_000,
    maxStalenessLimitMs: 600_000,
    /** About 100 MB at the measured cost per key (README, "Memory"). */
    maxEntries: 100_000,
    /** Three of KEDA's default 30 s polling intervals: a key in use is asked far more often. */
    idleRefreshMs: 90_000,
    /** kaito evicts idle targets after 20 min; 10 min keeps memory for keys still in use. */
    idleDropMs: 600_000,
    /** Trickster's example negative cache for 5xx (anchors.md 2): absorbs KEDA's retry. */
    negativeTtlMs: 3000,
    /** Bad PromQL stays bad; Mimir caches such errors for minutes (anchors.md 2). */
    badQueryTtlMs: 60_000,
  },
  /** cert-manager renews long before expiry; a minute is plenty and costs three stats. */
  tlsRefreshMs: 60_000,
  reflection: true,
  shutdown: {
    /** Endpoints are updated asynchronously; 0 keeps tests and single replicas fast. */
    delayMs: 0,
    /** Long enough for a query at KEDA's 3 s timeout to finish (keda.md 2.5). */
    graceMs: 5000,
  },
  push: {
    /** Wakes a sleeping workload 6x sooner than KEDA's default 30 s pollingInterval. */
    activationIntervalMs: 5000,
    /** One query per second per distinct activation query is the most a trigger may ask. */
    minActivationIntervalMs: 1000,
    /** Alertmanager groups alerts; 1 MiB holds thousands of alerts. */
    alertmanagerMaxBodyBytes: 1024 * 1024,
  },
  /** anchors.md "suggested defaults": open after 3 failures, close after 3 good probes. */
  breaker: { failureThreshold: 3, openMs: 10_000, closeAfterSuccesses: 3 },
} as const;

/** The source defined by `--prometheus-url` / SCALER_PROMETHEUS_URL. */
export const CLI_SOURCE_NAME = 'default';
