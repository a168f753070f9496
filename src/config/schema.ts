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
  /** Keep-alive connections to this source. */
  maxConnections: number;
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
  maxConnections: 8,
  /** An instant query for one number is tiny; 8 MiB leaves room for large multi-series results. */
  maxResponseBytes: 8 * 1024 * 1024,
  /** Prometheus's own --query.timeout default is 2m; a scaler query slower than 30s is useless. */
  maxTimeoutMs: 30_000,
} as const;

/** The source defined by `--prometheus-url` / SCALER_PROMETHEUS_URL. */
export const CLI_SOURCE_NAME = 'default';
