// `serve` flags and their SCALER_* environment variables → config overrides (flags win), and the
// program's top-level help.
import type { ConfigOverrides } from '../config/load-config';
import { ConfigError } from '../config/load-config';
import type { CommandSpec } from './command-args';
import { PROGRAM, flagHelp, parseFlags } from './command-args';

/** Each flag, its environment variable and the config override it sets. */
const SERVE_FLAG_TABLE = [
  {
    name: 'config',
    arg: 'FILE',
    env: 'SCALER_CONFIG',
    key: 'configFile',
    help: "YAML configuration file (sources, allowlist, limits); several separated by ':' are merged in order",
  },
  {
    name: 'grpc-address',
    arg: 'HOST:PORT',
    env: 'SCALER_GRPC_ADDRESS',
    key: 'grpcAddress',
    help: 'gRPC listen address (default 0.0.0.0:6000)',
  },
  {
    name: 'http-address',
    arg: 'HOST:PORT',
    env: 'SCALER_HTTP_ADDRESS',
    key: 'httpAddress',
    help: '/metrics, /healthz, /readyz (default 0.0.0.0:8080)',
  },
  {
    name: 'prometheus-url',
    arg: 'URL',
    env: 'SCALER_PROMETHEUS_URL',
    key: 'prometheusUrl',
    help: 'define the source "prometheus" at this URL',
  },
  {
    name: 'log-level',
    arg: 'LEVEL',
    env: 'SCALER_LOG_LEVEL',
    key: 'logLevel',
    help: 'trace|debug|info|warn|error|fatal|silent (default info)',
  },
] as const satisfies readonly {
  name: string;
  arg: string;
  env: string;
  key: keyof ConfigOverrides;
  help: string;
}[];

export const SERVE_COMMAND: CommandSpec<typeof SERVE_FLAG_TABLE> = {
  name: 'serve',
  synopsis: '[flags]',
  description: `  Runs the gRPC scaler. A flag wins over its environment variable, which wins over the file.
  Exit codes: 0 stopped by SIGTERM/SIGINT, 1 failed while running, 2 invalid flags or config.
`,
  flags: SERVE_FLAG_TABLE,
};

/** Where each override came from ("--log-level" or "SCALER_LOG_LEVEL"), to name it in errors. */
export type OverrideOrigins = Partial<Record<keyof ConfigOverrides, string>>;

export type ServeOptions =
  { help: true } | { help: false; overrides: ConfigOverrides; origins: OverrideOrigins };

/** @throws {@link UsageError} for unknown flags or missing values. */
export function parseServeOptions(argv: string[], env: NodeJS.ProcessEnv): ServeOptions {
  const values = parseFlags(argv, SERVE_FLAG_TABLE);
  if (values.help === true) return { help: true };
  const overrides: ConfigOverrides = {};
  const origins: OverrideOrigins = {};
  for (const flag of SERVE_FLAG_TABLE) {
    const fromFlag = values[flag.name];
    const fromEnv = env[flag.env];
    if (fromFlag !== undefined) {
      overrides[flag.key] = fromFlag;
      origins[flag.key] = `--${flag.name}`;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      overrides[flag.key] = fromEnv;
      origins[flag.key] = flag.env;
    }
  }
  return { help: false, overrides, origins };
}

/**
 * The same problems, each naming the flag or variable the user set rather than the config key
 * it maps to: "--log-level: must be one of ..." when --log-level was passed, not "logLevel: ...".
 */
export function nameOrigins(error: ConfigError, origins: OverrideOrigins): ConfigError {
  const prefixes: [string, string][] = [];
  for (const flag of SERVE_FLAG_TABLE) {
    const origin = origins[flag.key];
    if (origin === undefined) continue;
    prefixes.push([`${flag.key}:`, `${origin}:`]);
    // load-config names the URL override by its flag; an environment variable is renamed too.
    if (flag.key === 'prometheusUrl') prefixes.push(['--prometheus-url:', `${origin}:`]);
  }
  return new ConfigError(
    error.problems.map(problem => {
      const hit = prefixes.find(([from]) => problem.startsWith(from));
      return hit === undefined ? problem : hit[1] + problem.slice(hit[0].length);
    }),
  );
}

/** The commands, for the top-level help and "did you mean" on an unknown command. */
export const COMMANDS = [
  ['serve', '[flags]', 'run the gRPC scaler (serve --help)'],
  ['check', '...', 'dry-run a trigger against Prometheus (check --help)'],
  ['simulate', '...', 'replay history through KEDA and the HPA (simulate --help)'],
  ['migrate', 'FILE...', 'convert built-in prometheus triggers (migrate --help)'],
  ['version', '', 'print the version (also --version)'],
  ['help', '', 'this text (also --help)'],
] as const;

export function usage(): string {
  const commands = COMMANDS.map(([name, args, help]) =>
    // At least one space between a long synopsis and its help (migrate FILE... fills 40).
    `  ${PROGRAM} ${name} ${args}`.padEnd(39).concat(' ', help),
  ).join('\n');
  return `${PROGRAM}: a KEDA external scaler (gRPC) answered from Prometheus

Usage:
${commands}

Flags for serve (a flag wins over its environment variable, which wins over the file):
${flagHelp(SERVE_FLAG_TABLE)}

KEDA trigger (type: external or external-push):
  metadata:
    scalerAddress: keda-prometheus-scaler.keda:6000
    query: sum(rate(http_requests_total[1m]))
    threshold: "100"

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 failed while running, 2 invalid flags or config.
`;
}
