#!/usr/bin/env node
// Process entry: parse the command line, load the configuration, run until a signal.
// Each command's modules load only when it runs (dynamic import compiles to a lazy require): `serve`
// does not pay for check/simulate, so KEDA meets a new pod sooner (bench/startup.ts).
import { enableCompileCache } from 'node:module';
import { COMMANDS, nameOrigins, parseServeOptions, usage } from './cli/serve-options';
import type { CommandIo } from './cli/command-args';
import { helpHint } from './cli/command-args';
import { CliError, EXIT_USAGE, isCliError } from './cli/cli-error';
import { didYouMean } from './util/did-you-mean';
import { packageVersion } from './version';

// Node's on-disk compile cache (Node 22.8+): the modules loaded lazily below (the server, undici,
// prom-client, pino) are compiled from cached V8 code on the next start. It honours NODE_COMPILE_CACHE
// for the directory; on a read-only file system it reports failure and the start goes on uncached.
// https://nodejs.org/api/module.html#moduleenablecompilecachecachedir
// Only when this file is the process entry: tests import main() and keep Node's defaults.
if (require.main === module) enableCompileCache?.();

const PROCESS_IO: CommandIo = {
  out: (text: string): void => void process.stdout.write(text),
  err: (text: string): void => void process.stderr.write(text),
};

/** Exit codes documented in `--help` (cli/cli-error.ts has the failure codes). */
const EXIT_OK = 0;
const EXIT_RUNTIME = 1;

async function serve(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const options = parseServeOptions(argv, env);
  if (options.help) {
    io.out(usage());
    return EXIT_OK;
  }
  const { ConfigError, loadConfig } = await import('./config/load-config');
  let config;
  try {
    config = loadConfig(options.overrides);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new CliError(nameOrigins(e, options.origins).message, EXIT_USAGE);
  }
  // /healthz answers while the rest loads; the app then takes the server over.
  const { listenEarly } = await import('./http/http-server');
  const httpServer = await listenEarly(config.httpAddress, {
    maxConnections: config.connections.httpMax,
    maxConnectionsPerClient: config.connections.httpMaxPerClient,
  });
  const createApp = await (await import('./cli/load-serve')).loadServe();
  // POD_IP: set from the downward API (status.podIP) in deploy/; lets push.peers skip this pod.
  const app = createApp(config, { httpServer, podIp: env['POD_IP'] });
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

/**
 * Runs a command and returns its exit code. A command's expected failure (a CliError) is printed
 * here, once for every command: its message, then for bad flags and files the help hint.
 * @param stdin what `migrate -` reads (tests give it text).
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CommandIo = PROCESS_IO,
  stdin?: () => string,
): Promise<number> {
  try {
    return await run(argv, env, io, stdin);
  } catch (e) {
    if (!isCliError(e)) throw e;
    io.err(`${e.message}\n${e.withHelpHint ? `${helpHint(argv[0] ?? '')}\n` : ''}`);
    return e.exitCode;
  }
}

async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
  stdin: (() => string) | undefined,
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest, env, io);
    case 'check':
      return (await import('./cli/check-command')).runCheck(rest, env, io);
    case 'simulate':
      return (await import('./cli/simulate-command')).runSimulate(rest, env, io);
    case 'migrate':
      return (await import('./cli/migrate-command')).runMigrate(rest, env, io, stdin);
    case 'version':
    case '--version':
    case '-v':
      io.out(`${packageVersion()}\n`);
      return EXIT_OK;
    case 'help':
      // `help check` is `check --help`, as in git and kubectl.
      if (rest[0] !== undefined && rest[0] !== 'help')
        return run([rest[0], '--help'], env, io, stdin);
      io.out(usage());
      return EXIT_OK;
    case undefined:
    case '-h':
    case '--help':
      io.out(usage());
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    default: {
      const guess = didYouMean(command, [...COMMANDS.map(([name]) => name), '--version', '--help']);
      io.err(
        `unknown command "${command}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}\n` +
          `run "keda-prometheus-scaler --help" for the commands\n`,
      );
      return EXIT_USAGE;
    }
  }
}

/**
 * Runs the command line as this process and exits with its code: `node dist/src/main.js` below,
 * and the bundle's launcher (dist/bundle/main.js, written by scripts/bundle.ts), for which this
 * file is not the process entry.
 */
export function runAsProcess(): void {
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

if (require.main === module) runAsProcess();
