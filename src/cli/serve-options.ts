// `serve` flags and their SCALER_* environment variables → config overrides (flags win).
import { parseArgs } from 'node:util';
import type { ConfigOverrides } from '../config/load-config';

/** Each flag, its environment variable and its help line; the help text is built from this. */
export const SERVE_FLAGS = [
  ['config', 'SCALER_CONFIG', 'FILE', 'YAML configuration file (sources, allowlist, limits)'],
  [
    'grpc-address',
    'SCALER_GRPC_ADDRESS',
    'HOST:PORT',
    'gRPC listen address (default 0.0.0.0:6000)',
  ],
  [
    'http-address',
    'SCALER_HTTP_ADDRESS',
    'HOST:PORT',
    '/metrics, /healthz, /readyz (default 0.0.0.0:8080)',
  ],
  ['prometheus-url', 'SCALER_PROMETHEUS_URL', 'URL', 'define the source "default" at this URL'],
  [
    'log-level',
    'SCALER_LOG_LEVEL',
    'LEVEL',
    'trace|debug|info|warn|error|fatal|silent (default info)',
  ],
] as const;

export type ServeOptions = { help: true } | { help: false; overrides: ConfigOverrides };

/** @throws Error with a usage message for unknown flags or missing values. */
export function parseServeOptions(argv: string[], env: NodeJS.ProcessEnv): ServeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(SERVE_FLAGS.map(([flag]) => [flag, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return { help: true };
  const pick = (flag: string, envName: string): string | undefined => {
    const fromFlag = (values as Record<string, unknown>)[flag];
    if (typeof fromFlag === 'string') return fromFlag;
    const fromEnv = env[envName];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  return {
    help: false,
    overrides: {
      configFile: pick('config', 'SCALER_CONFIG'),
      grpcAddress: pick('grpc-address', 'SCALER_GRPC_ADDRESS'),
      httpAddress: pick('http-address', 'SCALER_HTTP_ADDRESS'),
      prometheusUrl: pick('prometheus-url', 'SCALER_PROMETHEUS_URL'),
      logLevel: pick('log-level', 'SCALER_LOG_LEVEL'),
    },
  };
}

export function usage(): string {
  const flags = SERVE_FLAGS.map(
    ([flag, envName, arg, help]) =>
      `  --${flag} ${arg}`.padEnd(34) + `${help}\n${' '.repeat(34)}env: ${envName}`,
  ).join('\n');
  return `keda-prometheus-scaler: a KEDA external scaler (gRPC) answered from Prometheus

Usage:
  keda-prometheus-scaler serve [flags]    run the gRPC scaler
  keda-prometheus-scaler check ...        dry-run a trigger against Prometheus (check --help)
  keda-prometheus-scaler simulate ...     replay history through KEDA and the HPA (simulate --help)
  keda-prometheus-scaler --help           this text

Flags for serve (a flag wins over its environment variable, which wins over the file):
${flags}
  -h, --help                      this text

KEDA trigger (type: external or external-push):
  metadata:
    scalerAddress: keda-prometheus-scaler.keda:6000
    query: sum(rate(http_requests_total[1m]))
    threshold: "100"

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 failed while running, 2 invalid flags or config.
`;
}
