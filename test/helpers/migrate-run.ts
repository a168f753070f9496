// Runs `migrate` in-process with its standard output and standard error captured, for the
// migrate tests (unit and --verify integration alike).
import { runMigrate } from '../../src/cli/migrate-command';

/** `migrate ARGS` with `stdin` as standard input: exit code, standard output and error. */
export async function runMigrateCaptured(
  args: string[],
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMigrate(
    args,
    {},
    { out: t => void out.push(t), err: t => void err.push(t) },
    () => stdin,
  );
  return { code, out: out.join(''), err: err.join('') };
}
