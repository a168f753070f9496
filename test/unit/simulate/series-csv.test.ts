// The replay CSV's timestamp units: unix seconds, or milliseconds for the whole file.
import { parseSeriesCsv } from '../../../src/simulate/series-csv';

const ONE = ['trigger0'];

test('a CSV in unix milliseconds is converted, and says so', () => {
  const parsed = parseSeriesCsv('timestamp,value\n1700000000000,5\n1700000015000,7\n', ONE);
  expect(parsed.series[0]).toEqual([
    { timestamp: 1_700_000_000, value: 5 },
    { timestamp: 1_700_000_015, value: 7 },
  ]);
  expect(parsed.note).toBe('--series: timestamps are unix milliseconds; read as seconds / 1000');
  expect(parseSeriesCsv('1700000000,5\n', ONE).note).toBeUndefined();
});

test('mixed units and nanoseconds are refused, naming the line', () => {
  expect(() => parseSeriesCsv('t,v\n1700000000,1\n1700000015000,2\n', ONE)).toThrow(
    '--series line 2: timestamp 1700000000 is in seconds but line 3 is in milliseconds',
  );
  expect(() => parseSeriesCsv('1700000000000000000,1\n', ONE)).toThrow(
    '--series line 1: timestamp 1700000000000000000 is too large',
  );
});
