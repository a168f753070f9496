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
