// A command's failure and its exit code: thrown by the commands, printed and turned into the exit
// code in one place, main.ts.
const BRAND = Symbol.for('keda-prometheus-scaler.CliError');

/** Exit codes documented in `--help`: a failed check or source, and bad input (flags, files). */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  readonly [BRAND] = true;
  override readonly name: string = 'CliError';

  /**
   * @param message printed to stderr as it is.
   * @param withHelpHint whether the line naming `<command> --help` follows (bad flags and files).
   */
  constructor(
    message: string,
    readonly exitCode: number,
    readonly withHelpHint = false,
  ) {
    super(message);
  }
}

/** Brand check, as for ScalerError: it survives a second copy of this module. */
export function isCliError(e: unknown): e is CliError {
  return typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}
