// --from/--to as people type them, and CSV timestamps in seconds or milliseconds.
import { parseSeriesCsv, parseTimeFlag } from '../../../src/cli/time-input';

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

test('a CSV in unix milliseconds is converted, and says so', () => {
  const parsed = parseSeriesCsv('timestamp,value\n1700000000000,5\n1700000015000,7\n');
  expect(parsed.samples).toEqual([
    { timestamp: 1_700_000_000, value: 5 },
    { timestamp: 1_700_000_015, value: 7 },
  ]);
  expect(parsed.note).toBe('--series: timestamps are unix milliseconds; read as seconds / 1000');
  expect(parseSeriesCsv('1700000000,5\n').note).toBeUndefined();
});

test('mixed units and nanoseconds are refused, naming the line', () => {
  expect(() => parseSeriesCsv('t,v\n1700000000,1\n1700000015000,2\n')).toThrow(
    '--series line 2: timestamp 1700000000 is in seconds but line 3 is in milliseconds',
  );
  expect(() => parseSeriesCsv('1700000000000000000,1\n')).toThrow(
    '--series line 1: timestamp 1700000000000000000 is too large',
  );
});
