// `migrate --help`: its usage line names every flag the command takes, so a user reading only the
// usage learns of --verify and the Prometheus URLs it needs.
import { MIGRATE_COMMAND } from '../../../src/cli/migrate-command';
import { runMigrateCaptured } from '../../helpers/migrate-run';

test('the usage line of migrate --help lists every flag', async () => {
  const r = await runMigrateCaptured(['--help']);
  expect(r.code).toBe(0);
  // The usage is everything before the description (its first line indented by two spaces).
  const usage = r.out.slice(0, r.out.indexOf('\n  Converts'));
  expect(usage).toMatch(/^Usage: keda-prometheus-scaler migrate FILE\.\.\./);
  const missing = MIGRATE_COMMAND.flags
    .map(f => `--${f.name}`)
    // --config is not found in --config-out: the flag's name ends where a letter or - does not follow.
    .filter(flag => !new RegExp(`${flag}(?![\\w-])`).test(usage));
  expect(missing).toEqual([]);
});
