// Flag parsing shared by the `check` and `simulate` commands: usage on bad flags (exit 2) and on
// --help (exit 0).
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags, or the exit code when the command should stop here. */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  io: CommandIo,
):
  | { values: ReturnType<typeof parseArgs<{ args: string[]; options: O }>>['values'] }
  | { exit: number } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${usage}`);
    return { exit: 2 };
  }
  if ((values as { help?: boolean }).help === true) {
    io.out(usage);
    return { exit: 0 };
  }
  return { values: values as never };
}

/** A flag value that breaks its rule; the commands answer it with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
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
