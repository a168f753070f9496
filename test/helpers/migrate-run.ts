// Runs `migrate` in-process through main() with its standard output and standard error captured, for the
// migrate tests (unit and --verify integration alike).
import { main } from '../../src/main';

/** `migrate ARGS` with `stdin` as standard input: exit code, standard output and error. */
export async function runMigrateCaptured(
  args: string[],
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  // Through main(), which turns a command's CliError into its exit code and message.
  const code = await main(
    ['migrate', ...args],
    {},
    { out: t => void out.push(t), err: t => void err.push(t) },
    () => stdin,
  );
  return { code, out: out.join(''), err: err.join('') };
}
