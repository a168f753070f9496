// The server configuration for the `check` and `simulate` commands (--config and/or
// --prometheus-url, the same sources as `serve`), their shared flags, and how they print a
// failure the server would have returned.
import { loadConfig } from '../config/load-config';
import type { ServerConfig } from '../config/schema';
import type { ScalerError } from '../errors';
import { grpcStatusName, toGrpcStatus } from '../scaler/grpc-status';
import type { ChoiceWords } from '../manifest/manifest-error';
import { ManifestError } from '../manifest/manifest-error';
import { CliError, EXIT_USAGE } from './cli-error';
import type { FlagSpec } from './command-args';
import { redactUrl } from '../util/url-rules';

/** Flags that choose the ScaledObject, its trigger and the Prometheus that answers. */
export const SOURCE_FLAGS = [
  {
    name: 'scaledobject',
    arg: 'FILE',
    help: 'a ScaledObject YAML file (several documents allowed)',
  },
  {
    name: 'name',
    arg: 'NAME',
    help: 'the ScaledObject to use when FILE holds several (metadata.name)',
  },
  {
    name: 'trigger',
    arg: 'N',
    help: 'which trigger (0-based) when the ScaledObject has several',
  },
  {
    name: 'config',
    arg: 'FILE',
    env: 'SCALER_CONFIG',
    help: "the scaler's YAML configuration (its sources); several files separated by ':'",
  },
  {
    name: 'prometheus-url',
    arg: 'URL',
    env: 'SCALER_PROMETHEUS_URL',
    help: 'a local Prometheus (a port-forward); answers in-cluster serverAddress/source',
  },
] as const satisfies readonly FlagSpec[];

/** A manifest error's choices named by the flags above that make them. */
export const SCALEDOBJECT_FLAG_WORDS: ChoiceWords = {
  file: '--scaledobject',
  name: '--name',
  triggerIndex: '--trigger',
  pickOne: '--name NAME',
};

/**
 * A ManifestError as the CliError that prints it, its choices named by their flags (exit 2, with
 * the help hint); anything else as it is.
 */
export function withFlagNames(e: unknown): unknown {
  return e instanceof ManifestError
    ? new CliError(e.describe(SCALEDOBJECT_FLAG_WORDS), EXIT_USAGE, true)
    : e;
}

export interface CommandConfig {
  config: ServerConfig;
  /** Whether --prometheus-url (or its variable) defined the source "prometheus". */
  prometheusUrlGiven: boolean;
  /** Whether --config (or SCALER_CONFIG) named the sources, so a `source:` can be checked. */
  configFileGiven: boolean;
}

/** The configuration file given with --config or SCALER_CONFIG (an empty variable is unset). */
export function configFileOf(
  options: { config?: string | undefined },
  env: NodeJS.ProcessEnv,
): string | undefined {
  return options.config ?? (env['SCALER_CONFIG'] || undefined);
}

/** @throws {@link ConfigError} */
export function commandConfig(
  options: { config?: string | undefined; 'prometheus-url'?: string | undefined },
  env: NodeJS.ProcessEnv,
): CommandConfig {
  const prometheusUrl = options['prometheus-url'] ?? (env['SCALER_PROMETHEUS_URL'] || undefined);
  const configFile = configFileOf(options, env);
  return {
    config: loadConfig({ configFile, prometheusUrl, logLevel: 'silent' }),
    prometheusUrlGiven: prometheusUrl !== undefined,
    configFileGiven: configFile !== undefined,
  };
}

/**
 * "UNAVAILABLE: source "prometheus" (http://127.0.0.1:9) is unreachable (ECONNREFUSED)": the status
 * KEDA would see and the server's message, plus the source's URL (without credentials), which
 * is what a user needs to spot a wrong port. The server leaves URLs out of what it sends.
 */
export function describeFailure(e: ScalerError, config?: ServerConfig): string {
  const st = toGrpcStatus(e);
  let details = st.details;
  const source = config?.sources.find(s => s.name === e.source);
  if (source !== undefined) {
    const named = `source "${source.name}"`;
    details = details.includes(named)
      ? details.replace(named, `${named} (${redactUrl(source.url)})`)
      : `${details} (source "${source.name}" at ${redactUrl(source.url)})`;
  }
  return `${grpcStatusName(st.code)}: ${details}`;
}
