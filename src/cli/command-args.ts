// Flag tables and their parser, shared by every command: help text built from the table, "did you
// mean" for an unknown flag, exit 2 on bad flags and 0 on --help.
import type { KedaVersion } from '../simulate/keda-release';
import { DEFAULT_KEDA_VERSION, KEDA_VERSIONS, parseKedaVersion } from '../simulate/keda-release';
import { parseArgs } from 'node:util';
import type { KubernetesVersion } from '../simulate/hpa-model';
import {
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
  parseKubernetesVersion,
} from '../simulate/hpa-model';
import { didYouMean } from '../util/did-you-mean';
import { quote } from '../util/echo';
import { CliError, EXIT_USAGE } from './cli-error';

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** One flag: its name without dashes, the value it takes (none for a switch), its help line. */
export interface FlagSpec {
  readonly name: string;
  /** Placeholder for the value (FILE, URL, N); absent for a boolean switch. */
  readonly arg?: string;
  readonly multiple?: boolean;
  /** The environment variable that sets the same thing (a flag wins over it). */
  readonly env?: string;
  readonly help: string;
}

export interface CommandSpec<F extends readonly FlagSpec[] = readonly FlagSpec[]> {
  /** The command word after the program name ("check"). */
  readonly name: string;
  /** The usage line(s) after "Usage: keda-prometheus-scaler <name> ". */
  readonly synopsis: string;
  /** What the command does and its exit codes, as indented prose. */
  readonly description: string;
  readonly flags: F;
  /** Arguments that are not flags (`FILE...`), for the commands that take them. */
  readonly positionals?: boolean;
}

/** The parsed values, typed from the flag table: string, string[] or boolean per flag. */
export type FlagValues<F extends readonly FlagSpec[]> = {
  [K in F[number] as K['name']]?: K extends { multiple: true }
    ? string[]
    : K extends { arg: string }
      ? string
      : boolean;
};

export const PROGRAM = 'keda-prometheus-scaler';

/** A flag value that breaks its rule, or an unknown flag: exit 2, with the help hint. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super(message, EXIT_USAGE, true);
  }
}

/** The lines listing each flag, its value, its help and its environment variable. */
export function flagHelp(flags: readonly FlagSpec[]): string {
  const column = 30;
  const width = 100;
  return [...flags, { name: 'help', help: 'this text' } as FlagSpec]
    .map(f => {
      const head = `  ${f.name === 'help' ? '-h, ' : ''}--${f.name}${f.arg === undefined ? '' : ` ${f.arg}`}`;
      const text = `${f.help}${f.multiple === true ? ' (repeatable)' : ''}`;
      const env = f.env === undefined ? '' : `env ${f.env}`;
      const lines = [
        `${head.padEnd(column)}${head.length >= column ? `\n${' '.repeat(column)}` : ''}${text}`,
      ];
      // The variable on the same line if it fits, else on its own line under the help.
      if (env !== '') {
        const last = lines[0]?.split('\n').pop() ?? '';
        if (last.length + env.length + 3 <= width) lines[0] += ` (${env})`;
        else lines.push(`${' '.repeat(column)}${env}`);
      }
      return lines.join('\n');
    })
    .join('\n');
}

export function commandUsage(command: CommandSpec): string {
  return `Usage: ${PROGRAM} ${command.name} ${command.synopsis}\n${command.description}\nFlags:\n${flagHelp(command.flags)}\n`;
}

/** How to get the full help, appended to every usage error instead of the whole text. */
export function helpHint(command: string): string {
  return `run "${PROGRAM} ${command} --help" for the flags`;
}

/**
 * Parses argv against the table. @throws {@link UsageError} naming the flag, with the closest
 * known flag for an unknown one.
 */
export function parseFlags<F extends readonly FlagSpec[]>(
  argv: string[],
  flags: F,
  positionals: string[] | undefined = undefined,
): FlagValues<F> & { help?: boolean } {
  const options = Object.fromEntries(
    flags.map(f => [
      f.name,
      f.arg === undefined
        ? { type: 'boolean' as const }
        : { type: 'string' as const, multiple: f.multiple === true },
    ]),
  );
  try {
    const parsed = parseArgs({
      args: joinNegativeValues(argv, flags),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: positionals !== undefined,
    });
    positionals?.push(...parsed.positionals);
    return parsed.values as FlagValues<F> & { help?: boolean };
  } catch (e) {
    throw new UsageError(describeParseError(e as Error & { code?: string }, flags));
  }
}

/**
 * `--from -2h` as `--from=-2h`: parseArgs takes a value that starts with "-" for a flag, so a
 * negative number or relative time after a flag that takes a value is joined to it.
 */
function joinNegativeValues(argv: string[], flags: readonly FlagSpec[]): string[] {
  const takesValue = new Set(flags.filter(f => f.arg !== undefined).map(f => `--${f.name}`));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (takesValue.has(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** node:util's parseArgs messages, made shorter and given a "did you mean". */
function describeParseError(e: Error & { code?: string }, flags: readonly FlagSpec[]): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const known = [...flags.map(f => `--${f.name}`), '--help'];
    const guess = quoted.startsWith('--') ? didYouMean(quoted, known) : undefined;
    return `unknown flag ${quoted}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument "${quoted}": every value follows its flag (e.g. --scaledobject FILE)`;
  }
  return e.message;
}

/**
 * The parsed flags, or exit code 0 when the command printed its --help.
 * @throws {@link UsageError} for bad flags.
 */
export function parseCommandArgs<F extends readonly FlagSpec[]>(
  argv: string[],
  command: CommandSpec<F>,
  io: CommandIo,
): { values: FlagValues<F>; positionals: string[] } | { exit: number } {
  const positionals: string[] = [];
  const values = parseFlags(
    argv,
    command.flags,
    command.positionals === true ? positionals : undefined,
  );
  if (values.help === true) {
    io.out(commandUsage(command));
    return { exit: 0 };
  }
  return { values, positionals };
}

/**
 * A modelled release named by a flag (default `fallback`), read by `parse`; the error lists the
 * releases the model knows and shows how a patch release is read.
 */
function releaseFlag<Version>(
  flag: string,
  text: string | undefined,
  fallback: string,
  parse: (given: string) => Version | undefined,
  known: readonly string[],
  patchExample: string,
): Version {
  const given = text ?? fallback;
  const version = parse(given);
  if (version === undefined) {
    throw new UsageError(
      `--${flag}: must be one of ${known.join(', ')} (a patch release such as ${patchExample}), got ${quote(given, 20)}`,
    );
  }
  return version;
}

/** --kubernetes-version: a modelled release (`1.30`, `v1.30.4`), the newest when absent. */
export function kubernetesVersionFlag(text: string | undefined): KubernetesVersion {
  return releaseFlag(
    'kubernetes-version',
    text,
    DEFAULT_KUBERNETES_VERSION,
    parseKubernetesVersion,
    KUBERNETES_VERSIONS,
    'v1.30.4 is read as 1.30',
  );
}

/** A whole number >= `min` from a flag, or undefined when the flag is absent. */
export function wholeNumberFlag(
  flag: string,
  text: string | undefined,
  min = 0,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min) {
    throw new UsageError(`--${flag}: must be a whole number >= ${min}, got "${text}"`);
  }
  return n;
}

/** --keda-version: the KEDA release whose rules the model applies (default the newest). */
export function kedaVersionFlag(text: string | undefined): KedaVersion {
  return releaseFlag(
    'keda-version',
    text,
    DEFAULT_KEDA_VERSION,
    parseKedaVersion,
    KEDA_VERSIONS,
    'v2.18.3 is read as 2.18',
  );
}

/** The --keda-version flag as check and simulate declare it. */
export const KEDA_VERSION_FLAG = {
  name: 'keda-version',
  arg: 'X.Y',
  help: `KEDA's release rules (${KEDA_VERSIONS[0]}–${KEDA_VERSIONS[KEDA_VERSIONS.length - 1]}, default ${DEFAULT_KEDA_VERSION}: v2.20.2)`,
} as const;
