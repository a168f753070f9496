// --from/--to as people type them: RFC 3339, unix seconds, now, relative times; milliseconds refused.
import { parseTimeFlag } from '../../../src/cli/time-input';

const NOW = 1_700_000_000;

test.each([
  ['now', NOW],
  ['-2h', NOW - 7200],
  ['now-30m', NOW - 1800],
  ['now - 90s', NOW - 90],
  ['2 hours ago', NOW - 7200],
  ['1 day ago', NOW - 86_400],
  ['15m ago', NOW - 900],
  ['1699990000', 1_699_990_000],
  ['2023-11-14T22:13:20Z', NOW],
  ['2023-11-15T00:13:20+02:00', NOW],
])('%s', (text, expected) => {
  expect(parseTimeFlag(text, '--from', NOW)).toBe(expected);
});

test.each([
  ['yesterday', '--from: expected RFC 3339 (2024-05-01T12:00:00Z), unix seconds, "now"'],
  ['-2 fortnights', '--from: unknown unit "fortnights"'],
  ['2023-11-14T22:13:20', '--from: expected RFC 3339'],
  [
    '1700000000000',
    '--from: 1700000000000 looks like unix milliseconds; give seconds (1700000000)',
  ],
])('refuses %s, naming the flag and the formats', (text, message) => {
  expect(() => parseTimeFlag(text, '--from', NOW)).toThrow(message);
});
