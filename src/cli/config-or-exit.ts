// The configuration a command runs against (--config and/or --prometheus-url), or its error
// printed and the exit code for bad input: the set-up `check` and `migrate --verify` share.
import { ConfigError } from '../config/load-config';
import type { CommandConfig } from './cli-config';
import { commandConfig } from './cli-config';
import type { CommandIo } from './command-args';

/** Exit code 2: the configuration is bad input, and its message says which key and why. */
export function configOrExit(
  options: { config?: string | undefined; 'prometheus-url'?: string | undefined },
  env: NodeJS.ProcessEnv,
  io: CommandIo,
): CommandConfig | { exit: 2 } {
  try {
    return commandConfig(options, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return { exit: 2 };
    }
    throw e;
  }
}
