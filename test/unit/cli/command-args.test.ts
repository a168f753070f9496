// Flag tables: help from the table, "did you mean" for unknown flags, negative values, and
// config errors named by the flag or variable that was set.
import { commandUsage, parseFlags } from '../../../src/cli/command-args';
import { CHECK_COMMAND } from '../../../src/cli/check-command';
import { SIMULATE_COMMAND } from '../../../src/cli/simulate-command';
import { nameOrigins, parseServeOptions, SERVE_COMMAND } from '../../../src/cli/serve-options';
import type { ConfigError } from '../../../src/config/load-config';
import { validateConfig } from '../../../src/config/load-config';

test.each([CHECK_COMMAND, SIMULATE_COMMAND, SERVE_COMMAND])(
  '$name --help lists every flag of its table',
  command => {
    const text = commandUsage(command);
    for (const flag of command.flags) expect(text).toContain(`--${flag.name}`);
    expect(text).toContain('-h, --help');
  },
);

test('an unknown flag gets the closest known one', () => {
  expect(() => parseFlags(['--prometheus-ur', 'x'], CHECK_COMMAND.flags)).toThrow(
    'unknown flag --prometheus-ur (did you mean --prometheus-url?)',
  );
  expect(() => parseFlags(['--zzz'], CHECK_COMMAND.flags)).toThrow(/^unknown flag --zzz$/);
  expect(() => parseFlags(['so.yaml'], CHECK_COMMAND.flags)).toThrow(
    'unexpected argument "so.yaml"',
  );
});

test('a value that starts with a dash after a flag that takes one: --from -2h', () => {
  expect(parseFlags(['--from', '-2h', '--to', 'now'], SIMULATE_COMMAND.flags)).toMatchObject({
    from: '-2h',
    to: 'now',
  });
});

test('config errors name --log-level or SCALER_LOG_LEVEL, whichever was set', () => {
  const problemsFor = (argv: string[], env: NodeJS.ProcessEnv): string[] => {
    const options = parseServeOptions(argv, env);
    if (options.help) throw new Error('unexpected help');
    try {
      validateConfig({}, options.overrides);
      return [];
    } catch (e) {
      return [...nameOrigins(e as ConfigError, options.origins).problems];
    }
  };
  expect(problemsFor(['--log-level', 'loud', '--prometheus-url', 'http://p:9090'], {})).toEqual([
    '--log-level: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
  ]);
  expect(problemsFor([], { SCALER_LOG_LEVEL: 'loud', SCALER_PROMETHEUS_URL: 'ftp://p' })).toEqual([
    'SCALER_LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
    'SCALER_PROMETHEUS_URL: must be an http:// or https:// URL, got "ftp://p"',
  ]);
});
