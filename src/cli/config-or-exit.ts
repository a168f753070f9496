// The configuration a command runs against (--config and/or --prometheus-url), or a CliError with
// exit code 2 for bad input: the set-up `check`, `simulate` and `migrate --verify` share.
import { ConfigError } from '../config/load-config';
import type { CommandConfig } from './cli-config';
import { commandConfig } from './cli-config';
import { CliError, EXIT_USAGE } from './cli-error';

/** @throws {@link CliError} exit 2: the configuration is bad input; its message names the key. */
export function configOrExit(
  options: { config?: string | undefined; 'prometheus-url'?: string | undefined },
  env: NodeJS.ProcessEnv,
): CommandConfig {
  try {
    return commandConfig(options, env);
  } catch (e) {
    throw asUsageFailure(e);
  }
}

/** A ConfigError as the CliError that prints it (exit 2, no help hint); anything else as it is. */
export function asUsageFailure(e: unknown): unknown {
  return e instanceof ConfigError ? new CliError(e.message, EXIT_USAGE) : e;
}
