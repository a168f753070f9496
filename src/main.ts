#!/usr/bin/env node
// Process entry: parse the command line, load the configuration, run until a signal.
import { createApp } from './app';
import { COMMANDS, nameOrigins, parseServeOptions, usage } from './cli/serve-options';
import { helpHint } from './cli/command-args';
import { runCheck } from './cli/check-command';
import { runSimulate } from './cli/simulate-command';
import { ConfigError, loadConfig } from './config/load-config';
import { didYouMean } from './util/did-you-mean';
import { packageVersion } from './version';

const io = {
  out: (text: string): void => void process.stdout.write(text),
  err: (text: string): void => void process.stderr.write(text),
};

/** Exit codes documented in `--help`. */
const EXIT_OK = 0;
const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

async function serve(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseServeOptions(argv, process.env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${helpHint('serve')}\n`);
    return EXIT_USAGE;
  }
  if (options.help) {
    process.stdout.write(usage());
    return EXIT_OK;
  }
  let config;
  try {
    config = loadConfig(options.overrides);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${nameOrigins(e, options.origins).message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  const app = createApp(config);
  await app.start();
  await new Promise<void>(resolve => {
    const onSignal = (signal: NodeJS.Signals): void => {
      app.logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await app.stop();
  return EXIT_OK;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'check':
      return runCheck(rest, process.env, io);
    case 'simulate':
      return runSimulate(rest, process.env, io);
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT_OK;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(usage());
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    default: {
      const guess = didYouMean(command, [...COMMANDS.map(([name]) => name), '--version', '--help']);
      process.stderr.write(
        `unknown command "${command}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}\n` +
          `run "keda-prometheus-scaler --help" for the commands\n`,
      );
      return EXIT_USAGE;
    }
  }
}

if (require.main === module) {
  // A rejection that escapes is a bug: log it and exit non-zero rather than hang half-started.
  process.on('unhandledRejection', reason => {
    process.stderr.write(`unhandled rejection: ${String(reason)}\n`);
    process.exit(EXIT_RUNTIME);
  });
  main(process.argv.slice(2)).then(
    code => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(EXIT_RUNTIME);
    },
  );
}
